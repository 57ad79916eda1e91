using System.Runtime.Intrinsics;
using Autograd.Kernels;
using Xunit;

namespace Autograd.Tests.Kernels;

/// <summary><see cref="ExpSingle"/>, the float exp every float op's eˣ goes through.</summary>
public class ExpSingleTests
{
    /// <summary>Distance in units in the last place between two finite floats of the same sign (or zeros).</summary>
    private static long Ulps(float a, float b) => Math.Abs((long)BitConverter.SingleToInt32Bits(a) - BitConverter.SingleToInt32Bits(b));

    [Fact]
    public void IsWithinOneUlpOfTheCorrectlyRoundedValue()
    {
        // Oracle: Math.Exp in double, rounded to float (double's 53 bits leave the float rounding exact except in
        // ties a double cannot resolve, which a 1-ulp bound absorbs). Every 61st float from −104 to 89: both ends of
        // the range (subnormal results below −87.3, results near float.MaxValue above 88.7) and everything between.
        long worst = 0, points = 0;
        float at = 0;
        // A negative float's bits, read as an int, fall towards int.MinValue (−0) as its magnitude falls.
        for (int bits = BitConverter.SingleToInt32Bits(-104f); bits >= int.MinValue + 61; bits -= 61) Check(BitConverter.Int32BitsToSingle(bits));
        for (int bits = 0; bits <= BitConverter.SingleToInt32Bits(89f); bits += 61) Check(BitConverter.Int32BitsToSingle(bits));
        Assert.True(points > 2_000_000, $"{points} points");
        Assert.True(worst <= 1, $"exp({at:R}) is {worst} ulps from the correctly rounded value");

        void Check(float x)
        {
            long u = Ulps(ExpSingle.Exp(Vector128.Create(x)).ToScalar(), (float)Math.Exp(x));
            points++;
            if (u > worst) (worst, at) = (u, x);
        }
    }

    [Theory]
    [InlineData(0f, 1f)] // e⁰ = 1 exactly
    [InlineData(1f, 2.71828183f)] // e rounded to float
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity, 0f)]
    [InlineData(89f, float.PositiveInfinity)] // e⁸⁹ ≈ 4.5·10³⁸ > float.MaxValue ≈ 3.4·10³⁸
    [InlineData(1000f, float.PositiveInfinity)]
    [InlineData(-104f, 0f)] // e⁻¹⁰⁴ ≈ 6.8·10⁻⁴⁶, below half the smallest subnormal 2⁻¹⁴⁹ ≈ 1.4·10⁻⁴⁵
    [InlineData(-103.972084f, 0f)] // the float just below −150·ln 2: e^x < 2⁻¹⁵⁰, rounds to 0
    [InlineData(-103.97207f, float.Epsilon)] // the float just above: e^x > 2⁻¹⁵⁰, rounds up to 2⁻¹⁴⁹
    [InlineData(-90f, 8.19401e-40f)] // a subnormal result, e⁻⁹⁰ ≈ 8.194·10⁻⁴⁰
    [InlineData(-1000f, 0f)]
    public void GivesTheLimitsAndExactValues(float x, float expected)
    {
        // Oracle: the values stated beside each case.
        Assert.Equal(expected, ExpSingle.Exp(Vector128.Create(x)).ToScalar());
        Assert.Equal(expected, ExpSingle.Exp(Vector512.Create(x)).ToScalar());
    }

    [Fact]
    public void PropagatesNaN()
    {
        // Oracle: IEEE 754, exp(NaN) = NaN; the neighbouring lanes are unaffected (e⁰ = e⁻⁰ = 1).
        var y = ExpSingle.Exp(Vector256.Create(float.NaN, 0, -0f, 0, 0, 0, 0, 0));
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(1f, y[1]);
        Assert.Equal(1f, y[2]);
    }

    [Fact]
    public void EveryWidthGivesTheSameBits()
    {
        // Oracle: the 128-bit form, lane by lane. Each lane is computed alone, so 256- and 512-bit vectors of the same
        // values give the same bits in every lane (VectorMap relies on this for tails and short spans).
        var g = new Random(7);
        var x = new float[16 * 4096];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(g.NextDouble() * 200 - 105);
        for (int i = 0; i < x.Length; i += 16)
        {
            var wide = ExpSingle.Exp(Vector512.Create(x.AsSpan(i, 16)));
            var mid = ExpSingle.Exp(Vector256.Create(x.AsSpan(i + 8, 8)));
            for (int j = 0; j < 16; j++)
            {
                float narrow = ExpSingle.Exp(Vector128.Create(x[i + j])).ToScalar();
                Assert.Equal(BitConverter.SingleToInt32Bits(narrow), BitConverter.SingleToInt32Bits(wide[j]));
                if (j >= 8) Assert.Equal(BitConverter.SingleToInt32Bits(narrow), BitConverter.SingleToInt32Bits(mid[j - 8]));
            }
        }
    }

    [Fact]
    public void Expm1OfNonPositiveIsWithinOneUlpWithoutCancellingNearZero()
    {
        // Oracle: eˣ − 1 in double: x + x²/2 + x³/6 below 10⁻⁴ in magnitude (the next term is under 10⁻¹² of it), else
        // Math.Exp(x) − 1 (its cancellation costs at most 10⁻¹² relative there). Every 61st float from −50 to −0, and
        // the −1 the clamp at −40 gives further out.
        long worst = 0;
        float at = 0;
        for (int bits = BitConverter.SingleToInt32Bits(-50f); bits >= int.MinValue + 61; bits -= 61)
        {
            float x = BitConverter.Int32BitsToSingle(bits);
            double e = x > -1e-4 ? x + (double)x * x / 2 + (double)x * x * x / 6 : Math.Exp(x) - 1;
            long u = Ulps(ExpSingle.Expm1OfNonPositive(Vector128.Create(x)).ToScalar(), (float)e);
            if (u > worst) (worst, at) = (u, x);
        }
        Assert.True(worst <= 1, $"expm1({at:R}) is {worst} ulps from the correctly rounded value");
        Assert.Equal(-1f, ExpSingle.Expm1OfNonPositive(Vector512.Create(float.NegativeInfinity)).ToScalar());
        Assert.Equal(0f, ExpSingle.Expm1OfNonPositive(Vector256.Create(0f)).ToScalar());
        Assert.True(float.IsNaN(ExpSingle.Expm1OfNonPositive(Vector256.Create(float.NaN)).ToScalar()));
    }
}
