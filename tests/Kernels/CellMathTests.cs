using System.Runtime.Intrinsics;
using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

/// <summary>The float exp, σ and tanh of the recurrent cells (<see cref="CellMath"/>).</summary>
public class CellMathTests
{
    private static float[] Apply(Func<Vector256<float>, Vector256<float>> f, float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i < x.Length; i += 8)
        {
            var block = new float[8];
            Array.Copy(x, i, block, 0, Math.Min(8, x.Length - i));
            var r = f(Vector256.Create(block));
            for (int k = 0; k < 8 && i + k < x.Length; k++) y[i + k] = r[k];
        }
        return y;
    }

    [Fact]
    public void ExpIsWithinTwoFloatUlpOfDoubleExpOverItsRange()
    {
        // Oracle: Math.Exp in double, rounded to float; an ulp is that float's spacing (subnormal results: the smallest).
        var x = Enumerable.Range(0, 200_001).Select(i => -87f + 175.7f * i / 200_000).ToArray();
        var y = Apply(CellMath.Exp, x);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = (float)Math.Exp(x[i]);
            float ulp = Math.Max(MathF.BitIncrement(expected) - expected, float.Epsilon);
            Assert.True(Math.Abs(y[i] - expected) <= 2 * ulp, $"exp({x[i]:R}) = {y[i]:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void ExpEdgesAndTheCellFunctionsAgreeWithDouble()
    {
        // Oracle: e^x's limits (0 below the range, ∞ above, NaN kept, e⁰ = 1 exactly); σ and tanh against double
        // formulas, within 4·10⁻⁷ absolute (a few float ulp of values up to 1).
        float[] edges = [float.NegativeInfinity, -1000f, -88f, 0f, 89f, 1000f, float.PositiveInfinity, float.NaN];
        var e = Apply(CellMath.Exp, edges);
        Assert.Equal([0f, 0f, 0f, 1f, float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity], e[..7]);
        Assert.True(float.IsNaN(e[7]));
        var x = Enumerable.Range(0, 4001).Select(i => -20f + 40f * i / 4000).ToArray();
        var s = Apply(CellMath.Sigmoid, x);
        var t = Apply(CellMath.Tanh, x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(Math.Abs(s[i] - 1 / (1 + Math.Exp(-x[i]))) <= 4e-7, $"σ({x[i]}) = {s[i]}");
            Assert.True(Math.Abs(t[i] - Math.Tanh(x[i])) <= 4e-7, $"tanh({x[i]}) = {t[i]}");
        }
    }
}
