using System.Numerics;

namespace Autograd.NN;

/// <summary>Mean absolute error: ℓᵢ = |xᵢ − yᵢ|. ∂ℓᵢ/∂xᵢ = sign(xᵢ − yᵢ) (0 at a tie, as in PyTorch).</summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class L1Loss<T>(Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.L1(input, target, Reduction);
}

public static partial class Losses
{
    /// <summary>Mean absolute error ℓᵢ = |xᵢ − yᵢ|; input and target must have the same shape.</summary>
    public static Tensor<T> L1<T>(Tensor<T> input, Tensor<T> target, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LossHelpers.CheckSameShape("L1Loss", input, target);
        return LossHelpers.Reduce("L1Loss", (input - target).Abs(), reduction);
    }
}
