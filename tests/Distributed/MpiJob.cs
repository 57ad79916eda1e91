using System.Diagnostics;
using Autograd.DistributedRunner;

namespace Autograd.Tests.Distributed;

/// <summary>Runs tests/DistributedRunner under <c>mpirun</c> as a subprocess, with the loopback transports only.</summary>
internal static class MpiJob
{
    /// <summary>The mpirun on PATH, or null.</summary>
    public static readonly string? Mpirun = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Why the mpirun tests are skipped, or null when they can run.</summary>
    public static readonly string? Missing = Mpirun is null
        ? "mpirun not found on PATH: these tests need Open MPI (apt-get install openmpi-bin libopenmpi-dev)"
        : Autograd.Distributed.OpenMpi.TryLoad(out string reason) is null ? reason : null;

    /// <summary>Runs <c>mpirun -np <paramref name="ranks"/> dotnet DistributedRunner.dll args</c>; kills the job
    /// after <paramref name="timeout"/> and reports whether it finished in time, with its exit code and output.</summary>
    public static (bool Finished, int ExitCode, string Output, TimeSpan Elapsed) Run(int ranks, TimeSpan timeout, params string[] args)
    {
        string runner = typeof(SmallTraining).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(Mpirun!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["-np", ranks.ToString(), "--oversubscribe", "--allow-run-as-root", dotnet, runner, .. args])
            start.ArgumentList.Add(a);
        start.Environment["OMPI_MCA_btl"] = "self,vader"; // shared memory and loopback only: no network in tests
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        bool finished = process.WaitForExit(timeout);
        if (!finished) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return (finished, process.ExitCode, stdout.Result + stderr.Result, clock.Elapsed);
    }
}

/// <summary>A fact that needs Open MPI: skipped, with the reason and how to install it, where mpirun or libmpi is missing.</summary>
public sealed class MpirunFactAttribute : FactAttribute
{
    public MpirunFactAttribute()
    {
        if (MpiJob.Missing is not null) Skip = MpiJob.Missing;
    }
}
