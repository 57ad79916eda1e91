using System.Numerics;
using Autograd.Kernels;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// The quick side-by-side benchmark: the libtorch anchor's workloads (shared/anchors/TsBench/Program.cs) timed with
/// Stopwatch, best of a few trials, in well under three minutes on two cores.
/// </summary>
internal static class QuickBenchmark
{
    /// <summary>Runs every workload (or those named in <paramref name="only"/>: mlp, cnn, chain, gemm, and anomaly, which
    /// only runs when named), printing
    /// progress and a table to <paramref name="log"/>.</summary>
    public static QuickResults Run(TextWriter log, string[]? only = null)
    {
        var r = new QuickResults();
        if (only is not null)
        {
            foreach (var key in only)
                if (key is not ("mlp" or "cnn" or "chain" or "gemm" or "anomaly"))
                    throw new ArgumentException($"--only: unknown workload '{key}' (mlp, cnn, chain, gemm, anomaly)");
            if (only.Contains("mlp")) Mlp(r, log);
            if (only.Contains("cnn")) Cnn(r, log);
            if (only.Contains("chain")) ScalarChain(r, log);
            if (only.Contains("gemm")) { Gemms<float>(r.GemmF32, log); Gemms<double>(r.GemmF64, log); }
            if (only.Contains("anomaly")) AnomalyCost(r, log);
            return r;
        }
        // The peak is measured before and after the workloads and the best kept: another tenant on the cores lowers it.
        double? peakBefore = PeakFlops.Measure(out _);
        // MLP first: its peak working set is then the MLP's own (plus the runtime), not the GEMM benchmark's.
        Mlp(r, log);
        Cnn(r, log);
        ScalarChain(r, log);
        Gemms<float>(r.GemmF32, log);
        Gemms<double>(r.GemmF64, log);
        double? peakAfter = PeakFlops.Measure(out string note);
        r.PeakFp32Gflops = peakBefore is null || peakAfter is null ? null : Math.Max(peakBefore.Value, peakAfter.Value);
        log.WriteLine(r.PeakFp32Gflops is null ? $"peak-flops: null ({note})" : $"peak-flops: {r.PeakFp32Gflops:F1} GFLOP/s from {note} (best of 3 before: {peakBefore:F1}, after: {peakAfter:F1})");
        log.WriteLine($"process peak working set at the end: {Measure.PeakWorkingSetMb():F1} MiB");
        return r;
    }

    private static void Mlp(QuickResults r, TextWriter log)
    {
        var trainer = Trainer.Mlp();
        // Warm-up: a quarter epoch brings the step's methods to tier-1 code and sizes the GC's budgets.
        for (int b = 0; b < trainer.Batches / 4; b++) trainer.Step(b);

        double best = double.MaxValue;
        int gen2 = 0;
        for (int epoch = 0; epoch < 3; epoch++)
        {
            int before = GC.CollectionCount(2);
            double s = Measure.Seconds(trainer.Epoch);
            gen2 = GC.CollectionCount(2) - before;
            log.WriteLine($"mlp epoch {epoch}: {s:F3} s, {gen2} gen-2 GCs");
            best = Math.Min(best, s);
        }
        r.MlpEpochSeconds = best;
        r.Gen2GcsPerMlpEpoch = gen2; // the last epoch's, in steady state

        const int steps = 64;
        long total = Measure.TotalAllocated(), thread = GC.GetAllocatedBytesForCurrentThread();
        for (int b = 0; b < steps; b++) trainer.Step(b);
        r.MlpStepAllocBytes = (Measure.TotalAllocated() - total) / (double)steps;
        double threadOnly = (GC.GetAllocatedBytesForCurrentThread() - thread) / (double)steps;
        r.PeakMemoryMb = Measure.PeakWorkingSetMb();
        log.WriteLine($"mlp step allocations: {r.MlpStepAllocBytes:F0} B all threads, {threadOnly:F0} B on the calling thread; peak working set {r.PeakMemoryMb:F1} MiB");
    }

