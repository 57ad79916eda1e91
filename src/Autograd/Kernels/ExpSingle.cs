using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// eˣ for float vectors, computed in float. The platform's Vector*.Exp(float) widens every lane to double, computes
/// there and narrows back, which costs twice the instructions of a float evaluation: 0.55 to 0.7 ns per element on the
/// AVX-512 machine, where it was a third of the LSTM cell's forward (three sigmoids and two tanh per element).
/// <para>
/// Method (Cephes' expf, S. L. Moshier, with its published coefficients): n = round(x·log₂e), r = x − n·ln 2 with ln 2
/// split in a part exact in float (0.693359375) and the rest (−2.12194440·10⁻⁴), so |r| ≤ ln 2 / 2 with no
/// cancellation error; eʳ ≈ 1 + r + r²·P(r) for a degree-5 polynomial P; then eˣ = eʳ·2ⁿ, applied as two factors
/// 2^⌊n/2⌋·2^(n − ⌊n/2⌋) so that results near overflow and in the subnormal range are formed without an intermediate
/// overflow or double rounding of the scale. Measured against the correctly rounded value (Math.Exp in double,
/// rounded to float) over every 61st float in [−104, 89]: at most 1 ulp apart (a test checks this).
/// </para>
/// Every lane is computed alone, by the same fused multiply-adds at every width, so the bits do not depend on the
/// width or on a lane's neighbours. x ≥ 88.73 gives +∞ (as does +∞), x &lt; −103.97 gives +0 (as does −∞), NaN gives NaN.
/// </summary>
internal static class ExpSingle
{
    // Below Lo (the largest float under −150·ln 2 = −103.9720771) eˣ rounds to +0: such lanes (−∞ from a causal mask,
    // say) are computed from 0 and replaced by 0, because the arithmetic would underflow, which Intel cores run as a
    // microcode assist about a hundred times slower (a masked attention head paid it for half its scores). Above 88.73
    // eˣ rounds to +∞; the clamp at Hi keeps n ≤ 129 so that both halves of the scale are normal floats.
    private const float Lo = -103.972084f, Hi = 89f;

    // From here down eˣ is subnormal (below 2⁻¹²⁶) or 0.
    private const float Subnormal = -87.33655f;
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    /// <inheritdoc cref="Exp{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x) => Exp<Vector512<float>, Vector512<int>, Width512>(x);

    /// <inheritdoc cref="Exp{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => Exp<Vector256<float>, Vector256<int>, Width256>(x);

    /// <inheritdoc cref="Exp{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x) => Exp<Vector128<float>, Vector128<int>, Width128>(x);

    /// <inheritdoc cref="Expm1OfNonPositive{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Expm1OfNonPositive(Vector512<float> x) => Expm1OfNonPositive<Vector512<float>, Vector512<int>, Width512>(x);

    /// <inheritdoc cref="Expm1OfNonPositive{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Expm1OfNonPositive(Vector256<float> x) => Expm1OfNonPositive<Vector256<float>, Vector256<int>, Width256>(x);

    /// <inheritdoc cref="Expm1OfNonPositive{TV, TI, TW}"/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Expm1OfNonPositive(Vector128<float> x) => Expm1OfNonPositive<Vector128<float>, Vector128<int>, Width128>(x);

    /// <summary>eˣ lane by lane (see the class). Lanes from −87.33 up are computed directly; when some lane lies below
    /// (its result subnormal or 0), the lanes below Lo are computed from 0 and replaced by 0, which costs two selects:
    /// the common case pays one comparison for it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exp<TV, TI, TW>(TV x) where TW : IWidth<TV, TI>
    {
        if (!TW.AnyLess(x, TW.Splat(Subnormal))) return Scaled<TV, TI, TW>(TW.Min(TW.Splat(Hi), x));
        var zero = TW.Less(x, TW.Splat(Lo));
        return TW.Select(zero, TW.Splat(0f), Scaled<TV, TI, TW>(TW.Min(TW.Splat(Hi), TW.Select(zero, TW.Splat(0f), x))));
    }

    /// <summary>eᵛ for v in [Lo, Hi] (or NaN): eʳ·2ⁿ with the scale applied as two normal powers of two.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Scaled<TV, TI, TW>(TV v) where TW : IWidth<TV, TI>
    {
        var n = Exponent<TV, TI, TW>(v);
        var r = Reduced<TV, TI, TW>(v, n);
        var p = TW.Add(TW.Fma(Polynomial<TV, TI, TW>(r), TW.Mul(r, r), r), TW.Splat(1f));
        var k = TW.ToInt(n);
        var half = TW.Half(k);
        return TW.Mul(TW.Mul(p, TW.PowerOfTwo(half)), TW.PowerOfTwo(TW.Sub(k, half)));
    }

    /// <summary>eˣ − 1 for x ≤ 0 (NaN stays NaN), without the cancellation of Exp(x) − 1 near 0: with x = n·ln 2 + r as in
    /// Exp, eˣ − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1), where eʳ − 1 = r + r²·P(r) is computed directly and 2ⁿ − 1 is exact for
    /// n ≥ −24; x is raised to −40 first (e⁻⁴⁰ − 1 rounds to −1), so 2ⁿ stays a normal float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Expm1OfNonPositive<TV, TI, TW>(TV x) where TW : IWidth<TV, TI>
    {
        var v = TW.Max(TW.Splat(-40f), x);
        var n = Exponent<TV, TI, TW>(v);
        var r = Reduced<TV, TI, TW>(v, n);
        var q = TW.Fma(Polynomial<TV, TI, TW>(r), TW.Mul(r, r), r);
        var scale = TW.PowerOfTwo(TW.ToInt(n));
        return TW.Fma(scale, q, TW.Add(scale, TW.Splat(-1f)));
    }

