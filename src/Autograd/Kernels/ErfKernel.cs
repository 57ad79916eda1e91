using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// Vectorised erf and exact GELU x·Φ(x) (with its derivative Φ(x) + x·φ(x) for a recorded GELU), computed in the element
/// type (float with fewer terms, 8 lanes per AVX2 vector). Two regions, each evaluated on groups of four vectors side by
/// side (skipped when no lane of the group needs it) and blended by |z|:
/// <list type="bullet">
/// <item>|z| ≤ 1: erf z = z·A(z²), with A(t) = Σₙ (2/√π)(−t)ⁿ/(n!(2n + 1)), the Maclaurin series of erf z / z (19 terms in
/// double, 11 in float).</item>
/// <item>|z| &gt; 1: erfc |z| = e^(−z²)·s·F(s) with s = 1/|z| and F(s) = x·erfcx(x) at x = 1/s, a smooth function on
/// [0, 1] (F(0) = 1/√π); erfcx(x) = e^(x²)·erfc(x) comes from its continued fraction
/// 1/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) (Abramowitz &amp; Stegun 7.1.14), summed in decimal at depth 500.</item>
/// </list>
/// F is a Chebyshev series (Clenshaw's recurrence; 40 terms in double, 15 in float) whose coefficients are computed once,
/// at first use, from the continued fraction at 80 Chebyshev nodes; no table is copied from elsewhere. Accuracy, measured against an independent
/// reference (tests/Core/ErfGeluTests): erf in double within 4 ulp over [−7, 7] (worst just above |x| = 1), erf in float
/// within 4 float ulp; GELU in double within 10⁻¹⁴ relative over [−12, 12], including the far negative tail
/// where Φ(x) = ½·erfc(|x|/√2) is computed without cancellation. Measured on the shared 2-core AVX-512 machine, one thread,
/// GELU of 2²⁰ floats: 5.6 ms in the former pass-per-step form over 256-element chunks, 2.7 ms in groups of 256-bit
/// vectors, 1.8–2.3 ms in groups of 512-bit vectors (see <see cref="ErfCore{T}"/>).
/// <para>
/// Float's GELU (the transformer's activation) takes a third way, one formula for every x: erfc |z| = t·e^(−z²)·Q(t)
/// with t = 1/(1 + |z|/2) and Q a 12-term Chebyshev series fitted here (see <see cref="GeluTailFunction"/>): one exp, one
/// division and one series instead of two series and a blend. GELU of [2048, 512] floats, two threads, alternating
/// processes: forward 1.18–1.29 → 0.96–1.03 ms, forward and backward 1.79–1.94 → 1.58–1.61; worst relative error
/// 8.8·10⁻⁷ → 4.4·10⁻⁷ over 200 001 points of [−9, 9].
/// </para>
/// </summary>
internal static partial class ErfKernel
{
    /// <summary>The coefficients for <typeparamref name="T"/>: the Maclaurin series of erf z / z and F's Chebyshev series.</summary>
    internal static (T[] Series, T[] Tail) Coefficients<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool single = typeof(T) == typeof(float);
        return ([.. SeriesTerms(single ? 11 : 19).Select(T.CreateTruncating)], [.. Fit(single ? 15 : 40, TailFunction).Select(T.CreateTruncating)]);
    }

    // A(t) = Σₙ aₙtⁿ, aₙ = (2/√π)(−1)ⁿ/(n!(2n + 1)), for t = z² ∈ [0, 1] by Horner's rule: the terms fall by a factor
    // ≥ 1.5 each, so Horner's rounding stays near 1 ulp; the first left out is a₁₉ ≈ 2.4·10⁻¹⁹ in double and
    // a₁₁ ≈ 1.2·10⁻⁹ in float, far below an ulp of A ≥ 0.84.
    private static double[] SeriesTerms(int terms) => [.. Enumerable.Range(0, terms).Select(n =>
        2 / Math.Sqrt(Math.PI) * (n % 2 == 0 ? 1 : -1) / (Factorial(n) * (2 * n + 1)))];

    private static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

    // F on s ∈ [0, 1]. The continued fraction is summed bottom-up in decimal (28 digits): in double its 500 roundings
    // would add up to a few 10⁻¹⁵; at depth 500 it has converged to 10⁻²⁰ for x ≥ 1 (depth 300 and 600 agree to
    // 6·10⁻²¹ at x = 1).
    private static double TailFunction(double s)
    {
        if (s == 0) return 1 / Math.Sqrt(Math.PI);
        decimal x = 1 / (decimal)s, f = x;
        for (int k = 500; k >= 1; k--) f = x + k / 2m / f;
        return (double)(x / 1.7724538509055160272981674833m / f); // √π
    }

    /// <summary>The first <paramref name="terms"/> Chebyshev coefficients of f on [0, 1], from its values at 80
    /// Chebyshev nodes (more nodes than terms keep aliasing out of the kept coefficients); the first one halved for Clenshaw.</summary>
    private static double[] Fit(int terms, Func<double, double> f)
    {
        const int nodes = 80;
        var values = new double[nodes];
        for (int k = 0; k < nodes; k++) values[k] = f((Math.Cos(Math.PI * (k + 0.5) / nodes) + 1) / 2);
        var c = new double[terms];
        for (int j = 0; j < terms; j++)
        {
            double sum = 0;
            // cos(π·j(2k + 1)/(2N)) with the multiple of 2π taken out exactly first: an argument of up to 125 would
            // carry a rounding error of 3·10⁻¹⁴ into the cosine.
            for (int k = 0; k < nodes; k++) sum += values[k] * Math.Cos(Math.PI * (j * (2 * k + 1) % (4 * nodes)) / (2 * nodes));
            c[j] = 2.0 / nodes * sum;
        }
        c[0] /= 2;
        return c;
    }
}

