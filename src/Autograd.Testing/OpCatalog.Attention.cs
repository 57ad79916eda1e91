using System.Numerics;
using static Autograd.Testing.Naive;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// The fused scaled dot-product attention op, with its reference in Naive.Attention.cs: plain, causal (with fewer or
// more keys than queries), with a constant additive mask (shared [L, S] or one per batch entry), and on views.
public static partial class OpCatalog
{
    private const string AttentionMember = "ScaledDotProductAttention(Tensor, Tensor, Tensor, bool, T)";

    private static OpInfo<T>[] AttentionRows<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        new("ScaledDotProductAttention", AttentionMember, x => x[0].ScaledDotProductAttention(x[1], x[2], null, false, C<T>(0.7)),
            AttentionCase(mask: 0), x => Attention(x[0], x[1], x[2], null, false, 0.7)),
        new("ScaledDotProductAttention(causal)", AttentionMember, x => x[0].ScaledDotProductAttention(x[1], x[2], null, true, C<T>(0.5)),
            AttentionCase(mask: 0), x => Attention(x[0], x[1], x[2], null, true, 0.5)),
        new("ScaledDotProductAttention(shared mask)", AttentionMember, x => x[0].ScaledDotProductAttention(x[1], x[2], x[3], false, C<T>(1)),
            AttentionCase(mask: 1), x => Attention(x[0], x[1], x[2], x[3], false, 1)),
        new("ScaledDotProductAttention(causal, per-entry mask) of transposed views", AttentionMember,
            x => x[0].MT.ScaledDotProductAttention(x[1].MT, x[2], x[3], true, C<T>(0.8)),
            g => AttentionCase(mask: 2)(g) is var c ? [Transposed(c[0]), Transposed(c[1]), c[2], c[3]] : [],
            x => Attention(x[0].MT, x[1].MT, x[2], x[3], true, 0.8)),
        new("PackedSelfAttention", PackedMember, x => x[0].PackedSelfAttention(2, null, false, C<T>(0.6)),
            PackedCase(mask: 0), x => PackedSelfAttention(x[0], null, 2, false, 0.6, batchFirst: true)),
        new("PackedSelfAttention(causal, shared mask, sequence first)", PackedMember, x => x[0].PackedSelfAttention(2, x[1], true, C<T>(0.9), batchFirst: false),
            PackedCase(mask: 1), x => PackedSelfAttention(x[0], x[1], 2, true, 0.9, batchFirst: false)),
        new("PackedSelfAttention(per-sample mask)", PackedMember, x => x[0].PackedSelfAttention(2, x[1], false, C<T>(1)),
            PackedCase(mask: 2), x => PackedSelfAttention(x[0], x[1], 2, false, 1, batchFirst: true)),
    ];

    private const string PackedMember = "PackedSelfAttention(int, Tensor, bool, T, bool)";

    /// <summary>
    /// qkv [N, L, 3·2·d] (N, L from 1 to 3, d 1 or 2; its first two dims read as [L, N] by the sequence-first row), then
    /// with <paramref name="mask"/> 1 a constant mask [L, L], with 2 one per sample and head [N, 2, L, L] (batch first).
    /// </summary>
    private static Func<Choices, Tensor<double>[]> PackedCase(int mask) => g =>
    {
        int n = 1 + g.NextInt(3), l = 1 + g.NextInt(3), d = 1 + g.NextInt(2);
        var qkv = Uniform(g, [n, l, 3 * 2 * d]);
        return mask switch
        {
            1 => [qkv, Uniform(g, [n, n], -1, 1, grad: false)],
            2 => [qkv, Uniform(g, [n, 2, l, l], -1, 1, grad: false)],
            _ => [qkv],
        };
    };

    /// <summary>
    /// Q [*, L, E], K [*, S, E], V [*, S, Ev] (L, S, E, Ev from 1 to 3, * of rank 0 to 2), then with
    /// <paramref name="mask"/> 1 a constant mask [L, S], with 2 one of the scores' full shape [*, L, S].
    /// </summary>
    private static Func<Choices, Tensor<double>[]> AttentionCase(int mask) => g =>
    {
        int[] batch = Shape(g, 0, 2, 2);
        int l = 1 + g.NextInt(3), s = 1 + g.NextInt(3), e = 1 + g.NextInt(3), ev = 1 + g.NextInt(3);
        Tensor<double>[] qkv = [Uniform(g, [.. batch, l, e]), Uniform(g, [.. batch, s, e]), Uniform(g, [.. batch, s, ev])];
        return mask switch
        {
            1 => [.. qkv, Uniform(g, [l, s], -1, 1, grad: false)],
            2 => [.. qkv, Uniform(g, [.. batch, l, s], -1, 1, grad: false)],
            _ => qkv,
        };
    };

    /// <summary>A leaf holding <paramref name="t"/>ᵀ's values (last two dims swapped), so that its MT is a view with t's values.</summary>
    private static Tensor<double> Transposed(Tensor<double> t)
    {
        Tensor<double> moved;
        using (Tensor.NoGrad()) moved = t.MT.Contiguous();
        return Tensor.FromArray(moved.ToArray(), [.. moved.Shape], t.RequiresGrad);
    }
}
