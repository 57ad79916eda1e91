using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Autograd.Tests.Reliability;

/// <summary>
/// tests/ReproRunner as a child process: <c>dotnet ReproRunner.dll …</c> from this test assembly's directory (the
/// project reference copies it there), its standard output collected line by line.
/// </summary>
internal sealed class ReproChild : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly BlockingCollection<string> _lines = [];
    private readonly List<string> _all = [];
    private readonly Process _process;

    private ReproChild(string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ReproRunner.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _lines.CompleteAdding();
            else
            {
                lock (_all) _all.Add(e.Data);
                _lines.Add(e.Data);
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_all) _all.Add("stderr: " + e.Data);
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the runner with <paramref name="args"/>.</summary>
    public static ReproChild Start(params string[] args) => new(args);

    /// <summary>Runs the runner to the end and returns its result; fails the test if it exits with an error.</summary>
    public static ChildResult Run(params string[] args)
    {
        using var child = Start(args);
        return child.Finish();
    }

    /// <summary>Every line read so far (standard error prefixed "stderr: ").</summary>
    public string Output
    {
        get { lock (_all) return string.Join("\n", _all); }
    }

    /// <summary>Blocks until a line starting with <paramref name="prefix"/> arrives; false when the output ends first.</summary>
    public bool WaitForLine(string prefix)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
            if (!_lines.TryTake(out string? line, TimeSpan.FromSeconds(1))) { if (_lines.IsCompleted) return false; }
            else if (line.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return false;
    }

    /// <summary>SIGKILL on Linux and macOS (Process.Kill), TerminateProcess on Windows: no handler runs, nothing is flushed.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Whether the process exited by itself, having printed its final "state" line.</summary>
    public bool Finished => _process.HasExited && Output.Contains("\nstate ", StringComparison.Ordinal);

    /// <summary>Waits for the end and parses "loss STEP BITS" and "state HASH".</summary>
    public ChildResult Finish()
    {
        Assert.True(_process.WaitForExit(Patience), $"ReproRunner did not finish in {Patience}: {Output}");
        _process.WaitForExit(); // drains the asynchronous readers
        Assert.True(_process.ExitCode == 0, $"ReproRunner exited with {_process.ExitCode}: {Output}");
        string[] lines = Output.Split('\n');
        var losses = lines.Where(l => l.StartsWith("loss ", StringComparison.Ordinal)).Select(l => l[5..]).ToList();
        string state = lines.Single(l => l.StartsWith("state ", StringComparison.Ordinal))[6..];
        return new ChildResult(state, losses);
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
        _lines.Dispose();
    }

    /// <summary>The dotnet host running this test (testhost runs under it), else the one beside the shared runtime.</summary>
    private static string DotnetHost()
    {
        string exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == exe) return self;
        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment(), "..", "..", ".."));
        return File.Exists(Path.Combine(root, exe)) ? Path.Combine(root, exe) : exe;
    }

    private static string RuntimeEnvironment() => Path.GetDirectoryName(typeof(object).Assembly.Location)!;
}

/// <summary>A finished run: the state hash and "STEP BITS" per step it ran.</summary>
internal sealed record ChildResult(string State, IReadOnlyList<string> Losses);
