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
    /// <summary>
    /// Binary cross-entropy −w·[y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)] on probabilities, with PyTorch's
    /// gradient at the edges: ∂ℓ/∂x = w·(x − y) / max(x·(1 − x), 10⁻¹²) (finite for a saturated probability, x = 0 or 1)
    /// and ∂ℓ/∂y = w·[max(log(1 − x), −100) − max(log x, −100)].
    /// </summary>
    public static Tensor<T> BinaryCrossEntropy<T>(Tensor<T> input, Tensor<T> target, Tensor<T>? weight = null,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string name = "BCELoss";
        LossHelpers.CheckSameShape(name, input, target);
        LossHelpers.CheckBroadcastable(name, "weight", weight, [.. input.Shape]);
        foreach (T v in input.ToArray())
            if (!(v >= T.Zero && v <= T.One))
                throw new ArgumentOutOfRangeException(nameof(input), $"{name}: every input element should be a probability in [0, 1], found {v} (input shape {TensorShape.Format(input.Shape)})");
        var loss = new BinaryCrossEntropyFunction<T>().Apply(input, target);
        if (weight is not null) loss = loss * weight;
        return LossHelpers.Reduce(name, loss, reduction);
    }

    /// <summary>
    /// The pointwise binary cross-entropy with PyTorch's derivative rule (aten's binary_cross_entropy_backward divides
    /// by max(x(1 − x), ε), ε = 10⁻¹²), so that its gradients equal PyTorch's everywhere, including x = 0 and x = 1
    /// where the exact derivative 1/x or 1/(1 − x) is infinite. The rule is written with tensor ops, so it is itself
    /// differentiable (second order).
    /// </summary>
    private sealed class BinaryCrossEntropyFunction<T> : Function<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public override string Name => "BinaryCrossEntropy";

        public override string Formula(int input) => input == 0
            ? "∂ℓ/∂x = (x − y) / max(x·(1 − x), 1e−12)"
            : "∂ℓ/∂y = max(log(1 − x), −100) − max(log x, −100)";

        /// <summary>max(log v, −100) = log(max(v, e⁻¹⁰⁰)).</summary>
        private static Tensor<T> ClampedLog(Tensor<T> v) => v.Clamp(T.Exp(T.CreateChecked(-100)), T.One).Log();

        protected override Tensor<T> Forward(FunctionContext<T> ctx, Tensor<T>[] inputs)
        {
            var (x, y) = (inputs[0], inputs[1]);
            ctx.SaveForBackward(x, y);
            return -(y * ClampedLog(x) + (T.One - y) * ClampedLog(T.One - x));
        }

        protected override Tensor<T>?[] Backward(FunctionContext<T> ctx, Tensor<T> gradOutput)
        {
            var (x, y) = (ctx.SavedTensors[0], ctx.SavedTensors[1]);
            var gx = ctx.NeedsInputGrad(0)
                ? gradOutput * (x - y) / (x * (T.One - x)).Clamp(T.CreateChecked(1e-12), T.PositiveInfinity)
                : null;
            var gy = ctx.NeedsInputGrad(1) ? gradOutput * (ClampedLog(T.One - x) - ClampedLog(x)) : null;
            return [gx, gy];
        }
    }
}
