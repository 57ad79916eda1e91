using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Fused elementwise passes of first-order backward rules: one pass instead of several ops' temporaries.</summary>
internal static class Fused
{
    /// <summary>d = g·(1 − y²) (tanh's derivative from its output) or, with <paramref name="tanh"/> false,
    /// d = g·y(1 − y) (sigmoid's).</summary>
    public static void OutputDerivative<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> d, bool tanh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (d.Length == 1)
        {
            // One element: the span path's operations in the same order (so the same bits), without TensorPrimitives' dispatch.
            T ys = y[0], gs = g[0];
            d[0] = gs * (tanh ? T.One - ys * ys : ys * (T.One - ys));
            return;
        }
        if (tanh)
        {
            TensorPrimitives.Multiply(y, y, d);
            TensorPrimitives.Subtract(T.One, d, d);
        }
        else
        {
            TensorPrimitives.Subtract(T.One, y, d);
            TensorPrimitives.Multiply(y, d, d);
        }
        TensorPrimitives.Multiply(g, d, d);
    }

    /// <summary>d[i] = g[go + i] · mask(x[xo + i]) for i &lt; d.Length, in parallel chunks when large.</summary>
    public static void Masked<T>(T[] g, int go, T[] x, int xo, RangeMask<T> mask, T[] d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (d.Length < Chunks.ParallelWork) mask.Scale(g.AsSpan(go, d.Length), x.AsSpan(xo, d.Length), d);
        else Chunks.For(d.Length, Chunks.Grain, (s, e) => mask.Scale(g.AsSpan(go + s, e - s), x.AsSpan(xo + s, e - s), d.AsSpan(s, e - s)));
    }

    /// <summary>d[i] = a[i] where mask[i] ≠ 0, else b[i] (all of d's length).</summary>
    public static void Select<T>(ReadOnlySpan<T> mask, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < d.Length; i++) d[i] = mask[i] != T.Zero ? a[i] : b[i];
    }
}
