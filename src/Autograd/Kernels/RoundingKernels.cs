using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// log(1 + x), accurate near 0 by Kahan's correction: with u = fl(1 + x), log1p(x) = log(u)·x/(u − 1), which cancels the
/// rounding of 1 + x (a few ulp over the domain; the platform's LogP1 computes log(1 + x) and loses all digits for tiny x).
/// </summary>
internal readonly struct Log1pKernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        // Element by element, each x read before its d is written: x and d may be the same span.
        for (int i = 0; i < d.Length; i++)
        {
            T v = x[i], u = T.One + v;
            d[i] = u == T.One ? v : T.IsPositiveInfinity(u) ? u : T.Log(u) * (v / (u - T.One));
        }
    }
}

/// <summary>
/// eˣ − 1, accurate near 0 by Kahan's correction: with u = fl(eˣ), expm1(x) = (u − 1)·x/log(u) (a few ulp; the platform's
/// ExpM1 computes eˣ − 1 and loses all digits for tiny x).
/// </summary>
internal readonly struct Expm1Kernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        // eˣ is computed vectorised per chunk of 256 (a multiple of every vector width, so the blocks stay those of the
        // whole span) into a scratch span, so x and d may be the same span.
        Span<T> e = stackalloc T[256];
        for (int start = 0; start < d.Length; start += e.Length)
        {
            int n = Math.Min(e.Length, d.Length - start);
            VectorMap.Apply<T, ExpFunction<T>>(x.Slice(start, n), e[..n]); // blocks counted from the span's start, not its address
            for (int i = 0; i < n; i++)
            {
                T v = x[start + i], u = e[i], um1 = u - T.One;
                d[start + i] = u == T.One ? v : um1 == T.NegativeOne || T.IsPositiveInfinity(u) ? um1 : um1 * (v / T.Log(u));
            }
        }
    }
}

/// <summary>How <see cref="RoundingKernel{T}"/> rounds to a whole number.</summary>
internal enum Rounding { Nearest, Floor, Ceiling }

/// <summary>Rounds elementwise: to the nearest whole number (halves to even, as torch.round), down or up.</summary>
internal readonly struct RoundingKernel<T>(Rounding mode) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        switch (mode)
        {
            case Rounding.Nearest: TensorPrimitives.Round(x, d); break;
            case Rounding.Floor: TensorPrimitives.Floor(x, d); break;
            default: TensorPrimitives.Ceiling(x, d); break;
        }
    }
}
