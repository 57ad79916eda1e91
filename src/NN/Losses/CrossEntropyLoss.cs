using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Cross-entropy of logits x [N, C] or [N, C, d₁, …] (or unbatched [C]) against classes or class probabilities, with
/// logp = LogSoftmax(x, dim 1) computed stably (logits of ±1000 give finite losses and gradients).
/// <para>Class indices yₙ, per-class weights w (1 if absent), label smoothing ε:
/// ℓₙ = (1 − ε)·(−w[yₙ]·logp[n, yₙ]) + (ε/C)·Σ_c (−w_c·logp[n, c]), and ℓₙ = 0 where yₙ = ignoreIndex;
/// Mean = Σₙ ℓₙ / Σₙ w[yₙ] over non-ignored n (PyTorch's weighted mean).</para>
/// <para>Class probabilities p (target shaped like the input): p' = (1 − ε)·p + ε/C,
/// ℓₙ = −Σ_c w_c·p'[n, c]·logp[n, c]; Mean = Σₙ ℓₙ / (number of samples N·d₁·…).</para>
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class CrossEntropyLoss<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional per-class weights w, shape [C].</param>
    /// <param name="ignoreIndex">Class-index targets equal to this contribute nothing (and do not count in the mean).</param>
    /// <param name="reduction">Mean (weighted, default), Sum or None.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: mixes the target with the uniform distribution over the C classes.</param>
    public CrossEntropyLoss(Tensor<T>? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
    {
        Losses.CheckSmoothing(labelSmoothing);
        Weight = weight;
        IgnoreIndex = ignoreIndex;
        Reduction = reduction;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>Per-class weights, or null.</summary>
    public Tensor<T>? Weight { get; }

    /// <summary>The target value that marks an entry to ignore.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The reduction applied to the per-sample losses.</summary>
    public Reduction Reduction { get; }

    /// <summary>The label-smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <summary>The loss of <paramref name="logits"/> against class indices.</summary>
    public Tensor<T> Forward(Tensor<T> logits, int[] target) => Losses.CrossEntropy(logits, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);

    /// <summary>The loss against a target of class indices (shape [N, d₁, …], whole numbers) or of class probabilities (the logits' shape).</summary>
    public Tensor<T> Forward(Tensor<T> logits, Tensor<T> target) => Losses.CrossEntropy(logits, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}

public static partial class Losses
{
    private const string CrossEntropyName = "CrossEntropyLoss";

    /// <summary>Cross-entropy of logits against class indices (see <see cref="CrossEntropyLoss{T}"/> for the formula).</summary>
    public static Tensor<T> CrossEntropy<T>(Tensor<T> logits, int[] target, Tensor<T>? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        CheckSmoothing(labelSmoothing);
        bool unbatched = logits.Rank == 1;
        var input = unbatched ? logits.Unsqueeze(0) : logits;
        var targets = ClassTargets<T>.Prepare(CrossEntropyName, input, target, weight, ignoreIndex);
        return Unbatch(CrossEntropyIndices(input, targets, weight, reduction, labelSmoothing), unbatched, reduction);
    }

    /// <summary>
    /// Cross-entropy of logits against a tensor target: class indices when it has the logits' shape without the class
    /// dim, class probabilities when it has the logits' shape (see <see cref="CrossEntropyLoss{T}"/>).
    /// </summary>
    public static Tensor<T> CrossEntropy<T>(Tensor<T> logits, Tensor<T> target, Tensor<T>? weight = null, int ignoreIndex = -100,
        Reduction reduction = Reduction.Mean, double labelSmoothing = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        CheckSmoothing(labelSmoothing);
        bool unbatched = logits.Rank == 1;
        var input = unbatched ? logits.Unsqueeze(0) : logits;
        var tgt = unbatched ? target.Unsqueeze(0) : target;
        Tensor<T> loss;
        if (tgt.Shape.SequenceEqual(input.Shape) && input.Rank >= 2)
        {
            if (ignoreIndex >= 0)
                throw new ArgumentException($"{CrossEntropyName}: ignoreIndex {ignoreIndex} is only supported with class-index targets, not class probabilities (shape {TensorShape.Format(target.Shape)})");
            loss = CrossEntropyProbabilities(input, tgt, weight, reduction, labelSmoothing);
        }
        else
        {
            var targets = ClassTargets<T>.Prepare(CrossEntropyName, input, tgt, weight, ignoreIndex);
            loss = CrossEntropyIndices(input, targets, weight, reduction, labelSmoothing);
        }
        return Unbatch(loss, unbatched, reduction);
    }

    private static Tensor<T> CrossEntropyIndices<T>(Tensor<T> input, ClassTargets<T> targets, Tensor<T>? weight,
        Reduction reduction, double labelSmoothing) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var logp = input.LogSoftmax(1);
        var perSample = targets.WeightedNll(logp);
        if (labelSmoothing > 0)
        {
            // ℓₙ = (1 − ε)·nllₙ + (ε/C)·Σ_c −w_c·logp[n, c], the smoothing term masked where ignored.
            T eps = T.CreateChecked(labelSmoothing), classes = T.CreateChecked(input.Shape[1]);
            var weighted = weight is null ? logp : logp * ClassTargets<T>.BroadcastWeight(weight, input.Rank);
            var smooth = -weighted.Sum(1) * targets.Valid;
            perSample = perSample * (T.One - eps) + smooth * (eps / classes);
        }
        return targets.Reduce(CrossEntropyName, perSample, reduction);
    }

    private static Tensor<T> CrossEntropyProbabilities<T>(Tensor<T> input, Tensor<T> target, Tensor<T>? weight,
        Reduction reduction, double labelSmoothing) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int classes = ClassTargets<T>.CheckInput(CrossEntropyName, input);
        ClassTargets<T>.CheckWeight(CrossEntropyName, weight, classes);
        var logp = input.LogSoftmax(1);
        var p = target;
        if (labelSmoothing > 0)
        {
            T eps = T.CreateChecked(labelSmoothing);
            p = p * (T.One - eps) + eps / T.CreateChecked(classes);
        }
        var terms = logp * p;
        if (weight is not null) terms = terms * ClassTargets<T>.BroadcastWeight(weight, input.Rank);
        // Mean over samples (N·d₁·…), not over the weights: PyTorch's rule for probability targets.
        return LossHelpers.Reduce(CrossEntropyName, -terms.Sum(1), reduction);
    }

    /// <summary>For an unbatched [C] input, drops the batch dim of an unreduced loss.</summary>
    private static Tensor<T> Unbatch<T>(Tensor<T> loss, bool unbatched, Reduction reduction) where T : unmanaged, IFloatingPointIeee754<T> =>
        unbatched && reduction == Reduction.None ? loss.Squeeze(0) : loss;

    internal static void CheckSmoothing(double labelSmoothing)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{CrossEntropyName}: labelSmoothing must lie in [0, 1], got {labelSmoothing}");
    }
}
