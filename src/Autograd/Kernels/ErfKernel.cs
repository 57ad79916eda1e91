using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// Vectorised erf and exact GELU x·Φ(x), computed in the element type (float with fewer terms, 8 lanes per AVX2 vector).
/// Two regions, each evaluated on whole vectors (skipped when no lane needs it) and blended by |z|:
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
/// where Φ(x) = ½·erfc(|x|/√2) is computed without cancellation.
/// </summary>
internal static class ErfKernel
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

/// <summary>What <see cref="ErfCore{T}.Run"/> computes: erf x, GELU x·Φ(x), or GELU's derivative times an upstream
/// gradient, g·(Φ(x) + x·φ(x)).</summary>
internal enum ErfMode
{
    Erf,
    Gelu,
    GeluDerivative,
}

/// <summary>The erf/GELU evaluation in element type <typeparamref name="T"/> (see <see cref="ErfKernel"/>).</summary>
internal static class ErfCore<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly (T[] Series, T[] Tail) C = ErfKernel.Coefficients<T>();
    private static readonly T SqrtHalf = T.CreateTruncating(0.70710678118654752440), Cap = T.CreateTruncating(40.0);
    private static readonly T InvSqrtTwoPi = T.CreateTruncating(0.39894228040143267794); // 1/√(2π)

    /// <summary>a·b + c with one rounding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c) => typeof(T) == typeof(float)
        ? Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.As<T, float>(a), Vector.As<T, float>(b), Vector.As<T, float>(c)))
        : Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.As<T, double>(a), Vector.As<T, double>(b), Vector.As<T, double>(c)));

    /// <summary>eˣ by the platform's vector exp at this vector's width (the function <see cref="VectorMap"/> applies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Exp(Vector<T> x) =>
        Vector<T>.Count == Vector256<T>.Count ? ExpFunction<T>.Invoke(x.AsVector256()).AsVector()
        : Vector<T>.Count == Vector512<T>.Count ? ExpFunction<T>.Invoke(x.AsVector512()).AsVector()
        : ExpFunction<T>.Invoke(x.AsVector128()).AsVector();

    /// <summary>Σ aₙtⁿ by Horner's rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Horner(T[] a, Vector<T> t)
    {
        var sum = new Vector<T>(a[^1]);
        for (int n = a.Length - 2; n >= 0; n--) sum = Fma(sum, t, new Vector<T>(a[n]));
        return sum;
    }

    /// <summary>Σ c_k T_k(u) by Clenshaw's recurrence, u = 2·v − 1 for v ∈ [0, 1].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Clenshaw(T[] c, Vector<T> v)
    {
        var u = v + v - Vector<T>.One;
        var twoU = u + u;
        Vector<T> b1 = Vector<T>.Zero, b2 = Vector<T>.Zero;
        for (int k = c.Length - 1; k >= 1; k--)
        {
            var b0 = Fma(twoU, b1, new Vector<T>(c[k]) - b2);
            b2 = b1;
            b1 = b0;
        }
        return Fma(u, b1, new Vector<T>(c[0]) - b2);
    }

    /// <summary>
    /// d = erf(x), GELU x·Φ(x) = x·½(1 + erf(x/√2)), or GELU's derivative g·(Φ(x) + x·φ(x)) with φ(x) = e^(−x²/2)/√(2π)
    /// (<paramref name="g"/> is read only then), elementwise in one pass over whole vectors counted from the span's start
    /// (the last one padded with zeros), so each result depends only on the values and their positions. d may be the
    /// same memory as x or g.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> d, ErfMode mode)
    {
        int width = Vector<T>.Count, i = 0;
        bool derivative = mode == ErfMode.GeluDerivative;
        ref T xs = ref MemoryMarshal.GetReference(x), gs = ref MemoryMarshal.GetReference(g), ds = ref MemoryMarshal.GetReference(d);
        for (; i <= x.Length - width; i += width)
        {
            var gv = derivative ? Vector.LoadUnsafe(ref gs, (nuint)i) : default;
            Point(Vector.LoadUnsafe(ref xs, (nuint)i), gv, mode).StoreUnsafe(ref ds, (nuint)i);
        }
        if (i == x.Length) return;
        Span<T> lastX = stackalloc T[width], lastG = stackalloc T[width];
        lastX.Clear();
        lastG.Clear();
        x[i..].CopyTo(lastX);
        if (derivative) g[i..].CopyTo(lastG);
        var tail = Point(new Vector<T>(lastX), new Vector<T>(lastG), mode);
        for (int k = 0; i + k < x.Length; k++) d[i + k] = tail[k];
    }

    /// <summary>One vector of <see cref="Run"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Point(Vector<T> x, Vector<T> g, ErfMode mode)
    {
        bool gelu = mode != ErfMode.Erf;
        // z = x/√2 for GELU; e = e^(−z²) = e^(−c·x²) with c = ½ or 1. x² is split exactly into h + l (h = fl(x²),
        // l = fma(x, x, −h)) and e^(−c·x²) = e^(−c·h)·(1 − c·l) to first order in the tiny l, since rounding x² or z alone
        // would cost a relative error of about x²·ε in the far tail (1.6·10⁻¹⁴ at x = 12). |x| is capped at 40 first
        // (e^(−800) is already 0), so that ±∞ gives e = 0 and not ∞ − ∞ in l.
        var z = gelu ? x * SqrtHalf : x;
        var minusC = new Vector<T>(gelu ? -T.CreateTruncating(0.5) : -T.One);
        var capped = Vector.Min(Vector.Max(x, new Vector<T>(-Cap)), new Vector<T>(Cap));
        var h = capped * capped;
        var l = Fma(capped, capped, -h);
        var e = Exp(h * minusC);
        e = Fma(l * e, minusC, e);
        var f = Evaluate(z, e, gelu);
        return mode switch
        {
            ErfMode.Erf => f,
            ErfMode.Gelu => x * f,
            // Φ(x) + x·φ(x) with φ = e/√(2π); x capped (φ is already 0 beyond 40), so ±∞ gives Φ and not ∞·0.
            _ => g * Fma(capped * e, new Vector<T>(InvSqrtTwoPi), f),
        };
    }

    /// <summary>erf z, or Φ(√2·z) = ½ erfc(−z) for GELU, given e = e^(−z²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Evaluate(Vector<T> z, Vector<T> e, bool gelu)
    {
        var w = Vector.Abs(z);
        var inner = Vector.LessThanOrEqual(w, Vector<T>.One);
        var bits = Vector.AsVectorByte(inner); // compared as bits: an all-ones float lane is a NaN
        var small = Vector<T>.Zero;
        var tail = Vector<T>.Zero;
        if (!Vector.EqualsAll(bits, Vector<byte>.Zero)) small = z * Horner(C.Series, z * z);                    // erf z, |z| ≤ 1
        if (!Vector.EqualsAll(bits, Vector<byte>.AllBitsSet))
        {
            var s = Vector<T>.One / Vector.Max(w, Vector<T>.One);
            tail = e * s * Clenshaw(C.Tail, s);                                                                  // erfc |z|, |z| > 1
        }
        var negative = Vector.LessThan(z, Vector<T>.Zero);
        if (!gelu)
        {
            var far = Vector<T>.One - tail;
            return Vector.ConditionalSelect(inner, small, Vector.ConditionalSelect(negative, -far, far));
        }
        var half = new Vector<T>(T.CreateTruncating(0.5));
        var outer = Vector.ConditionalSelect(negative, half * tail, Vector<T>.One - half * tail);
        return Vector.ConditionalSelect(inner, Fma(half, small, half), outer);
    }

    /// <summary><see cref="Run"/> over x[xOffset..] and g[gOffset..] into all of d, in parallel chunks for large spans
    /// (chunk boundaries at multiples of <see cref="Chunks.Grain"/>, a multiple of every vector width, so results do
    /// not depend on the number of threads).</summary>
    public static void Apply(T[] x, int xOffset, T[]? g, int gOffset, T[] d, ErfMode mode)
    {
        if (d.Length < Chunks.ParallelWork)
        {
            Run(x.AsSpan(xOffset, d.Length), g is null ? default : g.AsSpan(gOffset, d.Length), d, mode);
            return;
        }
        Chunks.For(d.Length, Chunks.Grain, (s, e) =>
            Run(x.AsSpan(xOffset + s, e - s), g is null ? default : g.AsSpan(gOffset + s, e - s), d.AsSpan(s, e - s), mode));
    }
}

/// <summary>erf elementwise through <see cref="ErfCore{T}"/>.</summary>
internal readonly struct ErfKernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d) => ErfCore<T>.Run(x, default, d, ErfMode.Erf);
}

/// <summary>Exact GELU x·Φ(x) elementwise through <see cref="ErfCore{T}"/>.</summary>
internal readonly struct GeluKernel<T> : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d) => ErfCore<T>.Run(x, default, d, ErfMode.Gelu);
}
