using Autograd.NN;

namespace Autograd.Tests.NN;

public class DropoutTests
{
    [Fact]
    public void MaskHasTheRightStatisticsAndScale()
    {
        // Oracle: each element is zeroed with probability p = 0.3 (Bernoulli), survivors become 1/(1 − p);
        // over n = 200,000 ones the zero fraction has standard error √(p(1 − p)/n) ≈ 0.001 (tolerance 5σ), and E[y] = 1.
        const int n = 200_000;
        var dropout = new Dropout<double>(0.3, new Generator(1));
        var y = dropout.Forward(Tensor.Ones<double>(n)).ToArray();
        double zeros = y.Count(v => v == 0) / (double)n;
        Assert.InRange(zeros, 0.3 - 0.005, 0.3 + 0.005);
        Assert.All(y, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.7) < 1e-15));
        Assert.InRange(y.Average(), 1 - 0.008, 1 + 0.008);
    }

    [Fact]
    public void GradientIsTheScaledMask()
    {
        // Oracle: y = x ⊙ m/(1 − p) ⇒ ∂Σy/∂x = m/(1 − p), which for x = 1 equals y itself.
        var dropout = new Dropout<double>(0.5, new Generator(2));
        var x = Tensor.Ones<double>(1000);
        x.RequiresGrad = true;
        var y = dropout.Forward(x);
        y.Sum().Backward();
        Assert.Equal(y.ToArray(), x.Grad!.ToArray());
    }

    [Fact]
    public void GradientPassesFiniteDifferencesWithAFixedMask()
    {
        // Oracle: finite differences, first and second order; a fresh generator with the same seed per call fixes the mask.
        var x = ModuleGradCheck.Input(9, 3, 4);
        Checking.GradCheck.Assert(xs => Functional.Dropout(xs[0], 0.4, true, new Generator(10)), [x]);
    }

    [Fact]
    public void EvalModeAndZeroProbabilityAreTheIdentity()
    {
        // Oracle: PyTorch's Dropout returns its input unchanged in eval mode and for p = 0.
        var x = Tensor.Randn<float>([4, 5], new Generator(3));
        var dropout = new Dropout<float>(0.9, new Generator(4));
        dropout.Eval();
        Assert.Same(x, dropout.Forward(x));
        Assert.Same(x, new Dropout<float>(0, new Generator(5)).Forward(x));
        // p = 1 drops everything.
        Assert.All(new Dropout<float>(1, new Generator(6)).Forward(x).ToArray(), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout<float>(1.5, new Generator(7)));
    }

    [Fact]
    public void SameSeedGivesTheSameMask()
    {
        // Oracle: the mask depends only on the generator's stream.
        var x = Tensor.Ones<float>(64);
        Assert.Equal(Functional.Dropout(x, 0.5, true, new Generator(8)).ToArray(), new Dropout<float>(0.5, new Generator(8)).Forward(x).ToArray());
    }
}
