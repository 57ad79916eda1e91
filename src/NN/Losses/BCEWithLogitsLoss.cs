using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Binary cross-entropy on logits z, i.e. BCE(σ(z), y) computed stably:
/// ℓ = w·[(1 − y)·z + (1 + (p − 1)·y)·softplus(−z)] with softplus(−z) = max(−z, 0) + log(1 + e^−|z|);
/// for p = 1 this is max(z, 0) − z·y + log(1 + e^−|z|). The positive-class weight p (one per class, broadcast over
/// the last dim) trades recall for precision. Finite loss and gradient (σ(z) − y without weights) for any finite z.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="weight">Optional weight w broadcast against the input.</param>
/// <param name="posWeight">Optional weight p of positive examples, broadcast against the input (typically shape [C]).</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class BCEWithLogitsLoss<T>(Tensor<T>? weight = null, Tensor<T>? posWeight = null, Reduction reduction = Reduction.Mean)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Per-element weight, or null.</summary>
    public Tensor<T>? Weight { get; } = weight;

    /// <summary>Positive-class weight, or null.</summary>
    public Tensor<T>? PosWeight { get; } = posWeight;

    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of logits <paramref name="input"/> against targets in [0, 1] (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.BinaryCrossEntropyWithLogits(input, target, Weight, PosWeight, Reduction);
}

public static partial class Losses
{
    /// <summary>Stable binary cross-entropy on logits: w·[(1 − y)·z + (1 + (p − 1)·y)·softplus(−z)].</summary>
    public static Tensor<T> BinaryCrossEntropyWithLogits<T>(Tensor<T> input, Tensor<T> target, Tensor<T>? weight = null,
        Tensor<T>? posWeight = null, Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string name = "BCEWithLogitsLoss";
        LossHelpers.CheckSameShape(name, input, target);
        LossHelpers.CheckBroadcastable(name, "weight", weight, [.. input.Shape]);
        LossHelpers.CheckBroadcastable(name, "posWeight", posWeight, [.. input.Shape]);
        // Softplus with an infinite threshold is exactly max(u, 0) + log1p(e^−|u|) everywhere (no linear cut-over),
        // and its derivative σ(u) is finite for every u.
        var softplusNegZ = (-input).Softplus(T.One, T.PositiveInfinity);
        var logWeight = posWeight is null ? null : (posWeight - T.One) * target + T.One;
        var loss = (T.One - target) * input + (logWeight is null ? softplusNegZ : logWeight * softplusNegZ);
        if (weight is not null) loss = loss * weight;
        return LossHelpers.Reduce(name, loss, reduction);
    }
}
