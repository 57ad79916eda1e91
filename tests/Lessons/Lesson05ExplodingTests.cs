using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson05ExplodingTests
{
    [Fact]
    public void StateGradientGrowsLikeTheGainToThePowerOfTheDistanceAndClippingTames()
    {
        // Derivation: hₜ = xₜ·U + hₜ₋₁·W with W = ρ·Q (Q orthogonal) gives ∂L/∂hₜ₋₁ = ∂L/∂hₜ·Wᵀ, and ‖v·ρQᵀ‖ = ρ‖v‖, so
        // ‖∂L/∂h₁‖ / ‖∂L/∂h_T‖ = ρ^(T−1) = 1.3²⁹ exactly (up to rounding).
        var outcome = Lesson05Exploding.Measure(length: 30, steps: 10, gain: 1.3);
        var s = outcome.StateGradNorms;
        Assert.Equal(30, s.Length);
        Assert.Equal(1, s[0] / s[^1] / Math.Pow(1.3, 29), 9);
        for (int t = 1; t < s.Length; t++) Assert.Equal(1.3, s[t - 1] / s[t], 9);
        // Without clipping the first step (‖g‖ in the millions, rate 0.05) throws W far past stability and the loss
        // overflows within the ten steps; with ‖g‖ clipped to 1 each step moves the weights by at most 0.05 and the loss falls.
        Assert.InRange(outcome.Plain.BlowUpStep, 1, 9);
        Assert.Equal(-1, outcome.Clipped.BlowUpStep);
        Assert.True(outcome.Clipped.Losses[^1] < outcome.Clipped.Losses[0] / 2, $"clipped {outcome.Clipped.Losses[0]} → {outcome.Clipped.Losses[^1]}");
        Assert.True(outcome.Plain.GradNorms[0] > 1e6);
    }
}
