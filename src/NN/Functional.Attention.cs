using System.Numerics;

namespace Autograd.NN;

// Attention in its functional form: scaled dot-product attention, and the mask helpers that MultiheadAttention and the
// transformer layers share. Everything is a composite of batched MatMul, an additive mask, Softmax and Dropout, so the
// first and higher derivatives come from those ops.
public static partial class Functional
{
    /// <summary>
    /// Scaled dot-product attention (Vaswani et al. 2017), as PyTorch's <c>F.scaled_dot_product_attention</c>:
    /// softmax(Q·Kᵀ·s + M)·V for query Q [*, L, E], key K [*, S, E] and value V [*, S, Ev], giving [*, L, Ev]; the
    /// batch dims * broadcast (e.g. [N, heads]). s is <paramref name="scale"/>, by default 1/√E. M is the additive
    /// <paramref name="attnMask"/> (any finite values or −∞; 0 keeps, −∞ blocks), broadcast to [*, L, S]; with
    /// <paramref name="isCausal"/> the causal mask (−∞ where key position j &gt; query position i, aligned top-left as
    /// PyTorch's <c>tril</c>) is added to it (PyTorch refuses both at once; here they combine). A query row whose
    /// every key is blocked gives NaN, as PyTorch's reference computation does. With <paramref name="dropoutP"/> &gt; 0
    /// the attention weights are dropped out (always, as PyTorch's functional form) with masks from
    /// <paramref name="generator"/>.
    /// </summary>
    public static Tensor<T> ScaledDotProductAttention<T>(Tensor<T> query, Tensor<T> key, Tensor<T> value,
        Tensor<T>? attnMask = null, double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        AttentionOutput("ScaledDotProductAttention", query, key, value, attnMask, isCausal, dropoutP, generator, scale);

    /// <summary>The output of <see cref="Attention{T}"/> alone: by the fused op where it applies (<see cref="Fusable{T}"/>),
    /// else by the composite.</summary>
    internal static Tensor<T> AttentionOutput<T>(string op, Tensor<T> query, Tensor<T> key, Tensor<T> value,
        Tensor<T>? attnMask, bool isCausal, double dropoutP, Generator? generator, double? scale)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Fusable(query, key, value, attnMask, dropoutP)
            ? query.ScaledDotProductAttention(key, value, attnMask, isCausal, T.CreateChecked(scale ?? 1 / Math.Sqrt(query.Shape[^1])))
            : Attention(op, query, key, value, attnMask, isCausal, dropoutP, generator, scale).Output;

    /// <summary>
    /// Whether the fused op (<see cref="Tensor{T}.ScaledDotProductAttention"/>) computes this call: no dropout, the same
    /// batch dims on q, k and v, non-empty operands, and a mask (if any) that is a constant broadcasting to the scores.
    /// Otherwise the composite in <see cref="Attention{T}"/> serves (and raises the errors on bad shapes).
    /// </summary>
    private static bool Fusable<T>(Tensor<T> query, Tensor<T> key, Tensor<T> value, Tensor<T>? attnMask, double dropoutP)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dropoutP != 0 || query is null || key is null || value is null) return false;
        int rank = query.Rank;
        if (rank < 2 || key.Rank != rank || value.Rank != rank || query.Shape[^1] != key.Shape[^1] || key.Shape[^2] != value.Shape[^2])
            return false;
        for (int d = 0; d < rank - 2; d++)
            if (key.Shape[d] != query.Shape[d] || value.Shape[d] != query.Shape[d]) return false;
        if (query.NumElements == 0 || key.NumElements == 0 || value.NumElements == 0) return false;
        if (attnMask is null) return true;
        int[] scores = [.. query.Shape.Take(rank - 1), key.Shape[^2]];
        return !attnMask.RequiresGrad && TensorShape.BroadcastsTo(attnMask.Shape, scores);
    }

    /// <summary>
    /// <see cref="ScaledDotProductAttention{T}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}?, double, bool, double?, Generator?)"/>
    /// with a boolean mask [L, S] in PyTorch's convention for this function: <c>true</c> means the query position may
    /// attend to the key position (keep), <c>false</c> blocks it (MultiheadAttention's boolean masks mean the
    /// opposite, as in PyTorch).
    /// </summary>
    public static Tensor<T> ScaledDotProductAttention<T>(Tensor<T> query, Tensor<T> key, Tensor<T> value,
        bool[,] attnKeep, double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ScaledDotProductAttention(query, key, value, AdditiveMask<T>(attnKeep, blockWhen: false), dropoutP, isCausal, scale, generator);

    /// <summary>
    /// The additive causal mask [L, S]: 0 where key position j ≤ query position i, −∞ above the diagonal (PyTorch's
    /// top-left aligned <c>tril</c>), so that position i attends only to positions 0..i.
    /// </summary>
    public static Tensor<T> CausalMask<T>(int queryLength, int keyLength) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor.CausalMask<T>(queryLength, keyLength);

    /// <summary>
    /// An additive mask (0 or −∞) from a boolean matrix: −∞ where the entry equals <paramref name="blockWhen"/>
    /// (true for PyTorch's MultiheadAttention masks, false for scaled dot-product attention's).
    /// </summary>
    internal static Tensor<T> AdditiveMask<T>(bool[,] mask, bool blockWhen) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(mask);
        int rows = mask.GetLength(0), cols = mask.GetLength(1);
        var values = new T[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (mask[i, j] == blockWhen) values[i * cols + j] = T.NegativeInfinity;
        return Tensor.FromArray(values, [rows, cols]);
    }

    /// <summary>The sum of two additive masks (broadcast), or whichever is given, or null.</summary>
    internal static Tensor<T>? CombineMasks<T>(Tensor<T>? a, Tensor<T>? b) where T : unmanaged, IFloatingPointIeee754<T> =>
        a is null ? b : b is null ? a : a + b;

    /// <summary>
    /// softmax(Q·Kᵀ·s + M [+ causal]) with dropout, then ·V: the output [*, L, Ev] and the attention weights [*, L, S].
    /// Q is scaled before the product (L·E multiplications rather than L·S), as PyTorch's MultiheadAttention does.
    /// </summary>
    internal static (Tensor<T> Output, Tensor<T> Weights) Attention<T>(string op, Tensor<T> query, Tensor<T> key, Tensor<T> value,
        Tensor<T>? attnMask, bool isCausal, double dropoutP, Generator? generator, double? scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: query, key and value need at least 2 dims [*, length, features], got shapes {Format(query)}, {Format(key)} and {Format(value)}");
        if (query.Shape[^1] != key.Shape[^1])
            throw new ArgumentException($"{op}: query has {query.Shape[^1]} features but key has {key.Shape[^1]} (query shape {Format(query)}, key shape {Format(key)})");
        if (key.Shape[^2] != value.Shape[^2])
            throw new ArgumentException($"{op}: key has {key.Shape[^2]} positions but value has {value.Shape[^2]} (key shape {Format(key)}, value shape {Format(value)})");
        if (!(dropoutP >= 0 && dropoutP <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropoutP), $"{op}: dropout probability must be in [0, 1], got {dropoutP}");
        if (dropoutP > 0 && generator is null)
            throw new ArgumentException($"{op}: dropout probability {dropoutP} needs a generator for its masks");
        int l = query.Shape[^2], s = key.Shape[^2];
        double factor = scale ?? 1 / Math.Sqrt(query.Shape[^1]);
        var scores = (query * T.CreateChecked(factor)).MatMul(key.MT);
        var mask = CombineMasks(attnMask, isCausal ? CausalMask<T>(l, s) : null);
        if (mask is not null)
        {
            if (!TensorShape.BroadcastsTo(mask.Shape, scores.Shape))
                throw new ArgumentException($"{op}: attention mask of shape {Format(mask)} does not broadcast to the scores' shape [*, L, S] = {Format(scores)}");
            scores = scores + mask;
        }
        var weights = scores.Softmax(-1);
        if (dropoutP > 0) weights = Dropout(weights, dropoutP, training: true, generator!);
        return (weights.MatMul(value), weights);
    }

    private static string Format<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> => TensorShape.Format(t.Shape);
}