/// <summary>What <see cref="ErfCore{T}.Run"/> computes: erf x, GELU x·Φ(x), or GELU together with its derivative
/// Φ(x) + x·φ(x) (the slope a fused backward multiplies the upstream gradient by).</summary>
internal enum ErfMode
{
    Erf,
    Gelu,
    GeluAndSlope,
}

/// <summary>A mode of <see cref="ErfCore{T}"/> as a type, so that each mode's code is compiled without the others' branches.</summary>
internal interface IErfMode
{
    static abstract ErfMode Mode { get; }
}

internal readonly struct ErfOf : IErfMode
{
    public static ErfMode Mode => ErfMode.Erf;
}

internal readonly struct GeluOf : IErfMode
{
    public static ErfMode Mode => ErfMode.Gelu;
}

internal readonly struct GeluAndSlopeOf : IErfMode
{
    public static ErfMode Mode => ErfMode.GeluAndSlope;
}

/// <summary>
/// The erf/GELU evaluation in element type <typeparamref name="T"/> (see <see cref="ErfKernel"/>), at 512 bits where the
/// hardware has them and at <see cref="Vector{T}"/>'s width otherwise. The evaluation is some 700 instructions per group
/// of four vectors, whatever their width, so 512-bit vectors do twice the work per instruction: GELU with its slope on 2²⁰
/// floats, one thread of the AVX-512 machine, took 2.5 ms against 4.0 at 256 bits when the two forms alternated in one
/// process, and 2.0–2.6 ms against the former 256-bit-only code's 2.8–3.0 in alternating processes (a busy host). Every
/// lane is computed alone by the same operations at every width, so the results do not depend on the width (a test
/// checks the bits).
/// </summary>
internal static partial class ErfCore<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly (T[] Series, T[] Tail) C = ErfKernel.Coefficients<T>();
    private static readonly T SqrtHalf = T.CreateTruncating(0.70710678118654752440), Cap = T.CreateTruncating(40.0);
    private static readonly T InvSqrtTwoPi = T.CreateTruncating(0.39894228040143267794); // 1/√(2π)

    /// <summary>
    /// d = erf(x) or GELU x·Φ(x) = x·½(1 + erf(x/√2)); for <see cref="ErfMode.GeluAndSlope"/> also
    /// <paramref name="slope"/> = Φ(x) + x·φ(x) with φ(x) = e^(−x²/2)/√(2π), GELU's derivative (slope is not touched
    /// otherwise). Elementwise in one pass over groups of four vectors counted from the span's start (the last group
    /// padded with zeros), so each result depends only on the values and their positions; d may be the same memory as x.
    /// </summary>
    public static void Run(ReadOnlySpan<T> x, Span<T> d, Span<T> slope, ErfMode mode)
    {
        if (Vector512.IsHardwareAccelerated) Run<Vector512<T>, Vector512Ops<T>>(x, d, slope, mode);
        else Run<Vector<T>, VectorOps<T>>(x, d, slope, mode);
    }

    /// <summary><see cref="Run(ReadOnlySpan{T}, Span{T}, Span{T}, ErfMode)"/> at the width of <typeparamref name="TV"/>.</summary>
    internal static void Run<TV, TW>(ReadOnlySpan<T> x, Span<T> d, Span<T> slope, ErfMode mode)
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        switch (mode)
        {
            case ErfMode.Erf: Run<ErfOf, TV, TW>(x, d, slope); break;
            case ErfMode.Gelu: Run<GeluOf, TV, TW>(x, d, slope); break;
            default: Run<GeluAndSlopeOf, TV, TW>(x, d, slope); break;
        }
    }

    /// <summary><see cref="Run(ReadOnlySpan{T}, Span{T}, Span{T}, ErfMode)"/> compiled for one mode and width.</summary>
    private static void Run<TMode, TV, TW>(ReadOnlySpan<T> x, Span<T> d, Span<T> slope)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        int group = 4 * TW.Count, i = 0;
        bool sloped = TMode.Mode == ErfMode.GeluAndSlope;
        if (x.Length != d.Length || sloped && slope.Length != x.Length)
            throw new ArgumentException($"ErfCore: x has {x.Length} elements, destination {d.Length}, slope {slope.Length}");
        ref T xs = ref MemoryMarshal.GetReference(x), ds = ref MemoryMarshal.GetReference(d), ss = ref MemoryMarshal.GetReference(slope);
        for (; i <= x.Length - group; i += group) AnyGroup<TMode, TV, TW>(ref xs, ref ds, ref ss, (nuint)i);
        if (i == x.Length) return;
        Span<T> lastX = stackalloc T[group], lastD = stackalloc T[group], lastS = stackalloc T[group];
        lastX.Clear();
        x[i..].CopyTo(lastX);
        AnyGroup<TMode, TV, TW>(ref MemoryMarshal.GetReference(lastX), ref MemoryMarshal.GetReference(lastD), ref MemoryMarshal.GetReference(lastS), 0);
        lastD[..(x.Length - i)].CopyTo(d[i..]);
        if (sloped) lastS[..(x.Length - i)].CopyTo(slope[i..]);
    }

    /// <summary>Float's GELU through <see cref="GeluGroup{TMode, TV, TW}"/>, everything else through
    /// <see cref="Group{TMode, TV, TW}"/> (the type tests are constants to the compiler).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AnyGroup<TMode, TV, TW>(ref T x, ref T d, ref T slope, nuint i)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        if (typeof(T) == typeof(float) && TMode.Mode != ErfMode.Erf) GeluGroup<TMode, TV, TW>(ref x, ref d, ref slope, i);
        else Group<TMode, TV, TW>(ref x, ref d, ref slope, i);
    }

    /// <summary>
    /// The four vectors from element <paramref name="i"/> of <see cref="Run{TMode, TV, TW}"/>: each is prepared, the two
    /// series run on all four side by side (each skipped when no lane of the four needs it), then each is finished. Its
    /// own compilation unit, fully optimised from the first call (so results do not depend on when a tier-up happened),
    /// with every helper inlined.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Group<TMode, TV, TW>(ref T x, ref T d, ref T slope, nuint i)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        nuint w = (nuint)TW.Count;
        bool gelu = TMode.Mode != ErfMode.Erf;
        TV x0 = TW.Load(ref x, i), x1 = TW.Load(ref x, i + w), x2 = TW.Load(ref x, i + 2 * w), x3 = TW.Load(ref x, i + 3 * w);
        TV e0 = Damping<TV, TW>(x0, gelu), e1 = Damping<TV, TW>(x1, gelu), e2 = Damping<TV, TW>(x2, gelu), e3 = Damping<TV, TW>(x3, gelu);
        TV z0 = Scaled<TV, TW>(x0, gelu), z1 = Scaled<TV, TW>(x1, gelu), z2 = Scaled<TV, TW>(x2, gelu), z3 = Scaled<TV, TW>(x3, gelu);
        TV t0 = TW.Mul(z0, z0), t1 = TW.Mul(z1, z1), t2 = TW.Mul(z2, z2), t3 = TW.Mul(z3, z3);
        // The series serves lanes with |z| ≤ 1, the tail lanes with |z| > 1 (NaN needs neither); each runs when some lane
        // of the four vectors needs it (the masks are OR'd: a lane-wise min or max would let a NaN hide a neighbour).
        var one = TW.Splat(T.One);
        var inner = TW.Or(TW.Or(TW.LessOrEqual(t0, one), TW.LessOrEqual(t1, one)), TW.Or(TW.LessOrEqual(t2, one), TW.LessOrEqual(t3, one)));
        var outer = TW.Or(TW.Or(TW.GreaterThan(t0, one), TW.GreaterThan(t1, one)), TW.Or(TW.GreaterThan(t2, one), TW.GreaterThan(t3, one)));
        TV s0 = one, s1 = one, s2 = one, s3 = one;
        if (TW.Any(outer))
            (s0, s1, s2, s3) = (Reciprocal<TV, TW>(z0), Reciprocal<TV, TW>(z1), Reciprocal<TV, TW>(z2), Reciprocal<TV, TW>(z3));
        TV f0 = s0, f1 = s1, f2 = s2, f3 = s3;
        if (TW.Any(inner)) Horner<TV, TW>(C.Series, ref t0, ref t1, ref t2, ref t3);
        if (TW.Any(outer)) Clenshaw<TV, TW>(C.Tail, ref f0, ref f1, ref f2, ref f3);
        Finish<TMode, TV, TW>(x0, z0, e0, t0, s0, f0, ref d, ref slope, i);
        Finish<TMode, TV, TW>(x1, z1, e1, t1, s1, f1, ref d, ref slope, i + w);
        Finish<TMode, TV, TW>(x2, z2, e2, t2, s2, f2, ref d, ref slope, i + 2 * w);
        Finish<TMode, TV, TW>(x3, z3, e3, t3, s3, f3, ref d, ref slope, i + 3 * w);
    }

    /// <summary>Σ aₙtⁿ by Horner's rule for four vectors side by side (each replaced by its sum): four independent
    /// chains of multiply-adds keep the FMA units busy where one chain would wait on each step's latency.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Horner<TV, TW>(T[] a, ref TV t0, ref TV t1, ref TV t2, ref TV t3) where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var top = TW.Splat(a[^1]);
        TV s0 = top, s1 = top, s2 = top, s3 = top;
        for (int n = a.Length - 2; n >= 0; n--)
        {
            var an = TW.Splat(a[n]);
            (s0, s1, s2, s3) = (TW.Fma(s0, t0, an), TW.Fma(s1, t1, an), TW.Fma(s2, t2, an), TW.Fma(s3, t3, an));
        }
        (t0, t1, t2, t3) = (s0, s1, s2, s3);
    }

    /// <summary>Σ c_k T_k(u) by Clenshaw's recurrence, u = 2·v − 1 for v ∈ [0, 1], for four vectors side by side (each
    /// replaced by its sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clenshaw<TV, TW>(T[] c, ref TV v0, ref TV v1, ref TV v2, ref TV v3)
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var one = TW.Splat(T.One);
        TV u0 = TW.Sub(TW.Add(v0, v0), one), u1 = TW.Sub(TW.Add(v1, v1), one), u2 = TW.Sub(TW.Add(v2, v2), one), u3 = TW.Sub(TW.Add(v3, v3), one);
        TV w0 = TW.Add(u0, u0), w1 = TW.Add(u1, u1), w2 = TW.Add(u2, u2), w3 = TW.Add(u3, u3);
        TV a0 = default, a1 = default, a2 = default, a3 = default; // b_{k+1}
        TV b0 = default, b1 = default, b2 = default, b3 = default; // b_{k+2}
        int k = c.Length - 1;
        if (k % 2 == 1)
        {
            // One step alone, so that the rest go in pairs: b_k = c_k + 2u·b_{k+1} − b_{k+2}, with the two registers
            // trading roles each step instead of being moved.
            var ck = TW.Splat(c[k--]);
            (a0, b0, a1, b1, a2, b2, a3, b3) = (TW.Fma(w0, a0, TW.Sub(ck, b0)), a0, TW.Fma(w1, a1, TW.Sub(ck, b1)), a1, TW.Fma(w2, a2, TW.Sub(ck, b2)), a2, TW.Fma(w3, a3, TW.Sub(ck, b3)), a3);
        }
        for (; k >= 2; k -= 2)
        {
            var ck = TW.Splat(c[k]);
            b0 = TW.Fma(w0, a0, TW.Sub(ck, b0));
            b1 = TW.Fma(w1, a1, TW.Sub(ck, b1));
            b2 = TW.Fma(w2, a2, TW.Sub(ck, b2));
            b3 = TW.Fma(w3, a3, TW.Sub(ck, b3));
            var cj = TW.Splat(c[k - 1]);
            a0 = TW.Fma(w0, b0, TW.Sub(cj, a0));
            a1 = TW.Fma(w1, b1, TW.Sub(cj, a1));
            a2 = TW.Fma(w2, b2, TW.Sub(cj, a2));
            a3 = TW.Fma(w3, b3, TW.Sub(cj, a3));
        }
        // Now a holds b_1 and b holds b_2.
        var c0 = TW.Splat(c[0]);
        (v0, v1, v2, v3) = (TW.Fma(u0, a0, TW.Sub(c0, b0)), TW.Fma(u1, a1, TW.Sub(c0, b1)), TW.Fma(u2, a2, TW.Sub(c0, b2)), TW.Fma(u3, a3, TW.Sub(c0, b3)));
    }

    /// <summary>z = x/√2 for GELU, x for erf: the argument of erf.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Scaled<TV, TW>(TV x, bool gelu) where TV : struct where TW : struct, IVectorOps<TV, T> =>
        gelu ? TW.Mul(x, TW.Splat(SqrtHalf)) : x;

    /// <summary>s = 1/max(|z|, 1), the tail series' argument.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Reciprocal<TV, TW>(TV z) where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var one = TW.Splat(T.One);
        return TW.Div(one, TW.MaxNative(one, TW.Abs(z))); // (NaN kept: it is the second operand)
    }

    /// <summary>
    /// e = e^(−z²) = e^(−c·x²) with c = ½ for GELU (z = x/√2), 1 for erf. x² is split exactly into h + l (h = fl(x²),
    /// l = fma(x, x, −h)) and e^(−c·x²) = e^(−c·h)·(1 − c·l) to first order in the tiny l, since rounding x² or z alone
    /// would cost a relative error of about x²·ε in the far tail (1.6·10⁻¹⁴ at x = 12). |x| is capped at 40 first
    /// (e^(−800) is already 0), so that ±∞ gives e = 0 and not ∞ − ∞ in l. The exp is <see cref="ExpFunction{T}"/>:
    /// inline in float (<see cref="ExpSingle"/>), the platform's in double.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Damping<TV, TW>(TV x, bool gelu)
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var minusC = TW.Splat(gelu ? -T.CreateTruncating(0.5) : -T.One);
        TV capped = Capped<TV, TW>(x), h = TW.Mul(capped, capped), l = TW.Fma(capped, capped, TW.Neg(h));
        TV e = TW.Apply<ExpFunction<T>>(TW.Mul(h, minusC));
        return TW.Fma(TW.Mul(l, e), minusC, e);
    }

    /// <summary>x clamped to [−40, 40] (NaN stays NaN: x is the second operand of each one-instruction min and max).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Capped<TV, TW>(TV x) where TV : struct where TW : struct, IVectorOps<TV, T> =>
        TW.MinNative(TW.Splat(Cap), TW.MaxNative(TW.Splat(-Cap), x));

    /// <summary>
    /// One vector's results from its series, stored at element <paramref name="i"/>: A = the Maclaurin sum at t = z²
    /// (erf z = z·A for |z| ≤ 1) and F = the tail's Chebyshev sum at s (erfc |z| = e·s·F for |z| &gt; 1), blended by |z|;
    /// then erf or x·Φ(x), and for <see cref="ErfMode.GeluAndSlope"/> the slope Φ(x) + x·φ(x) with φ = e/√(2π).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TMode, TV, TW>(TV x, TV z, TV e, TV a, TV s, TV f, ref T d, ref T slope, nuint i)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var one = TW.Splat(T.One);
        var inner = TW.LessOrEqual(TW.Abs(z), one);
        var small = TW.Mul(z, a);             // erf z, |z| ≤ 1
        var tail = TW.Mul(TW.Mul(e, s), f);   // erfc |z|, |z| > 1
        var negative = TW.LessThan(z, TW.Splat(T.Zero));
        if (TMode.Mode == ErfMode.Erf)
        {
            var far = TW.Sub(one, tail);
            TW.Store(TW.Select(inner, small, TW.Select(negative, TW.Neg(far), far)), ref d, i);
            return;
        }
        var half = TW.Splat(T.CreateTruncating(0.5));
        StoreGelu<TMode, TV, TW>(x, e, TW.Select(inner, TW.Fma(half, small, half), TailCdf<TV, TW>(negative, tail)), ref d, ref slope, i);
    }

    /// <summary>Φ(x) from erfc |z| (<paramref name="tail"/>): ½·erfc |z| where <paramref name="negative"/>, else
    /// 1 − ½·erfc |z|.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV TailCdf<TV, TW>(TV negative, TV tail) where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        var halfTail = TW.Mul(TW.Splat(T.CreateTruncating(0.5)), tail);
        return TW.Select(negative, halfTail, TW.Sub(TW.Splat(T.One), halfTail));
    }

    /// <summary>GELU x·Φ(x) stored at element <paramref name="i"/> and, for <see cref="ErfMode.GeluAndSlope"/>, the slope
    /// Φ(x) + x·φ(x) with φ = e/√(2π).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreGelu<TMode, TV, TW>(TV x, TV e, TV cdf, ref T d, ref T slope, nuint i)
        where TMode : struct, IErfMode
        where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        TW.Store(TW.Mul(x, cdf), ref d, i);
        // Φ(x) + x·φ(x) with x capped (φ is already 0 beyond 40), so ±∞ gives Φ and not ∞·0.
        if (TMode.Mode == ErfMode.GeluAndSlope) TW.Store(TW.Fma(TW.Mul(Capped<TV, TW>(x), e), TW.Splat(InvSqrtTwoPi), cdf), ref slope, i);
    }

    /// <summary><see cref="Run"/> over x[xOffset..] into all of d (and all of <paramref name="slope"/> for
    /// <see cref="ErfMode.GeluAndSlope"/>), in parallel chunks for large spans (chunk boundaries at multiples of
    /// <see cref="Chunks.Grain"/>, a multiple of every group's length, so results do not depend on the number of threads).</summary>
    public static void Apply(T[] x, int xOffset, T[] d, T[]? slope, ErfMode mode)
    {
        if (d.Length < Chunks.ParallelWork)
        {
            Run(x.AsSpan(xOffset, d.Length), d, slope, mode);
            return;
        }
        Chunks.For(d.Length, Chunks.Grain, (s, e) =>
            Run(x.AsSpan(xOffset + s, e - s), d.AsSpan(s, e - s), slope is null ? default : slope.AsSpan(s, e - s), mode));
    }
}

/// <summary>erf elementwise through <see cref="ErfCore{T}"/>.</summary>
internal readonly struct ErfKernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d) => ErfCore<T>.Run(x, d, default, ErfMode.Erf);
}

/// <summary>Exact GELU x·Φ(x) elementwise through <see cref="ErfCore{T}"/>.</summary>
internal readonly struct GeluKernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d) => ErfCore<T>.Run(x, d, default, ErfMode.Gelu);
}
