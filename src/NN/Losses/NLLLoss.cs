using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Negative log-likelihood on log-probabilities logp [N, C] or [N, C, d₁, …] (e.g. the output of LogSoftmax(1)):
/// ℓₙ = −w[yₙ]·logp[n, yₙ], 0 where yₙ = ignoreIndex; Mean = Σₙ ℓₙ / Σₙ w[yₙ] over non-ignored n.
/// CrossEntropy(x, y) = NLL(LogSoftmax(x, 1), y).
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="weight">Optional per-class weights w, shape [C].</param>
/// <param name="ignoreIndex">Targets equal to this contribute nothing (and do not count in the mean).</param>
/// <param name="reduction">Mean (weighted, default), Sum or None.</param>
public sealed class NLLLoss<T>(Tensor<T>? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Per-class weights, or null.</summary>
    public Tensor<T>? Weight { get; } = weight;

    /// <summary>The target value that marks an entry to ignore.</summary>
    public int IgnoreIndex { get; } = ignoreIndex;

    /// <summary>The reduction applied to the per-sample losses.</summary>
    public Reduction Reduction { get; } = reduction;

    /// <summary>The loss of <paramref name="logProbabilities"/> against class indices.</summary>
    public Tensor<T> Forward(Tensor<T> logProbabilities, int[] target) => Losses.Nll(logProbabilities, target, Weight, IgnoreIndex, Reduction);

    /// <summary>The loss against class indices held as whole numbers, shape [N, d₁, …].</summary>
    public Tensor<T> Forward(Tensor<T> logProbabilities, Tensor<T> target) => Losses.Nll(logProbabilities, target, Weight, IgnoreIndex, Reduction);
}

public static partial class Losses
{
    /// <summary>Negative log-likelihood ℓₙ = −w[yₙ]·logp[n, yₙ] against class indices (see <see cref="NLLLoss{T}"/>).</summary>
    public static Tensor<T> Nll<T>(Tensor<T> logProbabilities, int[] target, Tensor<T>? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(target);
        var targets = ClassTargets<T>.Prepare("NLLLoss", logProbabilities, target, weight, ignoreIndex);
        return targets.Reduce("NLLLoss", targets.WeightedNll(logProbabilities), reduction);
    }

    /// <summary>Negative log-likelihood against class indices held in a tensor of whole numbers.</summary>
    public static Tensor<T> Nll<T>(Tensor<T> logProbabilities, Tensor<T> target, Tensor<T>? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var targets = ClassTargets<T>.Prepare("NLLLoss", logProbabilities, target, weight, ignoreIndex);
        return targets.Reduce("NLLLoss", targets.WeightedNll(logProbabilities), reduction);
    }
}
