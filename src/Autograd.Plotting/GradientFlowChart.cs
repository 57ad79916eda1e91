using System.Numerics;
using Autograd.NN;

namespace Autograd.Plotting;

/// <summary>Pictures of a <see cref="GradientFlowMonitor{T}"/>: per layer, over steps, on log scales.</summary>
public static class GradientFlowChart
{
    /// <summary>
    /// Saves three panels side by side from the monitor's <see cref="GradientFlowMonitor{T}.LayerRecords"/>: the
    /// gradient norm ‖g‖, the gradient-to-weight ratio ‖g‖/‖w‖ and the update-to-weight ratio ‖Δw‖/‖w‖, one line per
    /// layer, log₁₀ y over steps (vanishing layers sit orders of magnitude below the others).
    /// </summary>
    public static void Save<T>(string path, GradientFlowMonitor<T> monitor, string title = "", int width = 1500, int height = 450)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(monitor);
        var layers = monitor.LayerRecords().GroupBy(static r => r.Layer).ToArray();
        Series[] Of(Func<GradientFlowRecord, double> value) =>
            [.. layers.Select(g => new Series(g.Key.Length == 0 ? "(root)" : g.Key, [.. g.Select(static r => (double)r.Step)], [.. g.Select(value)]))];
        string prefix = title.Length == 0 ? "" : title + ": ";
        Figure.Save(path, width, height,
            Figure.Lines(prefix + "gradient norm ‖g‖", "step", "‖g‖", Of(static r => r.GradNorm), logY: true, Legend.None),
            Figure.Lines("‖g‖ / ‖w‖", "step", "gradient / weight", Of(static r => r.GradToWeight), logY: true, Legend.None),
            Figure.Lines("‖Δw‖ / ‖w‖", "step", "update / weight", Of(static r => r.UpdateToWeight), logY: true, Legend.Outside));
    }

    /// <summary>
    /// Saves a bar-like profile of one step: the gradient norm of each layer against its depth (first layer on the
    /// left), log₁₀ y, one line per run, so runs of the same depth can be compared at a glance.
    /// </summary>
    public static void Profile(string path, string title, IReadOnlyList<(string Label, IReadOnlyList<double> LayerNorms)> runs,
        int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(runs);
        Series[] series = [.. runs.Select(r => Series.Of(r.Label, r.LayerNorms))];
        Figure.Save(path, width, height, Figure.Lines(title, "layer (input → output)", "gradient norm ‖g‖", series, logY: true, Legend.LowerRight));
    }
}
