using System.Runtime.Intrinsics;
using Autograd.Kernels;
using Xunit;

namespace Autograd.Tests.Kernels;

/// <summary>The vector tanh every tanh op and the fused recurrent cells use, near 0 above all.</summary>
public class TanhAccuracyTests
{
    /// <summary>Values from 10⁻³⁰ to 20, both signs: 25 per decade, where the series and the exp formula meet too.</summary>
    private static IEnumerable<double> Grid()
    {
        for (int i = -750; i <= 33; i++)
        {
            double v = Math.Pow(10, i / 25.0);
            yield return v;
            yield return -v;
        }
    }

    [Fact]
    public void FloatIsWithinTwoUlpsOfTheCorrectlyRoundedValue()
    {
        // Oracle: Math.Tanh in double rounded to float. Before the series, tanh(10⁻⁵) was 15 000 ulps off (0.14%).
        foreach (double d in Grid())
        {
            float x = (float)d, expected = (float)Math.Tanh(x);
            float y = TanhFunction<float>.Invoke(Vector128.Create(x)).ToScalar();
            float ulp = MathF.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(y - expected) <= 2 * ulp, $"tanh({x:R}) = {y:R}, expected {expected:R}");
            Assert.Equal(y, TanhFunction<float>.Invoke(Vector512.Create(x)).ToScalar());
        }
    }

    [Fact]
    public void DoubleIsWithinFourUlpsOfMathTanh()
    {
        // Oracle: Math.Tanh (itself within an ulp or so of the exact value).
        foreach (double x in Grid())
        {
            double expected = Math.Tanh(x), y = TanhFunction<double>.Invoke(Vector256.Create(x)).ToScalar();
            double ulp = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
            Assert.True(Math.Abs(y - expected) <= 4 * ulp, $"tanh({x:R}) = {y:R}, expected {expected:R}");
        }
    }

    [Fact]
    public void TheOpKeepsTinyActivations()
    {
        // Oracle: tanh x = x(1 − x²/3 + …), so tanh of 10⁻⁶ or −3·10⁻⁸ in float is x to float precision (within the
        // 2 ulps stated above; e^(−2|x|) − 1 cancelled there).
        float[] x = [1e-6f, -3e-8f];
        var y = Tensor.FromArray(x).Tanh().ToArray();
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(y[i] - x[i]) <= 2 * (MathF.BitIncrement(Math.Abs(x[i])) - Math.Abs(x[i])), $"tanh({x[i]:R}) = {y[i]:R}");
        Assert.Equal(0f, Tensor.FromArray(new[] { 0f }).Tanh().ToArray()[0]);
    }
}
