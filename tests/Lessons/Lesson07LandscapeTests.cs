using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson07LandscapeTests
{
    [Fact]
    public void CriticalPointsAreWhereTheSurfaceIsFlat()
    {
        // Oracle: central differences of f vanish at every critical point; f_xx = 12x² − 4 is negative at the saddle
        // (a maximum along x, and f_yy = 2 > 0) and positive at both minima; the deeper one has the lower f.
        var outcome = Lesson07Landscape.Measure(steps: 1);
        const double h = 1e-6;
        foreach (var (x, y) in new[] { outcome.Saddle, outcome.LocalMinimum, outcome.GlobalMinimum })
        {
            Assert.Equal(0, (Lesson07Landscape.F(x + h, y) - Lesson07Landscape.F(x - h, y)) / (2 * h), 6);
            Assert.Equal(0, (Lesson07Landscape.F(x, y + h) - Lesson07Landscape.F(x, y - h)) / (2 * h), 6);
        }
        double Fxx(double x) => (Lesson07Landscape.F(x + 1e-4, 0) - 2 * Lesson07Landscape.F(x, 0) + Lesson07Landscape.F(x - 1e-4, 0)) / 1e-8;
        Assert.True(Fxx(outcome.Saddle.X) < 0 && Fxx(outcome.LocalMinimum.X) > 0 && Fxx(outcome.GlobalMinimum.X) > 0);
        Assert.True(Lesson07Landscape.F(outcome.GlobalMinimum.X, 0) < Lesson07Landscape.F(outcome.LocalMinimum.X, 0));
    }

    [Fact]
    public void MomentumCrossesTheBarrierAndAdamLeavesTheSaddleFirst()
    {
        var outcome = Lesson07Landscape.Measure(steps: 150);
        var (sgd, momentum, adam) = (outcome.FromValley[0], outcome.FromValley[1], outcome.FromValley[2]);
        Assert.Equal(outcome.LocalMinimum.X, sgd.X[^1], 2);
        Assert.Equal(outcome.GlobalMinimum.X, momentum.X[^1], 2);
        Assert.Equal(outcome.LocalMinimum.X, adam.X[^1], 2);
        // Near the saddle plain descent multiplies the offset in x by 1 − lr·f_xx = 1 + 0.02·3.93 ≈ 1.0786 a step, so going
        // from 1e-3 to 0.5 takes about ln(500)/ln(1.0786) ≈ 82 steps (a few more as f_xx weakens away from the saddle).
        int Leave(Trajectory t) => Lesson07Landscape.LeaveStep(t, outcome.Saddle.X);
        var (sgdLeave, momentumLeave, adamLeave) = (Leave(outcome.FromSaddle[0]), Leave(outcome.FromSaddle[1]), Leave(outcome.FromSaddle[2]));
        Assert.InRange(sgdLeave, 78, 95);
        Assert.True(adamLeave > 0 && adamLeave < momentumLeave && momentumLeave < sgdLeave, $"{adamLeave} {momentumLeave} {sgdLeave}");
    }
}
