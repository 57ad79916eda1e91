namespace Autograd.NN;

/// <summary>What a <see cref="GradientFlowMonitor{T}"/> flags in one gradient.</summary>
public enum GradientFlag
{
    /// <summary>The gradient norm lies between the two thresholds.</summary>
    None,

    /// <summary>Vanishing: the gradient norm is below the monitor's vanishing threshold.</summary>
    Vanishing,

    /// <summary>Exploding: the gradient norm is above the monitor's exploding threshold, or not finite.</summary>
    Exploding,
}

/// <summary>
/// One parameter (or one layer, from <see cref="GradientFlowMonitor{T}.LayerRecords"/>) at one step: the L2 norms
/// ‖g‖ of its gradient, ‖w‖ of its weights before the step and ‖Δw‖ of the step's update Δw = w_after − w_before,
/// with the ratios ‖g‖/‖w‖ and ‖Δw‖/‖w‖ (a healthy update-to-weight ratio is often quoted near 10⁻³).
/// </summary>
/// <param name="Step">The step, from 0: the number of <see cref="GradientFlowMonitor{T}.Record"/> calls before this one.</param>
/// <param name="Layer">The module that owns the parameter ("0", "fc1", "blocks.2.body.0"; "" for the root module).</param>
/// <param name="Name">The parameter's full PyTorch name ("fc1.weight"); for a layer record, the layer's name.</param>
/// <param name="GradNorm">‖g‖₂ = √Σᵢ gᵢ².</param>
/// <param name="WeightNorm">‖w‖₂ before the optimizer step.</param>
/// <param name="UpdateNorm">‖Δw‖₂ of the optimizer step; NaN until <see cref="GradientFlowMonitor{T}.AfterStep"/>.</param>
/// <param name="Flag">Vanishing or exploding, from <see cref="GradNorm"/> and the monitor's thresholds.</param>
public sealed record GradientFlowRecord(int Step, string Layer, string Name, double GradNorm, double WeightNorm, double UpdateNorm,
    GradientFlag Flag)
{
    /// <summary>‖g‖ / ‖w‖ (infinite for zero weights with a non-zero gradient, NaN for both zero).</summary>
    public double GradToWeight => GradNorm / WeightNorm;

    /// <summary>‖Δw‖ / ‖w‖, the relative size of the step's change (NaN before <see cref="GradientFlowMonitor{T}.AfterStep"/>).</summary>
    public double UpdateToWeight => UpdateNorm / WeightNorm;
}
