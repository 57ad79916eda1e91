using System.Globalization;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// Side-by-side table of our quick results and the libtorch anchor's, with each key's ratio and the project's targets
/// marked PASS or FAIL (n/a where a number is missing on either side).
/// </summary>
internal static class Comparison
{
    private sealed record Row(string Metric, string Ours, string Libtorch, string Ratio, string Target, string Status);

    /// <summary>Prints the table; returns the number of FAILs.</summary>
    public static int Print(QuickResults ours, QuickResults? libtorch, TextWriter output)
    {
        var rows = new List<Row>();
        double? peak = ours.PeakFp32Gflops ?? libtorch?.PeakFp32Gflops;
        foreach (int n in QuickResults.GemmSizes)
        {
            double? o = Get(ours.GemmF32, n), l = libtorch is null ? null : Get(libtorch.GemmF32, n);
            rows.Add(Check($"gemm_f32 n={n} GFLOP/s", o, l, F1(o), F1(l), RatioText(o, l, "× rate"),
                "≥ 1.3× libtorch", o / l, x => x >= 1.3));
            if (n >= 512)
                rows.Add(Check($"gemm_f32 n={n} % of peak", o, peak, Pct(o / peak), F1(peak) + " peak", "", "≥ 60% of peak",
                    o / peak, x => x >= 0.60));
        }
        foreach (int n in QuickResults.GemmSizes)
        {
            double? o = Get(ours.GemmF64, n), l = libtorch is null ? null : Get(libtorch.GemmF64, n);
            double? halfPeak = peak / 2;
            rows.Add(n >= 512
                ? Check($"gemm_f64 n={n} GFLOP/s", o, halfPeak, $"{F1(o)} ({Pct(o / halfPeak)})", F1(l), RatioText(o, l, "×"),
                    "≥ 55% of peak/2", o / halfPeak, x => x >= 0.55)
                : new Row($"gemm_f64 n={n} GFLOP/s", F1(o), F1(l), RatioText(o, l, "×"), "", ""));
        }
        double? sc = ours.ScalarChainNsPerNode, scL = libtorch?.ScalarChainNsPerNode;
        rows.Add(Check("scalar_chain ns/node", sc, sc, F1(sc), F1(scL), RatioText(sc, scL, "× time"), "≤ 250 ns/node", sc, x => x <= 250));
        double? mlp = ours.MlpEpochSeconds, mlpL = libtorch?.MlpEpochSeconds;
        rows.Add(Check("mlp_epoch s", mlp, mlpL, F3(mlp), F3(mlpL), RatioText(mlp, mlpL, "× time"), "≤ 0.6× libtorch",
            mlp / mlpL, x => x <= 0.6));
        double? cnn = ours.CnnStepMs, cnnL = libtorch?.CnnStepMs;
        rows.Add(Check("cnn_step ms", cnn, cnnL, F2(cnn), F2(cnnL), RatioText(cnn, cnnL, "× time"), "≤ 1.0× libtorch",
            cnn / cnnL, x => x <= 1.0));
        double? alloc = ours.MlpStepAllocBytes;
        rows.Add(Check("mlp_step_alloc bytes", alloc, alloc, F0(alloc), F0(libtorch?.MlpStepAllocBytes), "", "< 64 KB (65536 B)",
            alloc, x => x < 65536));
        double? gen2 = ours.Gen2GcsPerMlpEpoch;
        rows.Add(Check("gen2_gcs per mlp epoch", gen2, gen2, F0(gen2), F0(libtorch?.Gen2GcsPerMlpEpoch), "", "≤ 1", gen2, x => x <= 1));
        double? mem = ours.PeakMemoryMb, memL = libtorch?.PeakMemoryMb;
        rows.Add(Check("peak_memory MiB (MLP)", mem, memL, F1(mem), F1(memL), RatioText(mem, memL, "×"), "≤ libtorch",
            mem / memL, x => x <= 1.0));
        rows.Add(new Row("peak_fp32 GFLOP/s", F1(ours.PeakFp32Gflops), F1(libtorch?.PeakFp32Gflops), "", "", ""));

        Write(rows, output);
        double best = ours.GemmF32.Values.DefaultIfEmpty(0).Max();
        if (peak is double p && best > p)
            output.WriteLine($"Note: a GEMM ran at {best:F1} GFLOP/s, above the measured peak {p:F1}: the peak measurement was disturbed, so the % of peak rows overstate.");
        return rows.Count(r => r.Status == "FAIL");
    }

    /// <summary>A row whose status is PASS/FAIL from <paramref name="pass"/> applied to <paramref name="value"/>, or n/a if an input is missing.</summary>
    private static Row Check(string metric, double? a, double? b, string ours, string other, string ratio, string target,
        double? value, Func<double, bool> pass) =>
        new(metric, ours, other, ratio, target,
            a is null || b is null || value is not double v || !double.IsFinite(v) ? "n/a" : pass(v) ? "PASS" : "FAIL");

    private static void Write(List<Row> rows, TextWriter output)
    {
        string[] header = ["metric", "ours", "libtorch", "ours/libtorch", "target", "status"];
        var cells = rows.Select(r => new[] { r.Metric, r.Ours, r.Libtorch, r.Ratio, r.Target, r.Status }).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => Math.Max(header[i].Length, cells.Max(c => c[i].Length))).ToArray();
        string Line(string[] c) => "| " + string.Join(" | ", c.Select((s, i) => i is 0 or 4 ? s.PadRight(widths[i]) : s.PadLeft(widths[i]))) + " |";
        output.WriteLine(Line(header));
        output.WriteLine("|" + string.Join("|", widths.Select((w, i) => i is 0 or 4 ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var c in cells) output.WriteLine(Line(c));
    }

    private static double? Get(Dictionary<int, double> d, int n) => d.TryGetValue(n, out double v) ? v : null;
    private static string RatioText(double? ours, double? other, string unit) => ours / other is double r ? $"{r:F2}{unit}" : "";
    private static string Pct(double? x) => x is double v ? $"{v * 100:F0}%" : "n/a";
    private static string F0(double? x) => Fmt(x, "F0");
    private static string F1(double? x) => Fmt(x, "F1");
    private static string F2(double? x) => Fmt(x, "F2");
    private static string F3(double? x) => Fmt(x, "F3");
    private static string Fmt(double? x, string f) => x is double v ? v.ToString(f, CultureInfo.InvariantCulture) : "n/a";
}
