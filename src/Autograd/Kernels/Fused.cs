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
            d[0] = OutputDerivative(g[0], y[0], tanh);
            return;
        }
        OutputFactor(y, d, tanh);
        TensorPrimitives.Multiply(g, d, d);
    }

    /// <summary>g ← g·(1 − y²) or g·y(1 − y) in place: <see cref="OutputDerivative{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T}, bool)"/>'s
    /// operations in the same order (so the same bits), the factor made a stack buffer's length at a time.</summary>
    public static void OutputDerivativeInPlace<T>(Span<T> g, ReadOnlySpan<T> y, bool tanh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.Length == 1)
        {
            g[0] = OutputDerivative(g[0], y[0], tanh);
            return;
        }
        Span<T> factor = stackalloc T[Math.Min(g.Length, 256)];
        for (int start = 0; start < g.Length; start += factor.Length)
        {
            int n = Math.Min(factor.Length, g.Length - start);
            var part = g.Slice(start, n);
            OutputFactor(y.Slice(start, n), factor[..n], tanh);
            TensorPrimitives.Multiply(part, factor[..n], part);
        }
    }

    /// <summary>One element: the span path's operations in the same order (so the same bits), without TensorPrimitives'
    /// dispatch.</summary>
    private static T OutputDerivative<T>(T g, T y, bool tanh) where T : unmanaged, IFloatingPointIeee754<T> =>
        g * (tanh ? T.One - y * y : y * (T.One - y));

    /// <summary>f = 1 − y² (tanh) or y(1 − y) (sigmoid).</summary>
    private static void OutputFactor<T>(ReadOnlySpan<T> y, Span<T> f, bool tanh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tanh)
        {
            TensorPrimitives.Multiply(y, y, f);
            TensorPrimitives.Subtract(T.One, f, f);
        }
        else
        {
            TensorPrimitives.Subtract(T.One, y, f);
            TensorPrimitives.Multiply(y, f, f);
        }
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
