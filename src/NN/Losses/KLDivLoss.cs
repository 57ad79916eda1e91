using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Kullback–Leibler divergence KL(p ‖ q) with the input as log-probabilities log q and the target as probabilities p:
/// ℓᵢ = pᵢ·(log pᵢ − log qᵢ), taking 0·log 0 = 0; with <c>logTarget</c> the target is log p and ℓᵢ = e^(log pᵢ)·(log pᵢ − log qᵢ).
/// Reductions: Mean over all elements, BatchMean = Σ ℓ / N (the true KL per sample; use it), Sum, None.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="reduction">Mean (default, as in PyTorch), BatchMean, Sum or None.</param>
/// <param name="logTarget">Whether the target holds log-probabilities.</param>
public sealed class KLDivLoss<T>(Reduction reduction = Reduction.Mean, bool logTarget = false)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The reduction applied to the pointwise terms.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>Whether the target holds log-probabilities.</summary>
    public bool LogTarget { get; } = logTarget;

    /// <summary>KL(target ‖ exp(input)) with <paramref name="input"/> as log-probabilities (same shapes).</summary>
    public Tensor<T> Forward(Tensor<T> input, Tensor<T> target) => Losses.KLDiv(input, target, Reduction, LogTarget);
}

public static partial class Losses
{
    /// <summary>KL divergence ℓᵢ = pᵢ·(log pᵢ − inputᵢ) with input = log q (see <see cref="KLDivLoss{T}"/>).</summary>
    public static Tensor<T> KLDiv<T>(Tensor<T> input, Tensor<T> target, Reduction reduction = Reduction.Mean, bool logTarget = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string name = "KLDivLoss";
        LossHelpers.CheckSameShape(name, input, target);
        Tensor<T> pointwise;
        if (logTarget)
            pointwise = target.Exp() * (target - input);
        else
        {
            // p·log p with 0·log 0 = 0: log is taken of p where p > 0 and of 1 elsewhere, so nothing is ever log 0.
            var safeP = Tensor.Where(target.Gt(T.Zero), target, T.One);
            pointwise = target * safeP.Log() - target * input;
        }
        if (reduction != Reduction.BatchMean) return LossHelpers.Reduce(name, pointwise, reduction);
        int batch = input.Rank == 0 ? 1 : input.Shape[0];
        return pointwise.Sum() / T.CreateChecked(Math.Max(batch, 1));
    }
}
