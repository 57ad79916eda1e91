using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Stateless forms of the layers, written as their formulas with differentiable tensor ops (so first and higher
/// derivatives come from the core). The layer classes hold the parameters and call these.
/// </summary>
public static partial class Functional
{
    /// <summary>
    /// Affine map y = x·Wᵀ + b over the last dim: x [*, in], W [out, in], b [out] → y [*, out].
    /// ∂/∂x = G·W, ∂/∂W = Gᵀ·x (summed over rows), ∂/∂b = Σ_rows G, from the fused primitive <see cref="Tensor{T}.Linear"/>.
    /// </summary>
    public static Tensor<T> Linear<T>(Tensor<T> input, Tensor<T> weight, Tensor<T>? bias = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Linear(weight, bias);
    }

    /// <summary>
    /// Batch normalisation (Ioffe &amp; Szegedy 2015) over every dim but the channel dim 1 of x [N, C, *]:
    /// y = (x − μ) / √(σ² + ε) · γ + β. In training μ and σ² are the batch mean and biased variance, and the running
    /// estimates (if given) are updated in place, not recorded: r ← (1 − momentum)·r + momentum·s, using the unbiased
    /// variance σ²·n/(n − 1) with n = N·Π* for the running variance, as PyTorch does. Otherwise the running estimates
    /// are used as μ and σ². The core's <see cref="Tensor{T}.BatchNorm(Tensor{T}?, Tensor{T}?, Tensor{T}?, Tensor{T}?, bool, double, double)"/>.
    /// </summary>
    public static Tensor<T> BatchNorm<T>(Tensor<T> input, Tensor<T>? runningMean, Tensor<T>? runningVar,
        Tensor<T>? weight = null, Tensor<T>? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.BatchNorm(runningMean, runningVar, weight, bias, training, momentum, eps);
    }

    /// <summary>
    /// Layer normalisation (Ba et al. 2016) over the trailing dims <paramref name="normalizedShape"/>:
    /// y = (x − μ) / √(σ² + ε) · γ + β with μ, σ² the mean and biased variance of each sample's trailing block.
    /// </summary>
    public static Tensor<T> LayerNorm<T>(Tensor<T> input, int[] normalizedShape, Tensor<T>? weight = null,
        Tensor<T>? bias = null, double eps = 1e-5) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        int k = normalizedShape.Length;
        if (k == 0 || input.Rank < k || !input.Shape.Skip(input.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"LayerNorm: input shape {TensorShape.Format(input.Shape)} does not end with the normalized shape {TensorShape.Format(normalizedShape)}");
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
            if (t is not null && !t.Shape.SequenceEqual(normalizedShape))
                throw new ArgumentException($"LayerNorm: {name} has shape {TensorShape.Format(t.Shape)}, expected {TensorShape.Format(normalizedShape)}");
        // One fused row kernel forward and backward (Tensor.LayerNorm), with γ and β folded in.
        return input.LayerNorm(normalizedShape, weight, bias, eps);
    }

    /// <summary>
    /// Inverted dropout (Srivastava et al. 2014): in training, y = x ⊙ m / (1 − p) with mᵢ ~ Bernoulli(1 − p) drawn from
    /// <paramref name="generator"/>, so E[y] = x; ∂y/∂x = m / (1 − p). The identity when not training or when p = 0.
    /// </summary>
    public static Tensor<T> Dropout<T>(Tensor<T> input, double p, bool training, Generator generator)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}");
        if (!training || p == 0) return input;
        ArgumentNullException.ThrowIfNull(generator);
        var mask = new T[input.NumElements];
        T keep = p == 1 ? T.Zero : T.CreateChecked(1 / (1 - p));
        for (int i = 0; i < mask.Length; i++) mask[i] = generator.NextDouble() >= p ? keep : T.Zero;
        return input * Tensor.FromArray(mask, [.. input.Shape]);
    }

    /// <summary>
    /// Embedding lookup: row ids[i] of <paramref name="weight"/> [num, dim] for each id, giving [ids.Length, dim]
    /// (an IndexSelect along dim 0; the weight's gradient adds each upstream row into the row it came from). With
    /// <paramref name="paddingIdx"/> (negative counts from the end, as PyTorch), positions holding that id give its row
    /// but send it no gradient.
    /// </summary>
    public static Tensor<T> Embedding<T>(int[] ids, Tensor<T> weight, int? paddingIdx = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: weight must be [num, dim], got shape {TensorShape.Format(weight.Shape)}");
        int num = weight.Shape[0];
        for (int i = 0; i < ids.Length; i++)
            if (ids[i] < 0 || ids[i] >= num)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Embedding: id {ids[i]} at position {i} is out of range for {num} embeddings");
        var rows = weight.IndexSelect(0, ids);
        if (paddingIdx is not { } pad) return rows;
        if (pad < -num || pad >= num)
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: paddingIdx {pad} is out of range for {num} embeddings (expected {-num} ≤ paddingIdx < {num})");
        if (pad < 0) pad += num;
        if (!rows.RequiresGrad || Array.IndexOf(ids, pad) < 0) return rows;
        // Same values either way; the padding positions take them from a detached view, so no gradient reaches the row.
        var isPad = new T[ids.Length];
        for (int i = 0; i < ids.Length; i++) isPad[i] = ids[i] == pad ? T.One : T.Zero;
        return Tensor.Where(Tensor.FromArray(isPad, [ids.Length, 1]), rows.Detach(), rows);
    }
}
