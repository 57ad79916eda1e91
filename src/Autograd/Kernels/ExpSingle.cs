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
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var zero = Vector512.LessThan(x, Vector512.Create(Lo));
        var v = Vector512.Min(Vector512.ConditionalSelect(zero, Vector512<float>.Zero, x), Vector512.Create(Hi));
        var n = Vector512.Round(v * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), v);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        p = Vector512.FusedMultiplyAdd(p, r * r, r) + Vector512<float>.One;
        var k = Vector512.ConvertToInt32Native(n);
        var half = Vector512.ShiftRightArithmetic(k, 1);
        var bias = Vector512.Create(127);
        var s1 = Vector512.ShiftLeft(half + bias, 23).AsSingle();
        var s2 = Vector512.ShiftLeft(k - half + bias, 23).AsSingle();
        return Vector512.ConditionalSelect(zero, Vector512<float>.Zero, p * s1 * s2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var zero = Vector256.LessThan(x, Vector256.Create(Lo));
        var v = Vector256.Min(Vector256.ConditionalSelect(zero, Vector256<float>.Zero, x), Vector256.Create(Hi));
        var n = Vector256.Round(v * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), v);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        p = Vector256.FusedMultiplyAdd(p, r * r, r) + Vector256<float>.One;
        var k = Vector256.ConvertToInt32Native(n);
        var half = Vector256.ShiftRightArithmetic(k, 1);
        var bias = Vector256.Create(127);
        var s1 = Vector256.ShiftLeft(half + bias, 23).AsSingle();
        var s2 = Vector256.ShiftLeft(k - half + bias, 23).AsSingle();
        return Vector256.ConditionalSelect(zero, Vector256<float>.Zero, p * s1 * s2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        var zero = Vector128.LessThan(x, Vector128.Create(Lo));
        var v = Vector128.Min(Vector128.ConditionalSelect(zero, Vector128<float>.Zero, x), Vector128.Create(Hi));
        var n = Vector128.Round(v * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), v);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        p = Vector128.FusedMultiplyAdd(p, r * r, r) + Vector128<float>.One;
        var k = Vector128.ConvertToInt32Native(n);
        var half = Vector128.ShiftRightArithmetic(k, 1);
        var bias = Vector128.Create(127);
        var s1 = Vector128.ShiftLeft(half + bias, 23).AsSingle();
        var s2 = Vector128.ShiftLeft(k - half + bias, 23).AsSingle();
        return Vector128.ConditionalSelect(zero, Vector128<float>.Zero, p * s1 * s2);
    }

    /// <summary>eˣ − 1 for x ≤ 0 (NaN stays NaN), without the cancellation of Exp(x) − 1 near 0: with x = n·ln 2 + r as in
    /// Exp, eˣ − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1), where eʳ − 1 = r + r²·P(r) is computed directly and 2ⁿ − 1 is exact for
    /// n ≥ −24; x is raised to −40 first (e⁻⁴⁰ − 1 rounds to −1), so 2ⁿ stays a normal float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Expm1OfNonPositive(Vector512<float> x)
    {
        var v = Vector512.Max(x, Vector512.Create(-40f));
        var n = Vector512.Round(v * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), v);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(P5));
        var q = Vector512.FusedMultiplyAdd(p, r * r, r);
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.FusedMultiplyAdd(scale, q, scale - Vector512<float>.One);
    }

    /// <summary>eˣ − 1 for x ≤ 0 (NaN stays NaN), without the cancellation of Exp(x) − 1 near 0: with x = n·ln 2 + r as in
    /// Exp, eˣ − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1), where eʳ − 1 = r + r²·P(r) is computed directly and 2ⁿ − 1 is exact for
    /// n ≥ −24; x is raised to −40 first (e⁻⁴⁰ − 1 rounds to −1), so 2ⁿ stays a normal float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Expm1OfNonPositive(Vector256<float> x)
    {
        var v = Vector256.Max(x, Vector256.Create(-40f));
        var n = Vector256.Round(v * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), v);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(P5));
        var q = Vector256.FusedMultiplyAdd(p, r * r, r);
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.FusedMultiplyAdd(scale, q, scale - Vector256<float>.One);
    }

    /// <summary>eˣ − 1 for x ≤ 0 (NaN stays NaN), without the cancellation of Exp(x) − 1 near 0: with x = n·ln 2 + r as in
    /// Exp, eˣ − 1 = 2ⁿ·(eʳ − 1) + (2ⁿ − 1), where eʳ − 1 = r + r²·P(r) is computed directly and 2ⁿ − 1 is exact for
    /// n ≥ −24; x is raised to −40 first (e⁻⁴⁰ − 1 rounds to −1), so 2ⁿ stays a normal float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Expm1OfNonPositive(Vector128<float> x)
    {
        var v = Vector128.Max(x, Vector128.Create(-40f));
        var n = Vector128.Round(v * Vector128.Create(Log2E));
        var r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), v);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        var p = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P2));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P3));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P4));
        p = Vector128.FusedMultiplyAdd(p, r, Vector128.Create(P5));
        var q = Vector128.FusedMultiplyAdd(p, r * r, r);
        var scale = Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(127), 23).AsSingle();
        return Vector128.FusedMultiplyAdd(scale, q, scale - Vector128<float>.One);
    }
}
