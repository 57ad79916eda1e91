using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson02GradientDescentTests
{
    [Fact]
    public void LambdaMaxIsTheTopEigenvalueOfTwoOverNXTransposeX()
    {
        // Oracle: H = (2/n)·XᵀX formed here element by element from the same data (seed 2); H·v = λ·v, and λ_max is at
        // least every diagonal entry Hᵢᵢ = eᵢᵀ·H·eᵢ (a Rayleigh quotient) and at most trace(H) (H is positive semi-definite).
        var outcome = Lesson02GradientDescent.Measure(steps: 12, epochs: 2);
        var (xt, _) = Lesson02GradientDescent.Data(new Generator(2));
        double[] x = xt.ToArray();
        int n = xt.Shape[0], d = xt.Shape[1];
        var h = new double[d, d];
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
                for (int k = 0; k < n; k++) h[i, j] += 2.0 / n * x[k * d + i] * x[k * d + j];
        var v = outcome.TopEigenvector;
        for (int i = 0; i < d; i++)
            Assert.Equal(outcome.LambdaMax * v[i], Enumerable.Range(0, d).Sum(j => h[i, j] * v[j]), 6);
        double trace = Enumerable.Range(0, d).Sum(i => h[i, i]);
        Assert.All(Enumerable.Range(0, d), i => Assert.True(h[i, i] <= outcome.LambdaMax + 1e-9));
        Assert.True(outcome.LambdaMax <= trace);
    }

    [Fact]
    public void RatesBelowTwoOverLambdaConvergeAndAboveDiverge()
    {
        // Derivation: e ← (I − ηH)·e; along the top eigenvector |1 − ηλ| = |1 − 1.05·2| = 1.1 > 1 grows (1.1⁴⁰ ≈ 45 in
        // the error, ≈ 2000 in the loss), |1 − 0.9| = 0.1 at 0.45·2/λ shrinks fast, |1 − 0.04| = 0.96 at 0.02·2/λ slowly.
        var outcome = Lesson02GradientDescent.Measure(steps: 40, epochs: 1);
        var (small, right, large) = (outcome.RateRuns[0].Losses, outcome.RateRuns[1].Losses, outcome.RateRuns[2].Losses);
        Assert.True(large[^1] > large[0], $"too large: {large[0]} → {large[^1]}");
        Assert.True(right[^1] < 0.05 * right[0], $"right: {right[0]} → {right[^1]}");
        Assert.True(small[^1] < small[0] && small[^1] > 10 * right[^1], $"small {small[^1]} right {right[^1]}");
        for (int i = 1; i < small.Length; i++) Assert.True(small[i] < small[i - 1]);
    }

    [Fact]
    public void SmallerBatchesMakeMoreUpdatesPerEpoch()
    {
        // 256 samples: 256 updates an epoch with batch 1, 16 with batch 16, 1 with the full batch; at the same rate
        // and epochs the runs with more updates get further down the quadratic.
        var outcome = Lesson02GradientDescent.Measure(steps: 2, epochs: 2);
        Assert.Equal([512, 32, 2], outcome.BatchRuns.Select(r => r.Updates));
        Assert.True(outcome.BatchRuns[0].Losses[^1] < outcome.BatchRuns[2].Losses[^1]);
        Assert.True(outcome.BatchRuns[1].Losses[^1] < outcome.BatchRuns[2].Losses[^1]);
    }
}
