using System.Globalization;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// Side-by-side table of our quick results and the libtorch anchor's, with each key's ratio and the project's targets
/// marked PASS or FAIL (n/a where a number is missing on either side).
/// </summary>
internal static class Comparison
{
    /// <summary>One line of the table; <paramref name="Value"/> is the number the target is checked on (a ratio to
    /// libtorch, a share of the peak, or our own figure), null for lines without a target.</summary>
    private sealed record Row(string Metric, string Ours, string Libtorch, string Ratio, string Target, string Status, double? Value = null);

    /// <summary>Prints the table; returns the number of FAILs.</summary>
    public static int Print(QuickResults ours, QuickResults? libtorch, TextWriter output)
    {
        var rows = Rows(ours, libtorch);
        Write(rows, output);
        double best = ours.GemmF32.Values.DefaultIfEmpty(0).Max();
        if ((ours.PeakFp32Gflops ?? libtorch?.PeakFp32Gflops) is double p && best > p)
            output.WriteLine($"Note: a GEMM ran at {best:F1} GFLOP/s, above the measured peak {p:F1}: the peak measurement was disturbed, so the % of peak rows overstate.");
        return rows.Count(r => r.Status == "FAIL");
    }

    /// <summary>
    /// Several sittings (each a pair of our results and the anchor's, run back to back) side by side: per target, the
    /// checked value of every sitting, how many sittings met it, and the median. On a shared machine one sitting can
    /// catch either side in a disturbed moment; the spread shows how much of a margin is noise.
    /// </summary>
    public static void PrintSittings(IReadOnlyList<(string Name, QuickResults Ours, QuickResults? Libtorch)> sittings, TextWriter output)
    {
        var tables = sittings.Select(s => Rows(s.Ours, s.Libtorch).Where(r => r.Target.Length > 0).ToList()).ToList();
        string[] header = ["target", .. sittings.Select(s => s.Name), "met", "median"];
        var lines = new List<string[]>();
        for (int i = 0; i < tables[0].Count; i++)
        {
            var row = tables.Select(t => t[i]).ToList();
            var values = row.Where(r => r.Value is not null).Select(r => r.Value!.Value).Order().ToList();
            string median = values.Count == 0 ? "n/a"
                : Short(values.Count % 2 == 1 ? values[values.Count / 2] : (values[values.Count / 2 - 1] + values[values.Count / 2]) / 2);
            lines.Add([$"{row[0].Metric}: {row[0].Target}", .. row.Select(r => r.Value is double v ? $"{Short(v)} {r.Status}" : r.Status),
                $"{row.Count(r => r.Status == "PASS")}/{row.Count}", median]);
        }
        WriteTable(header, lines, output);
    }

