using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Smooth L1 loss with threshold β: with d = x − y, ℓ = 0.5·d²/β where |d| &lt; β, else |d| − 0.5·β.
/// Quadratic near zero, linear in the tails; β = 0 gives <see cref="L1Loss{T}"/>. Equals <see cref="HuberLoss{T}"/>(δ = β) / β.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class SmoothL1Loss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss; <paramref name="beta"/> must be non-negative (PyTorch's default is 1).</summary>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be non-negative, got {beta}");
        Reduction = reduction;
        Beta = beta;
    }

    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public double Beta { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.SmoothL1(input, target, Reduction, Beta);
}

public static partial class Losses
{
    /// <summary>Smooth L1: ℓ = 0.5·d²/β for |d| &lt; β, else |d| − 0.5·β, with d = x − y.</summary>
    public static Tensor<T> SmoothL1<T>(Tensor<T> input, Tensor<T> target, Reduction reduction = Reduction.Mean, double beta = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be non-negative, got {beta}");
        LossHelpers.CheckSameShape("SmoothL1Loss", input, target);
        var diff = input - target;
        var abs = diff.Abs();
        // β = 0 is plain L1; handled apart so the unused quadratic branch never divides by zero.
        if (beta == 0) return LossHelpers.Reduce("SmoothL1Loss", abs, reduction);
        T b = T.CreateChecked(beta), half = T.CreateChecked(0.5);
        var quadratic = diff * diff * (half / b);
        var linear = abs - half * b;
        return LossHelpers.Reduce("SmoothL1Loss", Tensor.Where(abs.Lt(b), quadratic, linear), reduction);
    }
}
