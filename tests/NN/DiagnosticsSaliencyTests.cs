using Autograd.NN;

namespace Autograd.Tests.NN;

public class DiagnosticsSaliencyTests
{
    // A linear classifier f(x) = W·x + b with W = [[1, −2, 0.5, 3], [0, 1, −1, 2], [4, 0, 0, −1]], b = [0.1, −0.2, 0.3].
    private static readonly double[] W = [1, -2, 0.5, 3, 0, 1, -1, 2, 4, 0, 0, -1];
    private static readonly double[] X = [0.5, -1, 2, 0.25];

    private static Linear<double> LinearModel()
    {
        var model = new Linear<double>(4, 3, new Generator(1));
        using (Tensor.NoGrad())
        {
            model.Weight.CopyFrom(Tensor.FromArray(W, [3, 4]));
            model.Bias!.CopyFrom(Tensor.FromArray(new double[] { 0.1, -0.2, 0.3 }));
        }
        return model;
    }

    private static Sequential<double> SmallMlp() => new(
        new Linear<double>(4, 6, new Generator(7)), new Tanh<double>(), new Linear<double>(6, 3, new Generator(8)));

    [Fact]
    public void LinearModelInputGradientIsTheWeightRow()
    {
        // ∂(W·x + b)[c]/∂x = W[c, :]; gradient × input = x ⊙ W[c, :].
        var model = LinearModel();
        var x = Tensor.FromArray(X);
        Assert.Equal(W[4..8], Saliency.InputGradient(model, x, 1).ToArray());
        Assert.Equal(X.Zip(W[8..12], (a, w) => a * w), Saliency.GradientTimesInput(model, x, 2).ToArray());
        Assert.Equal([4], Saliency.InputGradient(model, x, 1).Shape);
    }

    [Fact]
    public void LinearModelIntegratedGradientsAreExact()
    {
        // For f linear the gradient is W[c] all along the path, so IG = (x − x′) ⊙ W[c] for any step count, and
        // Σ IG = W[c]·(x − x′) = f(x) − f(x′) exactly (relative gap at rounding level).
        var model = LinearModel();
        double[] baseline = [1, 1, -1, 0];
        var result = Saliency.IntegratedGradients(model, Tensor.FromArray(X), 0, Tensor.FromArray(baseline), steps: 3);
        var expected = X.Select((x, i) => (x - baseline[i]) * W[i]).ToArray();
        var actual = result.Attributions.ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 12);
        // f0(x) = 0.5 + 2 + 1 + 0.75 + 0.1 = 4.35; f0(x′) = 1 − 2 − 0.5 + 0 + 0.1 = −1.4.
        Assert.Equal(4.35, result.Score, 12);
        Assert.Equal(-1.4, result.BaselineScore, 12);
        Assert.Equal(5.75, result.AttributionSum, 12);
        Assert.True(result.RelativeGap < 1e-12, $"gap {result.RelativeGap}");
    }

    [Fact]
    public void LinearModelSmoothGradIsTheWeightRow()
    {
        // The gradient of a linear map does not depend on x, so averaging it over noisy copies changes nothing.
        var grad = Saliency.SmoothGrad(LinearModel(), Tensor.FromArray(X), 2, new Generator(3), samples: 7, noiseLevel: 0.5).ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(W[8 + i], grad[i], 12);
    }

    [Fact]
    public void NonlinearInputGradientMatchesFiniteDifferences()
    {
        // Oracle: central differences (f(x + h eᵢ) − f(x − h eᵢ)) / 2h of the model's class-1 score, h = 1e-6.
        var model = SmallMlp();
        var grad = Saliency.InputGradient(model, Tensor.FromArray(X), 1).ToArray();
        for (int i = 0; i < 4; i++)
        {
            double Score(double delta)
            {
                var x = (double[])X.Clone();
                x[i] += delta;
                return model.Forward(Tensor.FromArray(x, [1, 4])).ToArray()[1];
            }
            Assert.Equal((Score(1e-6) - Score(-1e-6)) / 2e-6, grad[i], 7);
        }
    }

    [Fact]
    public void NonlinearIntegratedGradientsCompletenessImprovesWithSteps()
    {
        // Completeness: Σ IG → f(x) − f(x′) as m → ∞ (fundamental theorem of calculus along the path); the midpoint
        // rule's error falls like 1/m², so 200 steps are far closer than 2.
        var model = SmallMlp();
        var x = Tensor.FromArray(X);
        var coarse = Saliency.IntegratedGradients(model, x, 0, steps: 2);
        var fine = Saliency.IntegratedGradients(model, x, 0, steps: 200);
        Assert.True(fine.RelativeGap < 1e-3, $"gap {fine.RelativeGap}");
        Assert.True(fine.RelativeGap < coarse.RelativeGap / 100, $"gaps {coarse.RelativeGap} then {fine.RelativeGap}");
        // f(x) is the model's own class-0 output; f(0) likewise.
        Assert.Equal(model.Forward(Tensor.FromArray(X, [1, 4])).ToArray()[0], fine.Score, 12);
        Assert.Equal(model.Forward(Tensor.Zeros<double>(1, 4)).ToArray()[0], fine.BaselineScore, 12);
    }

    [Fact]
    public void SmoothGradWithoutNoiseIsTheInputGradientAndTouchesNoParameter()
    {
        // σ = 0: every copy is x itself. The model's mode is restored and no parameter gets a Grad.
        var model = SmallMlp();
        model.Train();
        var x = Tensor.FromArray(X);
        var plain = Saliency.InputGradient(model, x, 2).ToArray();
        var smooth = Saliency.SmoothGrad(model, x, 2, new Generator(1), samples: 3, noiseLevel: 0).ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(plain[i], smooth[i], 12);
        Assert.True(model.IsTraining);
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void BadTargetAndBaselineFailByName()
    {
        var model = LinearModel();
        var x = Tensor.FromArray(X);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Saliency.InputGradient(model, x, 3));
        Assert.Contains("target class 3 is outside 0..2 (model output shape [1, 3])", error.Message);
        var shape = Assert.Throws<ArgumentException>(() => Saliency.IntegratedGradients(model, x, 0, Tensor.Zeros<double>(3)));
        Assert.Contains("IntegratedGradients: baseline shape [3] differs from input shape [4]", shape.Message);
    }
}
