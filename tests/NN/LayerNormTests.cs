using Autograd.NN;

namespace Autograd.Tests.NN;

public class LayerNormTests
{
    [Fact]
    public void NormalisesEachSampleOverTrailingDims()
    {
        // Oracle (hand computation): row [1, 2, 3, 4] has mean 2.5 and biased variance 1.25, so
        // y = (x − 2.5)/√(1.25 + 1e-5); row [2, 2, 2, 2] has variance 0, so y = 0.
        var ln = new LayerNorm<double>(4);
        var y = ln.Forward(Tensor.FromArray(new double[] { 1, 2, 3, 4, 2, 2, 2, 2 }, [2, 4])).ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal((i + 1 - 2.5) / Math.Sqrt(1.25 + 1e-5), y[i], 12);
        for (int i = 4; i < 8; i++) Assert.Equal(0.0, y[i], 12);
    }

    [Fact]
    public void AffineScalesAndShiftsElementwise()
    {
        // Oracle: y = x̂·γ + β; x̂ of [1, 2, 3, 4] is ±1.3416/±0.4472 (= (x − 2.5)/√1.25), γ = [1, 2, 3, 4], β = 1.
        var ln = new LayerNorm<double>(4, eps: 0);
        using (Tensor.NoGrad())
        {
            ln.Weight!.CopyFrom(Tensor.FromArray(new double[] { 1, 2, 3, 4 }));
            ln.Bias!.CopyFrom(Tensor.Full([4], 1.0));
        }
        var y = ln.Forward(Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [1, 4])).ToArray();
        double s = Math.Sqrt(1.25);
        Assert.Equal(new[] { -1.5 / s + 1, -0.5 / s * 2 + 1, 0.5 / s * 3 + 1, 1.5 / s * 4 + 1 }, y, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void GradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, over one and two trailing dims.
        var g = new Generator(1);
        var ln = new LayerNorm<double>(4);
        Init.Normal(ln.Weight!, g);
        Init.Normal(ln.Bias!, g);
        ModuleGradCheck.Assert(ln, ModuleGradCheck.Input(2, 3, 4));
        ModuleGradCheck.Assert(new LayerNorm<double>([2, 3]), ModuleGradCheck.Input(3, 2, 2, 3));
        ModuleGradCheck.Assert(new LayerNorm<double>(3, elementwiseAffine: false), ModuleGradCheck.Input(4, 2, 3));
    }

    [Fact]
    public void MismatchedTrailingShapeFailsByName()
    {
        // Oracle: the normalized shape [4] must be the input's last dim.
        var error = Assert.Throws<ArgumentException>(() => new LayerNorm<float>(4).Forward(Tensor.Zeros<float>(2, 5)));
        Assert.Equal("LayerNorm: input shape [2, 5] does not end with the normalized shape [4]", error.Message);
    }
}
