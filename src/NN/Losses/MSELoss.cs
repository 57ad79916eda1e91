using System.Numerics;

namespace Autograd.NN;

/// <summary>Mean squared error: ℓᵢ = (xᵢ − yᵢ)², reduced by <see cref="Reduction"/>. ∂ℓᵢ/∂xᵢ = 2(xᵢ − yᵢ).</summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="reduction">Mean (default), Sum or None.</param>
public sealed class MSELoss<T>(Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.MSE(input, target, Reduction);
}

public static partial class Losses
{
    /// <summary>Mean squared error ℓᵢ = (xᵢ − yᵢ)²; input and target must have the same shape.</summary>
    public static Tensor<T> MSE<T>(Tensor<T> input, Tensor<T> target, Reduction reduction = Reduction.Mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        LossHelpers.CheckSameShape("MSELoss", input, target);
        var diff = input - target;
        return LossHelpers.Reduce("MSELoss", diff * diff, reduction);
    }
}