    /// <summary>The table's rows for one sitting.</summary>
    private static List<Row> Rows(QuickResults ours, QuickResults? libtorch)
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
        foreach (var (metric, o, l, digits) in SequenceRows(ours, libtorch))
            rows.Add(Check(metric, o, l, Fmt(o, digits), Fmt(l, digits), RatioText(o, l, "× time"), "≤ 0.8× libtorch",
                o / l, x => x <= 0.8));
        double? alloc = ours.MlpStepAllocBytes;
        rows.Add(Check("mlp_step_alloc bytes", alloc, alloc, F0(alloc), F0(libtorch?.MlpStepAllocBytes), "", "< 64 KB (65536 B)",
            alloc, x => x < 65536));
        double? gen2 = ours.Gen2GcsPerMlpEpoch;
        rows.Add(Check("gen2_gcs per mlp epoch", gen2, gen2, F0(gen2), F0(libtorch?.Gen2GcsPerMlpEpoch), "", "≤ 1", gen2, x => x <= 1));
        double? mem = ours.PeakMemoryMb, memL = libtorch?.PeakMemoryMb;
        rows.Add(Check("peak_memory MiB (MLP)", mem, memL, F1(mem), F1(memL), RatioText(mem, memL, "×"), "≤ libtorch",
            mem / memL, x => x <= 1.0));
        rows.Add(new Row("peak_fp32 GFLOP/s", F1(ours.PeakFp32Gflops), F1(libtorch?.PeakFp32Gflops), "", "", ""));
        return rows;
    }

    /// <summary>The sequence workloads' rows: metric, our time, libtorch's, and the digits shown.</summary>
    private static (string, double?, double?, string)[] SequenceRows(QuickResults ours, QuickResults? libtorch) =>
    [
        ("lstm_step ms", ours.LstmStepMs, libtorch?.LstmStepMs, "F2"),
        ("gru_step ms", ours.GruStepMs, libtorch?.GruStepMs, "F2"),
        ("char_lstm_step ms", ours.CharLstmStepMs, libtorch?.CharLstmStepMs, "F2"),
        ("transformer_step ms", ours.TransformerStepMs, libtorch?.TransformerStepMs, "F2"),
        ("attention_fwd_bwd ms", ours.AttentionFwdBwdMs, libtorch?.AttentionFwdBwdMs, "F3"),
    ];

    /// <summary>A row whose status is PASS/FAIL from <paramref name="pass"/> applied to <paramref name="value"/>, or n/a if an input is missing.</summary>
    private static Row Check(string metric, double? a, double? b, string ours, string other, string ratio, string target,
        double? value, Func<double, bool> pass) =>
        a is null || b is null || value is not double v || !double.IsFinite(v)
            ? new(metric, ours, other, ratio, target, "n/a")
            : new(metric, ours, other, ratio, target, pass(v) ? "PASS" : "FAIL", v);

    private static void Write(List<Row> rows, TextWriter output) =>
        WriteTable(["metric", "ours", "libtorch", "ours/libtorch", "target", "status"],
            [.. rows.Select(r => new[] { r.Metric, r.Ours, r.Libtorch, r.Ratio, r.Target, r.Status })], output, leftAligned: 4);

    /// <summary>A Markdown table: the first column (and <paramref name="leftAligned"/>) left-aligned, the rest right-aligned.</summary>
    private static void WriteTable(string[] header, List<string[]> cells, TextWriter output, int leftAligned = 0)
    {
        var widths = Enumerable.Range(0, header.Length).Select(i => Math.Max(header[i].Length, cells.Max(c => c[i].Length))).ToArray();
        bool Left(int i) => i == 0 || i == leftAligned;
        string Line(string[] c) => "| " + string.Join(" | ", c.Select((s, i) => Left(i) ? s.PadRight(widths[i]) : s.PadLeft(widths[i]))) + " |";
        output.WriteLine(Line(header));
        output.WriteLine("|" + string.Join("|", widths.Select((w, i) => Left(i) ? new string('-', w + 2) : new string('-', w + 1) + ":")) + "|");
        foreach (var c in cells) output.WriteLine(Line(c));
    }

    /// <summary>Three significant digits, without an exponent for large values (bytes).</summary>
    private static string Short(double v) => Math.Abs(v) >= 100 ? F0(v) : v.ToString("0.###", CultureInfo.InvariantCulture);

    private static double? Get(Dictionary<int, double> d, int n) => d.TryGetValue(n, out double v) ? v : null;
    private static string RatioText(double? ours, double? other, string unit) => ours / other is double r ? $"{r:F2}{unit}" : "";
    private static string Pct(double? x) => x is double v ? $"{v * 100:F0}%" : "n/a";
    private static string F0(double? x) => Fmt(x, "F0");
    private static string F1(double? x) => Fmt(x, "F1");
    private static string F2(double? x) => Fmt(x, "F2");
    private static string F3(double? x) => Fmt(x, "F3");
    private static string Fmt(double? x, string f) => x is double v ? v.ToString(f, CultureInfo.InvariantCulture) : "n/a";
}
