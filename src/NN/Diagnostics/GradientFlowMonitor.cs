using System.Globalization;
using System.Numerics;
using System.Text;
using Autograd.NN.Serialization;

namespace Autograd.NN;

/// <summary>
/// Watches how gradients flow through a module during training. Each step, call <see cref="Record"/> after
/// <c>Backward()</c> (it reads every trainable parameter's gradient norm ‖g‖ and weight norm ‖w‖ and keeps a copy of
/// the weights) and <see cref="AfterStep"/> after the optimizer's <c>Step()</c> (it measures the update norm ‖Δw‖ of
/// w_after − w_before). Each parameter's gradient is flagged vanishing when ‖g‖ &lt; <see cref="VanishingThreshold"/>
/// and exploding when ‖g‖ &gt; <see cref="ExplodingThreshold"/> or not finite. Records are per parameter
/// (<see cref="Records"/>) and per layer (<see cref="LayerRecords"/>: the norms of all of a module's own parameters
/// together), and are written as CSV by <see cref="WriteCsv"/>.
/// </summary>
/// <example><code>
/// var monitor = new GradientFlowMonitor&lt;float&gt;(model);
/// loss.Backward(); monitor.Record(); optimizer.Step(); monitor.AfterStep();
/// </code></example>
public sealed class GradientFlowMonitor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly (string Layer, string Name, Tensor<T> Parameter)[] _parameters;
    private readonly List<GradientFlowRecord> _records = [];
    private T[][]? _before;
    private int _pending = -1;

    /// <summary>Watches the parameters of <paramref name="module"/> that require grad when the monitor is made.</summary>
    /// <param name="module">The model.</param>
    /// <param name="vanishingThreshold">A gradient norm below this is flagged <see cref="GradientFlag.Vanishing"/>.</param>
    /// <param name="explodingThreshold">A gradient norm above this (or not finite) is flagged <see cref="GradientFlag.Exploding"/>.</param>
    public GradientFlowMonitor(Module<T> module, double vanishingThreshold = 1e-7, double explodingThreshold = 1e3)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(vanishingThreshold >= 0) || !(explodingThreshold > vanishingThreshold))
            throw new ArgumentOutOfRangeException(nameof(explodingThreshold),
                $"GradientFlowMonitor: thresholds must satisfy 0 <= vanishing < exploding, got vanishing={vanishingThreshold}, exploding={explodingThreshold}");
        _parameters = [.. module.NamedParameters().Where(static p => p.Parameter.RequiresGrad)
            .Select(static p => (LayerOf(p.Name), p.Name, p.Parameter))];
        VanishingThreshold = vanishingThreshold;
        ExplodingThreshold = explodingThreshold;
    }

    /// <summary>Gradient norms below this are flagged vanishing.</summary>
    public double VanishingThreshold { get; }

    /// <summary>Gradient norms above this, or not finite, are flagged exploding.</summary>
    public double ExplodingThreshold { get; }

    /// <summary>Number of steps recorded.</summary>
    public int Steps { get; private set; }

    /// <summary>The watched parameters' layer names, in the module's order, each once.</summary>
    public IReadOnlyList<string> Layers => [.. _parameters.Select(static p => p.Layer).Distinct()];

    /// <summary>One record per watched parameter per step, in order.</summary>
    public IReadOnlyList<GradientFlowRecord> Records => _records;

    /// <summary>The records flagged vanishing or exploding.</summary>
    public IEnumerable<GradientFlowRecord> Flagged => _records.Where(static r => r.Flag != GradientFlag.None);

    /// <summary>
    /// Reads the gradients after <c>Backward()</c>: for each watched parameter ‖g‖ (0 for a parameter without a
    /// gradient) and ‖w‖, and keeps a copy of w for <see cref="AfterStep"/>.
    /// </summary>
    public void Record()
    {
        _pending = _records.Count;
        _before = new T[_parameters.Length][];
        for (int i = 0; i < _parameters.Length; i++)
        {
            var (layer, name, parameter) = _parameters[i];
            _before[i] = parameter.ToArray();
            double grad = parameter.Grad is { } g ? Norm(g.ToArray()) : 0;
            _records.Add(new GradientFlowRecord(Steps, layer, name, grad, Norm(_before[i]), double.NaN, Classify(grad)));
        }
        Steps++;
    }

    /// <summary>Measures each parameter's update ‖w_after − w_before‖ after the optimizer's <c>Step()</c>.</summary>
    /// <exception cref="InvalidOperationException">No <see cref="Record"/> since the last call.</exception>
    public void AfterStep()
    {
        if (_before is null || _pending < 0)
            throw new InvalidOperationException("GradientFlowMonitor.AfterStep: call Record() after Backward() and before the optimizer step first");
        for (int i = 0; i < _parameters.Length; i++)
        {
            var after = _parameters[i].Parameter.ToArray();
            double sum = 0;
            for (int k = 0; k < after.Length; k++)
            {
                double d = double.CreateChecked(after[k]) - double.CreateChecked(_before[i][k]);
                sum += d * d;
            }
            _records[_pending + i] = _records[_pending + i] with { UpdateNorm = Math.Sqrt(sum) };
        }
        _before = null;
        _pending = -1;
    }

    /// <summary>
    /// Per layer and step, the norms of all of the layer's own parameters taken together (‖g‖ = √Σₚ ‖gₚ‖², likewise
    /// ‖w‖ and ‖Δw‖), flagged with the same thresholds.
    /// </summary>
    public IReadOnlyList<GradientFlowRecord> LayerRecords() =>
        [.. _records.GroupBy(static r => (r.Step, r.Layer)).Select(group =>
        {
            double grad = Root(group, static r => r.GradNorm);
            return new GradientFlowRecord(group.Key.Step, group.Key.Layer, group.Key.Layer, grad,
                Root(group, static r => r.WeightNorm), Root(group, static r => r.UpdateNorm), Classify(grad));
        })];

    /// <summary>
    /// Writes <see cref="Records"/> as CSV (atomically): <c>step,layer,parameter,grad_norm,weight_norm,update_norm,
    /// grad_to_weight,update_to_weight,flag</c>.
    /// </summary>
    public void WriteCsv(string path)
    {
        var text = new StringBuilder("step,layer,parameter,grad_norm,weight_norm,update_norm,grad_to_weight,update_to_weight,flag\n");
        foreach (var r in _records)
            text.Append(CultureInfo.InvariantCulture,
                $"{r.Step},{r.Layer},{r.Name},{r.GradNorm:R},{r.WeightNorm:R},{r.UpdateNorm:R},{r.GradToWeight:R},{r.UpdateToWeight:R},{r.Flag.ToString().ToLowerInvariant()}\n");
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private GradientFlag Classify(double norm) =>
        !double.IsFinite(norm) || norm > ExplodingThreshold ? GradientFlag.Exploding
        : norm < VanishingThreshold ? GradientFlag.Vanishing
        : GradientFlag.None;

    private static double Norm(T[] values)
    {
        double sum = 0;
        foreach (T v in values)
        {
            double d = double.CreateChecked(v);
            sum += d * d;
        }
        return Math.Sqrt(sum);
    }

    private static double Root(IEnumerable<GradientFlowRecord> records, Func<GradientFlowRecord, double> norm) =>
        Math.Sqrt(records.Sum(r => norm(r) * norm(r)));

    private static string LayerOf(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot < 0 ? "" : name[..dot];
    }
}