    /// <summary>The MLP's training step with <see cref="Tensor.DetectAnomaly"/> on against off, in the same sitting:
    /// alternating trials of 16 steps each, best of five per mode, reported as the ratio.</summary>
    private static void AnomalyCost(QuickResults r, TextWriter log)
    {
        var trainer = Trainer.Mlp();
        for (int b = 0; b < trainer.Batches / 4; b++) trainer.Step(b);
        double off = double.MaxValue, on = double.MaxValue;
        for (int trial = 0; trial < 5; trial++)
        {
            off = Math.Min(off, Measure.Seconds(() => { for (int b = 0; b < 16; b++) trainer.Step(b); }));
            using (Tensor.DetectAnomaly())
                on = Math.Min(on, Measure.Seconds(() => { for (int b = 0; b < 16; b++) trainer.Step(b); }));
        }
        r.AnomalySlowdown = on / off;
        log.WriteLine($"anomaly mode: mlp step {off * 1e3 / 16:F2} ms off, {on * 1e3 / 16:F2} ms on: {r.AnomalySlowdown:F2}x");
    }

    private static void Cnn(QuickResults r, TextWriter log)
    {
        var trainer = Trainer.Cnn();
        for (int b = 0; b < 5; b++) trainer.Step(b);
        double best = double.MaxValue;
        for (int pass = 0; pass < 3; pass++)
        {
            double ms = Measure.Seconds(trainer.Epoch) * 1e3 / trainer.Batches;
            log.WriteLine($"cnn pass {pass}: {ms:F2} ms/step");
            best = Math.Min(best, ms);
        }
        r.CnnStepMs = best;
    }

    private static void ScalarChain(QuickResults r, TextWriter log)
    {
        // Warm-up of at least a second, as the MLP gets a quarter epoch: the chain's op and engine methods reach tier-1
        // code (with one call only, the runtime's tiering delay leaves most of the timed calls in tier-0 code, and the
        // figure measures the JIT, not the graph).
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 1) Workloads.ScalarChain();
        double s = Measure.BestSeconds(5, () => Workloads.ScalarChain());
        r.ScalarChainNsPerNode = s * 1e9 / Workloads.ScalarChainNodes;
        log.WriteLine($"scalar chain: {r.ScalarChainNsPerNode:F1} ns/node ({s * 1e3:F2} ms for {Workloads.ScalarChainNodes} nodes, forward + backward)");
    }

    /// <summary>
    /// Square n×n·n×n products through Tensor.MatMul (reported) and Gemm.Multiply into a preallocated C (printed, to
    /// show what the tensor layer costs). Reps are scaled as the anchor scales them, 2·10¹⁰ FLOP per size and at least
    /// 3, split into trials of a fifth of them, of which the fastest counts: at least 5 trials and 2 seconds (at most 60
    /// trials), since one short burst of another tenant's work can cover five trials of a large product. Each product's
    /// result is freed when it is done, inside its own <see cref="Tensor.Scope"/>, as the anchor frees each one with
    /// <c>using var c = a.matmul(b)</c>; without it every product would be a fresh large-object allocation and the GC's
    /// cost would be measured with it.
    /// </summary>
    private static void Gemms<T>(Dictionary<int, double> into, TextWriter log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new Generator(1);
        foreach (int n in QuickResults.GemmSizes)
        {
            var a = Tensor.Randn<T>([n, n], g);
            var b = Tensor.Randn<T>([n, n], g);
            for (int i = 0; i < 3; i++) Product(a, b);
            double flop = 2.0 * n * n * n;
            int reps = Math.Max(3, (int)(2e10 / flop));
            int perTrial = Math.Max(1, reps / 5);
            double tensor = Measure.BestSeconds(5, 2.0, 60, () => { for (int i = 0; i < perTrial; i++) Product(a, b); });
            var (x, y, c) = (a.ToArray(), b.ToArray(), new T[n * n]);
            double raw = Measure.BestSeconds(5, () =>
            {
                for (int i = 0; i < perTrial; i++) Gemm.Multiply(x, 0, n, false, y, 0, n, false, c, 0, n, n, n, n, accumulate: false);
            });
            into[n] = flop * perTrial / tensor / 1e9;
            log.WriteLine($"gemm {typeof(T).Name} n={n}: Tensor.MatMul {into[n]:F1} GFLOP/s, Gemm.Multiply {flop * perTrial / raw / 1e9:F1} GFLOP/s ({KernelPaths.Best})");
        }
    }

    /// <summary>One product whose result goes back to the pool at once (the anchor's <c>using var c</c>).</summary>
    private static void Product<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var scope = Tensor.Scope();
        a.MatMul(b);
    }
}
