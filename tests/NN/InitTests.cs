using Autograd.NN;

namespace Autograd.Tests.NN;

public class InitTests
{
    private static (double Mean, double Variance) Moments(Tensor<double> t)
    {
        var v = t.ToArray();
        double mean = v.Average();
        return (mean, v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    /// <summary>Sample mean within 5 standard errors of 0, sample variance within 2% of the formula (n = 200,000:
    /// the relative standard error of a sample variance is √((κ − 1)/n) ≤ 0.32%).</summary>
    private static void AssertMoments(Tensor<double> t, double expectedVariance)
    {
        var (mean, variance) = Moments(t);
        Assert.InRange(mean, -5 * Math.Sqrt(expectedVariance / t.NumElements), 5 * Math.Sqrt(expectedVariance / t.NumElements));
        Assert.InRange(variance / expectedVariance, 0.98, 1.02);
    }

    [Fact]
    public void FansFollowPyTorch()
    {
        // Oracle: fan_in = in·Πk, fan_out = out·Πk (torch.nn.init._calculate_fan_in_and_fan_out).
        Assert.Equal((5, 3), Init.Fans([3, 5]));
        Assert.Equal((8 * 3 * 3, 16 * 3 * 3), Init.Fans([16, 8, 3, 3]));
        Assert.Throws<ArgumentException>(() => Init.Fans([7]));
    }

    [Fact]
    public void GainsMatchTheTable()
    {
        // Oracle: torch.nn.init.calculate_gain's table.
        Assert.Equal(1.0, Init.CalculateGain(Nonlinearity.Linear));
        Assert.Equal(5.0 / 3, Init.CalculateGain(Nonlinearity.Tanh));
        Assert.Equal(Math.Sqrt(2), Init.CalculateGain(Nonlinearity.Relu));
        Assert.Equal(Math.Sqrt(2 / (1 + 0.2 * 0.2)), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2), 15);
        Assert.Equal(Math.Sqrt(1.0 / 3), Init.CalculateGain(Nonlinearity.LeakyRelu, Math.Sqrt(5)), 15);
    }

    [Fact]
    public void XavierVarianceIsTwoOverFanSum()
    {
        // Oracle: Glorot & Bengio (2010): Var = gain²·2/(fan_in + fan_out); U(−a, a) has variance a²/3.
        var g = new Generator(1);
        AssertMoments(Init.XavierUniform(Tensor.Zeros<double>(500, 400), g), 2.0 / 900);
        AssertMoments(Init.XavierNormal(Tensor.Zeros<double>(500, 400), g, gain: 2), 4 * 2.0 / 900);
        var u = Init.XavierUniform(Tensor.Zeros<double>(500, 400), g).ToArray();
        Assert.True(u.Max() <= Math.Sqrt(6.0 / 900) && u.Min() >= -Math.Sqrt(6.0 / 900));
    }

    [Fact]
    public void KaimingVarianceIsGainSquaredOverFan()
    {
        // Oracle: He et al. (2015): Var = gain²/fan; relu gain² = 2; fan_out of [400, 500] is 400; leaky a: 2/(1 + a²).
        var g = new Generator(2);
        AssertMoments(Init.KaimingNormal(Tensor.Zeros<double>(400, 500), g, nonlinearity: Nonlinearity.Relu), 2.0 / 500);
        AssertMoments(Init.KaimingNormal(Tensor.Zeros<double>(400, 500), g, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu), 2.0 / 400);
        AssertMoments(Init.KaimingUniform(Tensor.Zeros<double>(400, 500), g, a: 0.5), 2.0 / (1 + 0.25) / 500);
        // Conv weight [outC, inC, kH, kW] = [50, 16, 5, 5]: fan_in = 16·25 = 400.
        AssertMoments(Init.KaimingUniform(Tensor.Zeros<double>(50, 16, 5, 5), g, nonlinearity: Nonlinearity.Relu), 2.0 / 400);
    }

    [Fact]
    public void NormalAndUniformHaveTheirMoments()
    {
        // Oracle: N(μ, σ²) has variance σ²; U(a, b) has mean (a+b)/2 and variance (b − a)²/12.
        var g = new Generator(3);
        AssertMoments(Init.Normal(Tensor.Zeros<double>(200_000), g, 0, 0.5), 0.25);
        var u = Init.Uniform(Tensor.Zeros<double>(200_000), g, -2, 2);
        AssertMoments(u, 16.0 / 12);
        Assert.All(Init.Ones(Tensor.Zeros<float>(3, 2)).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Init.Zeros(Tensor.Ones<float>(3, 2)).ToArray(), v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(new[] { 6, 4 }, 1.0)]
    [InlineData(new[] { 4, 6 }, 1.0)]
    [InlineData(new[] { 3, 2, 2, 2 }, 2.0)]
    [InlineData(new[] { 50, 50 }, 1.0)]
    public void OrthogonalGivesOrthonormalRowsOrColumns(int[] shape, double gain)
    {
        // Oracle: WᵀW = gain²·I when rows ≥ cols, else WWᵀ = gain²·I (Saxe et al. 2014), computed here by plain loops.
        var w = Init.Orthogonal(Tensor.Zeros<double>(shape), new Generator(4), gain).ToArray();
        int rows = shape[0], cols = w.Length / rows;
        bool tall = rows >= cols;
        int n = tall ? cols : rows, m = tall ? rows : cols;
        double At(int vector, int k) => tall ? w[k * cols + vector] : w[vector * cols + k];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dot = 0;
                for (int k = 0; k < m; k++) dot += At(i, k) * At(j, k);
                Assert.Equal(i == j ? gain * gain : 0, dot, 1e-12);
            }
    }

    [Fact]
    public void LinearDefaultInitIsBoundedByOneOverSqrtIn()
    {
        // Oracle: PyTorch's Linear.reset_parameters: kaiming_uniform(a=√5) ⇒ bound √(1/3)·√(3/in) = 1/√in; bias U(±1/√in).
        var layer = new Linear<double>(400, 300, new Generator(5));
        double bound = 1 / Math.Sqrt(400);
        var w = layer.Weight.ToArray();
        Assert.True(w.Max() <= bound && w.Min() >= -bound);
        Assert.True(w.Max() > 0.99 * bound && w.Min() < -0.99 * bound);
        AssertMoments(layer.Weight, bound * bound / 3);
        Assert.All(layer.Bias!.ToArray(), b => Assert.InRange(b, -bound, bound));
    }
}
