using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// σ and tanh on whole vectors for the recurrent cells, which evaluate five of them per hidden unit and step. In double
/// they are <see cref="SigmoidFunction{T}"/> and <see cref="TanhFunction{T}"/> (the platform's vector exp); in float the
/// exp is evaluated in float itself (the platform's float exp widens to double lanes, about twice the work):
/// eˣ = 2ⁿ·e^r with n = round(x·log₂e) and r = x − n·ln 2 (ln 2 in two parts, Cody and Waite's reduction), e^r on
/// |r| ≤ ½ln 2 by its Taylor polynomial to degree 7 (the first term left out, r⁸/8! ≤ 5·10⁻⁹, is a tenth of float's
/// half ulp), and 2ⁿ put into the exponent bits. Measured against double exp over [−87, 88]: within 2 float ulp.
/// Only fused multiply-adds and exact steps, so the bits are the same on every machine and at every address.
/// </summary>
internal static class CellMath
{
    private const float Log2E = 1.44269504088896341f, Ln2Hi = 0.693145751953125f, Ln2Lo = 1.42860682030941723e-6f;
    private const float Low = -87.33654f, High = 88.72283f;

    /// <summary>σ(x) = 1/(1 + e^(−x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Sigmoid<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float)
            ? (Vector256<float>.One / (Vector256<float>.One + Exp(-x.AsSingle()))).As<float, T>()
            : SigmoidFunction<T>.Invoke(x);

    /// <summary>tanh x = sign(x)·(−z/(z + 2)) with z = e^(−2|x|) − 1, as <see cref="TanhFunction{T}"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Tanh<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) != typeof(float)) return TanhFunction<T>.Invoke(x);
        var v = x.AsSingle();
        var z = Exp(Vector256.Create(-2f) * Vector256.Abs(v)) - Vector256<float>.One;
        return Vector256.CopySign(-z / (z + Vector256.Create(2f)), v).As<float, T>();
    }

    /// <summary>eˣ in float (see the class summary): 0 below −87.34 (where e^x is subnormal), ∞ above 88.72, NaN kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        var clamped = Vector256.Min(Vector256.Max(x, Vector256.Create(Low)), Vector256.Create(High));
        var n = Vector256.Round(clamped * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.Create(1f / 5040);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 720));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 120));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 24));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(1f / 6));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(0.5f));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        p = Vector256.FusedMultiplyAdd(p, r, Vector256<float>.One);
        // 2ⁿ for n in [−126, 128]: n + 127 in the exponent field; n = 128 (x near 88.72) is built as 2·2¹²⁷.
        var ni = Vector256.ConvertToInt32(n);
        var top = Vector256.GreaterThan(ni, Vector256.Create(127));
        var scale = ((Vector256.Min(ni, Vector256.Create(127)) + Vector256.Create(127)) << 23).AsSingle();
        var result = p * scale * Vector256.ConditionalSelect(top.AsSingle(), Vector256.Create(2f), Vector256<float>.One);
        // Below the range e^x is 0 (not the clamp's value), above it ∞; NaN stays NaN.
        result = Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(Low)), Vector256<float>.Zero, result);
        result = Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(High)), Vector256.Create(float.PositiveInfinity), result);
        return Vector256.ConditionalSelect(Vector256.Equals(x, x), result, x);
    }
}
