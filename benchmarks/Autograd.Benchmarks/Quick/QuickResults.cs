using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// The quick benchmark's numbers under the JSON keys the libtorch anchor prints (shared/anchors/TsBench/Program.cs),
/// plus the keys only this side measures (f64 GEMM, allocations, gen-2 GCs, peak memory, machine peak).
/// Any key may be missing (null) in a JSON file written by the other side.
/// </summary>
internal sealed class QuickResults
{
    public static readonly int[] GemmSizes = [128, 256, 512, 1024, 2048];

    public Dictionary<int, double> GemmF32 { get; } = [];
    public Dictionary<int, double> GemmF64 { get; } = [];
    public double? ScalarChainNsPerNode { get; set; }
    public double? MlpEpochSeconds { get; set; }
    public double? CnnStepMs { get; set; }
    public double? MlpStepAllocBytes { get; set; }
    public double? Gen2GcsPerMlpEpoch { get; set; }
    public double? PeakFp32Gflops { get; set; }
    public double? PeakMemoryMb { get; set; }
    public double? AnomalySlowdown { get; set; }

    /// <summary>The flat JSON object: GEMM keys map sizes ("128", …) to GFLOP/s; the rest are numbers or null.</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["gemm_f32_gflops"] = Sizes(GemmF32),
            ["gemm_f64_gflops"] = Sizes(GemmF64),
            ["scalar_chain_ns_per_node"] = Round(ScalarChainNsPerNode, 1),
            ["mlp_epoch_s"] = Round(MlpEpochSeconds, 3),
            ["cnn_step_ms"] = Round(CnnStepMs, 2),
            ["mlp_step_alloc_bytes"] = Round(MlpStepAllocBytes, 0),
            ["gen2_gcs_per_mlp_epoch"] = Round(Gen2GcsPerMlpEpoch, 0),
            ["peak_fp32_gflops"] = Round(PeakFp32Gflops, 1),
            ["peak_memory_mb"] = Round(PeakMemoryMb, 1),
            ["anomaly_mode_slowdown"] = Round(AnomalySlowdown, 2),
        };
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a JSON file from either side; unknown keys are ignored and missing ones stay null.</summary>
    public static QuickResults FromJson(string json)
    {
        var r = new QuickResults();
        var o = JsonNode.Parse(json)?.AsObject() ?? throw new FormatException("benchmark JSON: expected an object");
        ReadSizes(o, "gemm_f32_gflops", r.GemmF32);
        ReadSizes(o, "gemm_f64_gflops", r.GemmF64);
        r.ScalarChainNsPerNode = Number(o, "scalar_chain_ns_per_node");
        r.MlpEpochSeconds = Number(o, "mlp_epoch_s");
        r.CnnStepMs = Number(o, "cnn_step_ms");
        r.MlpStepAllocBytes = Number(o, "mlp_step_alloc_bytes");
        r.Gen2GcsPerMlpEpoch = Number(o, "gen2_gcs_per_mlp_epoch");
        r.PeakFp32Gflops = Number(o, "peak_fp32_gflops");
        r.PeakMemoryMb = Number(o, "peak_memory_mb");
        r.AnomalySlowdown = Number(o, "anomaly_mode_slowdown");
        return r;
    }

    private static JsonObject Sizes(Dictionary<int, double> values)
    {
        var o = new JsonObject();
        foreach (var (n, v) in values.OrderBy(kv => kv.Key)) o[n.ToString(CultureInfo.InvariantCulture)] = Math.Round(v, 1);
        return o;
    }

    private static JsonNode? Round(double? value, int digits) =>
        value is double v && double.IsFinite(v) ? JsonValue.Create(Math.Round(v, digits)) : null;

    private static double? Number(JsonObject o, string key) =>
        o.TryGetPropertyValue(key, out var node) && node is JsonValue v && v.TryGetValue(out double d) ? d : null;

    private static void ReadSizes(JsonObject o, string key, Dictionary<int, double> into)
    {
        if (!o.TryGetPropertyValue(key, out var node) || node is not JsonObject sizes) return;
        foreach (var (name, value) in sizes)
            if (int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && value is JsonValue v && v.TryGetValue(out double d))
                into[n] = d;
    }
}
