using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Huber loss with threshold δ: with d = x − y, ℓ = 0.5·d² where |d| &lt; δ, else δ·(|d| − 0.5·δ).
/// Its slope is bounded by δ, so outliers pull no harder than δ. Equals δ · <see cref="SmoothL1Loss{T}"/>(β = δ).
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class HuberLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss; <paramref name="delta"/> must be positive (PyTorch's default is 1).</summary>
    public HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}");
        Reduction = reduction;
        Delta = delta;
    }

    /// <summary>The reduction applied to the per-element losses.</summary>
    public Reduction Reduction { get; }

    /// <summary>Where the loss changes from quadratic to linear.</summary>
    public double Delta { get; }

    /// <summary>The loss of <paramref name="input"/> against <paramref name="target"/> (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.Huber(input, target, Reduction, Delta);
}

public static partial class Losses
{
    /// <summary>Huber: ℓ = 0.5·d² for |d| &lt; δ, else δ·(|d| − 0.5·δ), with d = x − y.</summary>
    public static Tensor<T> Huber<T>(Tensor<T> input, Tensor<T> target, Reduction reduction = Reduction.Mean, double delta = 1.0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be positive, got {delta}");
        LossHelpers.CheckSameShape("HuberLoss", input, target);
        T d = T.CreateChecked(delta), half = T.CreateChecked(0.5);
        var diff = input - target;
        var abs = diff.Abs();
        var quadratic = diff * diff * half;
        var linear = (abs - half * d) * d;
        return LossHelpers.Reduce("HuberLoss", Tensor.Where(abs.Lt(d), quadratic, linear), reduction);
    }
}
