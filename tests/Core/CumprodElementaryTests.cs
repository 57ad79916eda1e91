using Autograd.Checking;

namespace Autograd.Tests.Core;

/// <summary>Cumprod (values, gradients with zeros, second order) and Log1p, Expm1, Round, Floor, Ceil on hand-derived cases.</summary>
public class CumprodElementaryTests
{
    private static Tensor<double> Leaf(double[] data, params int[] shape) => Tensor.FromArray(data, shape, requiresGrad: true);

    [Fact]
    public void CumprodValuesAlongEachDim()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [2, 3]);
        // rows [1, 2, 3] → [1, 2, 6]; [4, 5, 6] → [4, 20, 120]
        Assert.Equal([1.0, 2, 6, 4, 20, 120], x.Cumprod(1).ToArray());
        // columns: first row unchanged, second row [1·4, 2·5, 3·6]
        Assert.Equal([1.0, 2, 3, 4, 10, 18], x.Cumprod(0).ToArray());
        Assert.Equal(5.0, Tensor.Scalar(5.0).Cumprod(0).Item());
    }

    [Fact]
    public void CumprodGradientWithoutZeros()
    {
        var x = Leaf([2.0, 3, 4], 3);
        x.Cumprod(0).Sum().Backward();
        // L = x₀ + x₀x₁ + x₀x₁x₂: ∂/∂x₀ = 1 + x₁ + x₁x₂ = 16, ∂/∂x₁ = x₀ + x₀x₂ = 10, ∂/∂x₂ = x₀x₁ = 6
        Assert.Equal([16.0, 10, 6], x.Grad!.ToArray());
    }

    [Fact]
    public void CumprodGradientIsExactAtZeros()
    {
        var x = Leaf([2.0, 0, 3, 4], 4);
        x.Cumprod(0).Sum().Backward();
        // L = x₀ + x₀x₁ + x₀x₁x₂ + x₀x₁x₂x₃ at x₁ = 0: ∂/∂x₀ = 1 + x₁(…) = 1;
        // ∂/∂x₁ = x₀ + x₀x₂ + x₀x₂x₃ = 2 + 6 + 24 = 32; ∂/∂x₂ = x₀x₁(1 + x₃) = 0; ∂/∂x₃ = x₀x₁x₂ = 0
        Assert.Equal([1.0, 32, 0, 0], x.Grad!.ToArray());

        // Two zeros: only terms missing both survive; ∂/∂x₁ = x₀ + x₀x₂ + x₀x₂x₃ with x₂ = 0 → x₀ = 2, ∂/∂x₂ = x₀x₁(1 + x₃) = 0.
        var two = Leaf([2.0, 0, 0, 4], 4);
        two.Cumprod(0).Sum().Backward();
        Assert.Equal([1.0, 2, 0, 0], two.Grad!.ToArray());

        // Against central finite differences (the oracle) at lanes holding zeros, first and second order.
        var lanes = Leaf([0.0, 1.5, -2, 0.7, 1.2, 0, -0.5, 0], 2, 4);
        Assert.True(GradCheck.Check(xs => xs[0].Cumprod(1), [lanes]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(xs => xs[0].Cumprod(1), [lanes]).Passed);
    }

    [Fact]
    public void CumprodSecondOrderHandDerived()
    {
        var x = Leaf([2.0, 3], 2);
        // L = Σ y = x₀ + x₀x₁: ∇L = [1 + x₁, x₀] = [4, 2]; Σ∇L = 1 + x₁ + x₀, so its gradient is [1, 1].
        var grad = Tensor.Grad([x.Cumprod(0).Sum()], [x], createGraph: true)[0]!;
        Assert.Equal([4.0, 2], grad.ToArray());
        Assert.Equal([1.0, 1], Tensor.Grad([grad.Sum()], [x])[0]!.ToArray());
    }

    [Fact]
    public void CumprodRejectsABadDim()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => Tensor.FromArray([1.0, 2], [2]).Cumprod(1));
        Assert.Contains("Cumprod", error.Message);
    }

    [Fact]
    public void Log1pAndExpm1AreAccurateNearZero()
    {
        // Taylor: log1p(x) = x − x²/2 + x³/3 − …, expm1(x) = x + x²/2 + x³/6 + …; at x = 1e-10 the cubic term is 3e-31,
        // far below double's resolution of the answer (1e-10·2.2e-16), so two terms are exact to rounding.
        const double x = 1e-10;
        var t = Tensor.FromArray([x, -x, 1e-300], [3]);
        var log1p = t.Log1p().ToArray();
        Assert.Equal(x - x * x / 2, log1p[0], 1e-25);
        Assert.Equal(-x - x * x / 2, log1p[1], 1e-25);
        Assert.Equal(1e-300, log1p[2]);
        var expm1 = t.Expm1().ToArray();
        Assert.Equal(x + x * x / 2, expm1[0], 1e-25);
        Assert.Equal(-x + x * x / 2, expm1[1], 1e-25);
        // The naive forms lose everything: log(1 + 1e-10) computed from fl(1 + 1e-10) is off by about 8e-18 ≫ 1e-25.
        Assert.True(Math.Abs(Math.Log(1 + x) - (x - x * x / 2)) > 1e-20);

        // Float: fl(1 + 1e-6f) has only 7 digits; the corrected kernel gives x − x²/2 to float precision (≈ 6e-14 here).
        var f = Tensor.FromArray([1e-6f], [1]);
        Assert.Equal(1e-6 - 0.5e-12, f.Log1p().Item(), 1e-13);
        Assert.Equal(1e-6 + 0.5e-12, f.Expm1().Item(), 1e-13);
    }

    [Fact]
    public void Log1pAndExpm1SpecialValues()
    {
        var t = Tensor.FromArray([-1.0, double.PositiveInfinity, double.NegativeInfinity, -2], [4]);
        // log1p(−1) = −∞, log1p(∞) = ∞, log1p(x < −1) = NaN
        var log1p = t.Log1p().ToArray();
        Assert.Equal(double.NegativeInfinity, log1p[0]);
        Assert.Equal(double.PositiveInfinity, log1p[1]);
        Assert.True(double.IsNaN(log1p[2]) && double.IsNaN(log1p[3]));
        // expm1(∞) = ∞, expm1(−∞) = −1
        var expm1 = t.Expm1().ToArray();
        Assert.Equal(double.PositiveInfinity, expm1[1]);
        Assert.Equal(-1.0, expm1[2]);
    }

    [Fact]
    public void Log1pAndExpm1Gradients()
    {
        var x = Leaf([0.5, 2], 2);
        x.Log1p().Sum().Backward();
        // d/dx ln(1 + x) = 1/(1 + x): [1/1.5, 1/3]
        Assert.Equal(1 / 1.5, x.Grad!.ToArray()[0], 1e-15);
        Assert.Equal(1 / 3.0, x.Grad!.ToArray()[1], 1e-15);
        var z = Leaf([0.0, 1], 2);
        z.Expm1().Sum().Backward();
        // d/dx (eˣ − 1) = eˣ: [1, e]
        Assert.Equal(1.0, z.Grad!.ToArray()[0], 1e-15);
        Assert.Equal(Math.E, z.Grad!.ToArray()[1], 1e-15);
    }

    [Fact]
    public void RoundingValuesAndZeroGradient()
    {
        var x = Leaf([0.5, 1.5, 2.5, -0.5, -1.7, 2.2], 6);
        // Halves go to the even neighbour (torch.round): 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → −0; −1.7 → −2, 2.2 → 2
        Assert.Equal([0.0, 2, 2, 0, -2, 2], x.Round().ToArray());
        Assert.Equal([0.0, 1, 2, -1, -2, 2], x.Floor().ToArray());
        Assert.Equal([1.0, 2, 3, 0, -1, 3], x.Ceil().ToArray());
        // Piecewise constant: the gradient is 0 everywhere, and the output still takes part in backward.
        (x.Round() + x.Floor() * 2 + x.Ceil() * 3 + x).Sum().Backward();
        Assert.Equal([1.0, 1, 1, 1, 1, 1], x.Grad!.ToArray());
    }
}
