using System.Globalization;
using Autograd.Benchmarks.Quick;
using BenchmarkDotNet.Running;

namespace Autograd.Benchmarks;

/// <summary>
/// Entry point. <c>--quick [--json PATH] [--compare LIBTORCH.json] [--breakdown]</c> runs the quick side-by-side
/// benchmark; <c>--compare LIBTORCH.json --ours OURS.json</c> only compares two files; anything else goes to
/// BenchmarkDotNet (e.g. <c>--filter *Gemm*</c>); <c>--sittings DIR…</c> summarises several saved sittings (each DIR
/// holding ours.json, libtorch.json and optionally libtorch.maxrss_kb, as benchmarks/compare.sh writes them).
/// <c>--only mlp,cnn,chain,gemm,anomaly</c> runs only those quick workloads (for before/after comparisons; anomaly, the cost
/// of Tensor.DetectAnomaly, runs only when named). See benchmarks/README.md.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        bool quick = args.Contains("--quick"), breakdown = args.Contains("--breakdown");
        string? json = Value(args, "--json"), compare = Value(args, "--compare"), oursPath = Value(args, "--ours");
        string? libtorchPeakMb = Value(args, "--libtorch-peak-mb");
        int sittings = Array.IndexOf(args, "--sittings");
        if (sittings >= 0)
        {
            Comparison.PrintSittings([.. args.Skip(sittings + 1).Select(LoadSitting)], Console.Out);
            return 0;
        }
        if (!quick && !breakdown && compare is null)
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, new MicroConfig());
            return 0;
        }

        QuickResults? ours = null;
        if (oursPath is not null) ours = QuickResults.FromJson(File.ReadAllText(oursPath));
        else if (quick || compare is not null)
        {
            Console.WriteLine($"Quick benchmark: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, " +
                $"kernel path {Kernels.KernelPaths.Best}, server GC {System.Runtime.GCSettings.IsServerGC}");
            string[]? only = Value(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            ours = QuickBenchmark.Run(Console.Out, only);
            if (json is not null) WriteAtomically(json, ours.ToJson());
            Console.WriteLine(ours.ToJson());
        }
        if (breakdown) Breakdown.Run(Console.Out);
        if (ours is null) return 0;

        QuickResults? libtorch = compare is null ? null : QuickResults.FromJson(File.ReadAllText(compare));
        if (libtorch is not null && libtorch.PeakMemoryMb is null && libtorchPeakMb is not null)
            libtorch.PeakMemoryMb = double.Parse(libtorchPeakMb, CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine(libtorch is null ? "Targets (run with --compare LIBTORCH.json for the libtorch column):" : $"Ours vs libtorch ({compare}):");
        int failures = Comparison.Print(ours, libtorch, Console.Out);
        Console.WriteLine($"{failures} target(s) failed.");
        return 0;
    }

    /// <summary>One sitting saved by compare.sh: our results, the anchor's, and the anchor's peak resident set if recorded.</summary>
    private static (string, QuickResults, QuickResults?) LoadSitting(string dir)
    {
        var ours = QuickResults.FromJson(File.ReadAllText(Path.Combine(dir, "ours.json")));
        string anchor = Path.Combine(dir, "libtorch.json"), rss = Path.Combine(dir, "libtorch.maxrss_kb");
        QuickResults? libtorch = File.Exists(anchor) ? QuickResults.FromJson(File.ReadAllText(anchor)) : null;
        if (libtorch is not null && libtorch.PeakMemoryMb is null && File.Exists(rss))
            libtorch.PeakMemoryMb = double.Parse(File.ReadAllText(rss).Trim(), CultureInfo.InvariantCulture) / 1024;
        return (Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)), ours, libtorch);
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void WriteAtomically(string path, string text)
    {
        string full = Path.GetFullPath(path), temp = full + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(temp, text);
        File.Move(temp, full, overwrite: true);
    }
}
