using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

// Float's GELU by one formula for every x (see ErfKernel's notes): the fitted tail series Q and the group that uses it.
internal static partial class ErfKernel
{
    /// <summary>p in t = 1/(1 + p·z), the argument of <see cref="GeluTailFunction"/>.</summary>
    internal const double GeluTailP = 0.5;

    /// <summary>The Chebyshev coefficients of <see cref="GeluTailFunction"/> for float's GELU: 12 terms (the 13th and later
    /// are below 5·10⁻⁹, under float's ε of 6·10⁻⁸ relative to Q ≥ 0.28).</summary>
    internal static float[] GeluTailCoefficients() => [.. Fit(12, GeluTailFunction).Select(c => (float)c)];

    // Q(t) = erfcx(z)/t, z = (1/t − 1)/p, on t ∈ [0, 1], so that erfc z = t·e^(−z²)·Q(t) for every z ≥ 0 (the form of
    // Numerical Recipes' erfcc, W. H. Press et al., 2nd ed. §6.2, which fits ln Q instead; here Q itself is fitted, from
    // the continued fraction behind F, TailFunction). Q(0) = 1/(p√π) and Q(1) = 1; smooth between, and its Chebyshev
    // coefficients fall to 10⁻⁹ by the 12th. erfcx comes from F for z ≥ 1 (erfcx z = F(1/z)/z) and from the series for
    // z < 1 (erfc = 1 − z·A(z²) ≥ 0.15, so without cancellation), both in double.
    private static readonly double[] DoubleSeries = SeriesTerms(19);

    private static double GeluTailFunction(double t)
    {
        if (t == 0) return 1 / (GeluTailP * Math.Sqrt(Math.PI));
        double z = (1 / t - 1) / GeluTailP, erfcx;
        if (z >= 1) erfcx = TailFunction(1 / z) / z;
        else
        {
            double z2 = z * z, sum = 0;
            for (int n = DoubleSeries.Length - 1; n >= 0; n--) sum = sum * z2 + DoubleSeries[n];
            erfcx = (1 - z * sum) * Math.Exp(z2);
        }
        return erfcx / t;
    }
}

internal static partial class ErfCore<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T[] GeluTail = typeof(T) == typeof(float) ? (T[])(object)ErfKernel.GeluTailCoefficients() : [];
    private static readonly T GeluTailScale = T.CreateTruncating(ErfKernel.GeluTailP * 0.70710678118654752440); // p/√2

    /// <summary>
    /// Float's GELU (and slope) over four vectors from element <paramref name="i"/>, by one formula for every x:
    /// Φ(x) = ½·erfc(|z|) for x &lt; 0 and 1 − ½·erfc(|z|) otherwise, z = x/√2, with erfc |z| = t·e^(−z²)·Q(t),
    /// t = 1/(1 + p·|z|) and Q a 12-term Chebyshev series (see <see cref="ErfKernel"/>'s GELU tail). One exp, one division
    /// and one short series, where erf's two regions need two series and a blend. Relative error of erfc within a few
    /// float ulp for every z, so GELU keeps 10⁻⁶ relative accuracy down the negative tail (tests/Core/ErfGeluTests).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GeluGroup<TMode, TV, TW>(ref T x, ref T d, ref T slope, nuint i)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        nuint w = (nuint)TW.Count;
        TV x0 = TW.Load(ref x, i), x1 = TW.Load(ref x, i + w), x2 = TW.Load(ref x, i + 2 * w), x3 = TW.Load(ref x, i + 3 * w);
        TV e0 = Damping<TV, TW>(x0, true), e1 = Damping<TV, TW>(x1, true), e2 = Damping<TV, TW>(x2, true), e3 = Damping<TV, TW>(x3, true);
        TV t0 = GeluTailArgument<TV, TW>(x0), t1 = GeluTailArgument<TV, TW>(x1), t2 = GeluTailArgument<TV, TW>(x2), t3 = GeluTailArgument<TV, TW>(x3);
        TV q0 = t0, q1 = t1, q2 = t2, q3 = t3;
        Clenshaw<TV, TW>(GeluTail, ref q0, ref q1, ref q2, ref q3);
        // erfc |z| = t·e·Q(t); Φ and the stores as in Finish.
        var zero = TW.Splat(T.Zero);
        StoreGelu<TMode, TV, TW>(x0, e0, TailCdf<TV, TW>(TW.LessThan(x0, zero), TW.Mul(TW.Mul(t0, e0), q0)), ref d, ref slope, i);
        StoreGelu<TMode, TV, TW>(x1, e1, TailCdf<TV, TW>(TW.LessThan(x1, zero), TW.Mul(TW.Mul(t1, e1), q1)), ref d, ref slope, i + w);
        StoreGelu<TMode, TV, TW>(x2, e2, TailCdf<TV, TW>(TW.LessThan(x2, zero), TW.Mul(TW.Mul(t2, e2), q2)), ref d, ref slope, i + 2 * w);
        StoreGelu<TMode, TV, TW>(x3, e3, TailCdf<TV, TW>(TW.LessThan(x3, zero), TW.Mul(TW.Mul(t3, e3), q3)), ref d, ref slope, i + 3 * w);
    }

    /// <summary>t = 1/(1 + (p/√2)·|x|) ∈ [0, 1] (0 at ±∞, NaN for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV GeluTailArgument<TV, TW>(TV x) where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var one = TW.Splat(T.One);
        return TW.Div(one, TW.Fma(TW.Abs(x), TW.Splat(GeluTailScale), one));
    }
}
