using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// Scaled dot-product attention as one op: the forward runs two batched GEMMs around a row pass (scale, additive mask,
// causal cut, softmax) and keeps the weights P for the backward. The derivative is registered twice, as the other
// fused forms: a composite rule written in differentiable ops (it recomputes P from the inputs, so second order works)
// and a fused first-order kernel that reuses P and runs four batched GEMMs and one row pass.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo AttentionOp = new("ScaledDotProductAttention", Saved.Input0 | Saved.Input1,
        "∂/∂Q = s·dS·K, dS = P ⊙ (dP − Σⱼ dPⱼPⱼ), dP = G·Vᵀ, P = softmax(s·Q·Kᵀ + M)", "∂/∂K = s·dSᵀ·Q", "∂/∂V = Pᵀ·G")
    {
        FreshFusedGradients = true,
    };

    /// <summary>
    /// Scaled dot-product attention with this tensor as the query Q [*, L, E], key K [*, S, E] and value V [*, S, Ev]
    /// (the same batch dims *): softmax(s·Q·Kᵀ + M)·V, giving [*, L, Ev]. M is the additive <paramref name="attnMask"/>
    /// broadcast to [*, L, S] (a constant: it receives no gradient), plus −∞ above the diagonal (key j &gt; query i)
    /// when <paramref name="isCausal"/>. With P the weights and G the upstream gradient: ∂/∂V = Pᵀ·G,
    /// dS = P ⊙ (G·Vᵀ − Σⱼ (G·Vᵀ)ⱼPⱼ), ∂/∂Q = s·dS·K, ∂/∂K = s·dSᵀ·Q. A query row whose every key is blocked gives NaN.
    /// </summary>
    public Tensor<T> ScaledDotProductAttention(Tensor<T> key, Tensor<T> value, Tensor<T>? attnMask, bool isCausal, T scale)
    {
        const string op = "ScaledDotProductAttention";
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (Rank < 2 || key.Rank != Rank || value.Rank != Rank || !Shapes.Equal(Dims.AsSpan(0, Rank - 2), key.Dims.AsSpan(0, Rank - 2))
            || !Shapes.Equal(Dims.AsSpan(0, Rank - 2), value.Dims.AsSpan(0, Rank - 2)))
            throw new ArgumentException($"{op}: query, key and value need the same batch dims [*, length, features], got shapes {Shapes.Format(Dims)}, {Shapes.Format(key.Dims)} and {Shapes.Format(value.Dims)}");
        if (Dims[^1] != key.Dims[^1])
            throw new ArgumentException($"{op}: query has {Dims[^1]} features but key has {key.Dims[^1]} (query shape {Shapes.Format(Dims)}, key shape {Shapes.Format(key.Dims)})");
        if (key.Dims[^2] != value.Dims[^2])
            throw new ArgumentException($"{op}: key has {key.Dims[^2]} positions but value has {value.Dims[^2]} (key shape {Shapes.Format(key.Dims)}, value shape {Shapes.Format(value.Dims)})");
        int l = Dims[^2], s = key.Dims[^2], e = Dims[^1], ev = value.Dims[^1];
        int batch = Shapes.Size(Dims.AsSpan(0, Rank - 2));
        var scoreShape = (int[])Dims.Clone();
        scoreShape[^1] = s;
        Tensor<T>? mask = null;
        if (attnMask is not null)
        {
            using (Tensor.NoGrad())
                mask = attnMask.Rank == 2 && attnMask.Dims[0] == l && attnMask.Dims[1] == s ? attnMask.Contiguous()
                    : attnMask.Rank <= Rank ? attnMask.Expand(scoreShape).Contiguous()
                    : throw new ArgumentException($"{op}: attention mask of shape {Shapes.Format(attnMask.Dims)} does not broadcast to the scores' shape [*, L, S] = {Shapes.Format(scoreShape)}");
        }
        var outShape = (int[])Dims.Clone();
        outShape[^1] = ev;
        var weights = Buffers.Rent<T>(batch * l * s, clear: false);
        var output = Buffers.Rent<T>(batch * l * ev, clear: batch * l * s == 0);
        var problem = AttentionProblem(this, key, value, mask, isCausal, scale, batch);
        if (batch * l * s > 0) Kernels.Attention.Forward(problem, weights, output);
        var result = new Tensor<T>(output, outShape);
        var p = new Tensor<T>(weights, scoreShape);
        return Graph.Record(result, AttentionOp, [this, key, value],
            (g, _, xs) => AttentionGradComposite(g, xs, mask, isCausal, scale),
            fused: (g, _, xs) => AttentionGradFused(g, xs, p, mask, isCausal, scale));
    }

    /// <summary>The kernel's operands: q, k, v (contiguous copies where they are views) and the expanded mask.</summary>
    private static Kernels.Attention.Problem<T> AttentionProblem(Tensor<T> query, Tensor<T> key, Tensor<T> value, Tensor<T>? mask,
        bool isCausal, T scale, int batch)
    {
        Tensor<T> q, k, v;
        using (Tensor.NoGrad()) (q, k, v) = (query.Contiguous(), key.Contiguous(), value.Contiguous());
        int l = q.Dims[^2], s = k.Dims[^2];
        return new(batch, l, s, q.Dims[^1], v.Dims[^1], q.Storage, q.Offset, k.Storage, k.Offset, v.Storage, v.Offset,
            mask?.Storage, mask?.Offset ?? 0, mask is null || mask.Rank == 2 ? 0 : l * s, isCausal, scale);
    }

    /// <summary>The rule in differentiable ops: P recomputed from Q and K, then the gradients of
    /// <see cref="ScaledDotProductAttention"/>'s summary.</summary>
    private static Tensor<T>?[] AttentionGradComposite(Tensor<T> g, Tensor<T>[] xs, Tensor<T>? mask, bool isCausal, T scale) =>
        AttentionGradComposite(g, xs, mask, isCausal, scale, xs[0].RequiresGrad, xs[1].RequiresGrad, xs[2].RequiresGrad);

    /// <summary>The composite rule for the gradients asked for (<paramref name="wantQ"/>, <paramref name="wantK"/>,
    /// <paramref name="wantV"/>); the others are null.</summary>
    private static Tensor<T>?[] AttentionGradComposite(Tensor<T> g, Tensor<T>[] xs, Tensor<T>? mask, bool isCausal, T scale,
        bool wantQ, bool wantK, bool wantV)
    {
        Tensor<T> q = xs[0], k = xs[1], v = xs[2];
        var scores = (q * scale).MatMul(k.MT);
        if (mask is not null) scores += mask;
        if (isCausal) scores += Tensor.CausalMask<T>(q.Dims[^2], k.Dims[^2]);
        var p = scores.Softmax(-1);
        var grads = new Tensor<T>?[3];
        if (wantV) grads[2] = p.MT.MatMul(g);
        if (!wantQ && !wantK) return grads;
        var dp = g.MatMul(v.MT);
        var ds = p * (dp - (dp * p).Sum(-1, keepDim: true)) * scale;
        if (wantQ) grads[0] = ds.MatMul(k);
        if (wantK) grads[1] = ds.MT.MatMul(q);
        return grads;
    }

    /// <summary>The first-order rule as one kernel over the saved weights <paramref name="p"/>.</summary>
    private static Tensor<T>?[] AttentionGradFused(Tensor<T> g, Tensor<T>[] xs, Tensor<T> p, Tensor<T>? mask, bool isCausal, T scale)
    {
        Tensor<T> q = xs[0], k = xs[1], v = xs[2];
        int batch = Shapes.Size(q.Dims.AsSpan(0, q.Rank - 2));
        var problem = AttentionProblem(q, k, v, mask, isCausal, scale, batch);
        T[]? dq = q.RequiresGrad ? Buffers.Rent<T>(q.NumElements, clear: p.NumElements == 0) : null;
        T[]? dk = k.RequiresGrad ? Buffers.Rent<T>(k.NumElements, clear: p.NumElements == 0) : null;
        T[]? dv = v.RequiresGrad ? Buffers.Rent<T>(v.NumElements, clear: p.NumElements == 0) : null;
        // G in its own layout: the kernel reads it in place, or gathers a head at a time (a broadcast G, as Sum gives).
        if (p.NumElements > 0) Kernels.Attention.Backward(problem, p.Storage, g.Storage, g.Layout, dq, dk, dv);
        return
        [
            dq is null ? null : new Tensor<T>(dq, (int[])q.Dims.Clone()),
            dk is null ? null : new Tensor<T>(dk, (int[])k.Dims.Clone()),
            dv is null ? null : new Tensor<T>(dv, (int[])v.Dims.Clone()),
        ];
    }

}

public static partial class Tensor
{
    /// <summary>
    /// The additive causal mask [L, S]: 0 where key position j ≤ query position i, −∞ above the diagonal (PyTorch's
    /// top-left aligned <c>tril</c>), so that position i attends only to positions 0..i.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A length is negative.</exception>
    public static Tensor<T> CausalMask<T>(int queryLength, int keyLength) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (queryLength < 0 || keyLength < 0)
            throw new ArgumentOutOfRangeException(nameof(queryLength), $"CausalMask: lengths must be non-negative, got L={queryLength}, S={keyLength}");
        var mask = new T[queryLength * keyLength];
        for (int i = 0; i < queryLength; i++)
            for (int j = i + 1; j < keyLength; j++) mask[i * keyLength + j] = T.NegativeInfinity;
        return FromArray(mask, [queryLength, keyLength]);
    }
}
