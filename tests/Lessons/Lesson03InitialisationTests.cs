using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson03InitialisationTests
{
    [Fact]
    public void VarianceShrinksGrowsOrIsKeptAsTheDerivationSays()
    {
        var runs = Lesson03Initialisation.Measure(depth: 8, steps: 2).ToDictionary(r => r.Name);
        // Zero: every hidden output is tanh(0) = 0 and every unit gets the same gradient, so units never differ.
        var zero = runs["zero"];
        Assert.All(zero.ActivationStd, s => Assert.Equal(0, s));
        Assert.Equal(0, zero.UnitSpread);
        // Too small: near 0 tanh is the identity, so std(hₗ) ≈ √64 · 0.01 · std(hₗ₋₁) = 0.08 · std(hₗ₋₁); over the six
        // layers after the first, 0.08⁶ ≈ 2.6e-7.
        var small = runs["too small N(0, 0.01²)"];
        Assert.InRange(small.ActivationStd[^1] / small.ActivationStd[0], 1e-8, 1e-5);
        // Too large: z = W·h has std ≈ √(64 · E[h²]) ≈ 7.6 for E[h²] ≈ 0.9, so P(|tanh z| > 0.99) = P(|z| > 2.65) ≈ 0.73.
        Assert.InRange(runs["too large N(0, 1)"].Saturated, 0.6, 0.85);
        // Xavier keeps tanh's activation scale, He keeps ReLU's: the last layer's std within a factor 2 of the first's.
        foreach (var name in new[] { "Xavier (tanh)", "He (ReLU)" })
            Assert.InRange(runs[name].ActivationStd[^1] / runs[name].ActivationStd[0], 0.5, 2);
    }
}