    /// <summary>n = round(v·log₂e).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Exponent<TV, TI, TW>(TV v) where TW : IWidth<TV, TI> => TW.Round(TW.Mul(v, TW.Splat(Log2E)));

    /// <summary>r = v − n·ln 2, with ln 2 in two parts (n·Ln2Hi is exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Reduced<TV, TI, TW>(TV v, TV n) where TW : IWidth<TV, TI> =>
        TW.Fma(n, TW.Splat(-Ln2Lo), TW.Fma(n, TW.Splat(-Ln2Hi), v));

    /// <summary>P(r), the degree-5 polynomial of eʳ ≈ 1 + r + r²·P(r), by Horner's rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Polynomial<TV, TI, TW>(TV r) where TW : IWidth<TV, TI>
    {
        var p = TW.Fma(TW.Splat(P0), r, TW.Splat(P1));
        p = TW.Fma(p, r, TW.Splat(P2));
        p = TW.Fma(p, r, TW.Splat(P3));
        p = TW.Fma(p, r, TW.Splat(P4));
        return TW.Fma(p, r, TW.Splat(P5));
    }

    /// <summary>
    /// The lane operations the exp takes, at one vector width (TV the float vector, TI the int vector of the same width):
    /// one struct per width, so that one generic body compiles to each width's own instructions (the runtime's generic
    /// vector interface is not public). Every operation is lane by lane.
    /// </summary>
    private interface IWidth<TV, TI>
    {
        static abstract TV Splat(float value);
        static abstract TV Add(TV a, TV b);
        static abstract TV Mul(TV a, TV b);
        static abstract TV Fma(TV a, TV b, TV c);
        /// <summary>The smaller lane, the hardware's way: only called with a constant first, whose NaN-free value makes
        /// a NaN in b come out (x86 returns the second operand when either is NaN, Arm returns NaN).</summary>
        static abstract TV Min(TV a, TV b);
        /// <summary>The larger lane, the hardware's way (see <see cref="Min"/>).</summary>
        static abstract TV Max(TV a, TV b);
        static abstract TV Round(TV a);
        static abstract TV Less(TV a, TV b);
        /// <summary>Whether some lane of a is below the same lane of b.</summary>
        static abstract bool AnyLess(TV a, TV b);
        static abstract TV Select(TV mask, TV a, TV b);
        /// <summary>A float holding a whole number in int range, as an int (no saturation needed here).</summary>
        static abstract TI ToInt(TV a);
        /// <summary>⌊k/2⌋.</summary>
        static abstract TI Half(TI k);
        static abstract TI Sub(TI a, TI b);
        /// <summary>2ᵏ for k in the normal exponents [−126, 127].</summary>
        static abstract TV PowerOfTwo(TI k);
    }

    private readonly struct Width512 : IWidth<Vector512<float>, Vector512<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Splat(float value) => Vector512.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Round(Vector512<float> a) => Vector512.Round(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Less(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AnyLess(Vector512<float> a, Vector512<float> b) => Vector512.LessThanAny(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> ToInt(Vector512<float> a) => Vector512.ConvertToInt32Native(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Half(Vector512<int> k) => Vector512.ShiftRightArithmetic(k, 1);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Sub(Vector512<int> a, Vector512<int> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> PowerOfTwo(Vector512<int> k) => Vector512.ShiftLeft(k + Vector512.Create(127), 23).AsSingle();
    }

    private readonly struct Width256 : IWidth<Vector256<float>, Vector256<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Splat(float value) => Vector256.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Round(Vector256<float> a) => Vector256.Round(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Less(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AnyLess(Vector256<float> a, Vector256<float> b) => Vector256.LessThanAny(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> ToInt(Vector256<float> a) => Vector256.ConvertToInt32Native(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Half(Vector256<int> k) => Vector256.ShiftRightArithmetic(k, 1);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Sub(Vector256<int> a, Vector256<int> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<float> PowerOfTwo(Vector256<int> k) => Vector256.ShiftLeft(k + Vector256.Create(127), 23).AsSingle();
    }

    private readonly struct Width128 : IWidth<Vector128<float>, Vector128<int>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Splat(float value) => Vector128.Create(value);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Mul(Vector128<float> a, Vector128<float> b) => a * b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.MinNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Round(Vector128<float> a) => Vector128.Round(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Less(Vector128<float> a, Vector128<float> b) => Vector128.LessThan(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool AnyLess(Vector128<float> a, Vector128<float> b) => Vector128.LessThanAny(a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> Select(Vector128<float> mask, Vector128<float> a, Vector128<float> b) => Vector128.ConditionalSelect(mask, a, b);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> ToInt(Vector128<float> a) => Vector128.ConvertToInt32Native(a);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Half(Vector128<int> k) => Vector128.ShiftRightArithmetic(k, 1);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<int> Sub(Vector128<int> a, Vector128<int> b) => a - b;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector128<float> PowerOfTwo(Vector128<int> k) => Vector128.ShiftLeft(k + Vector128.Create(127), 23).AsSingle();
    }
}
