using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Binary cross-entropy on probabilities x ∈ [0, 1]: ℓᵢ = −wᵢ·[yᵢ·log xᵢ + (1 − yᵢ)·log(1 − xᵢ)], each log clamped
/// below at −100 as in PyTorch so that x = 0 or 1 gives a finite loss. Prefer <see cref="BCEWithLogitsLoss{T}"/>
/// on logits: it is stable where σ(z) rounds to 0 or 1.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="weight">Optional weight w broadcast against the input.</param>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class BCELoss<T>(Tensor<T>? weight = null, Reduction reduction = Reduction.Mean)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Per-element weight, or null.</summary>
    public Tensor<T>? Weight { get; } = weight;

    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of probabilities <paramref name="input"/> against targets in [0, 1] (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.BinaryCrossEntropy(input, target, Weight, Reduction);
}

public static partial class Losses
{
    /// <summary>Binary cross-entropy −w·[y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)] on probabilities.</summary>
    public static Tensor<T> BinaryCrossEntropy<T>(Tensor<T> input, Tensor<T> target, Tensor<T>? weight = null,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string name = "BCELoss";
        LossHelpers.CheckSameShape(name, input, target);
        LossHelpers.CheckBroadcastable(name, "weight", weight, [.. input.Shape]);
        foreach (T v in input.ToArray())
            if (!(v >= T.Zero && v <= T.One))
                throw new ArgumentOutOfRangeException(nameof(input), $"{name}: every input element should be a probability in [0, 1], found {v} (input shape {TensorShape.Format(input.Shape)})");
        // max(log x, −100) = log(max(x, e⁻¹⁰⁰)): clamping x rather than the log keeps the gradient finite
        // (0 below e⁻¹⁰⁰) where clamp-after-log would multiply a zero mask by 1/x = ∞.
        T floor = T.Exp(T.CreateChecked(-100));
        var logX = input.Clamp(floor, T.One).Log();
        var logOneMinusX = (T.One - input).Clamp(floor, T.One).Log();
        var loss = -(target * logX + (T.One - target) * logOneMinusX);
        if (weight is not null) loss = loss * weight;
        return LossHelpers.Reduce(name, loss, reduction);
    }
}
