namespace Autograd.Tests.Core;

/// <summary>
/// Tensor.Multinomial, tested statistically. Oracle: a category of probability p drawn n times independently has a
/// Binomial(n, p) count, mean np and standard deviation σ = √(np(1 − p)); by the normal approximation (n·p ≥ 2000 here)
/// a count falls outside np ± 5σ with probability about 5.7·10⁻⁷, so the few checks of each test fail with probability
/// below 10⁻⁵ for a correct sampler, while a probability off by more than 5σ/n (0.0075 to 0.017 at these n and p) is
/// caught. The generators are seeded, so each run is reproducible.
/// </summary>
public class SamplingTests
{
    private static void WithinFiveSigma(int count, int n, double p, string what)
    {
        double sigma = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(count - n * p) <= 5 * sigma, $"{what}: count {count}, expected {n * p} ± 5σ = ±{5 * sigma:F1}");
    }

    [Fact]
    public void WithReplacementFrequenciesMatchTheWeights()
    {
        // Weights need not sum to 1: [1, 2, 0, 3, 4]/10 gives p = [0.1, 0.2, 0, 0.3, 0.4].
        var weights = Tensor.FromArray([1.0, 2, 0, 3, 4], [5]);
        const int n = 40000;
        var draws = Tensor.Multinomial(weights, n, replacement: true, new Generator(7));
        Assert.Equal([n], draws.Shape);
        var counts = new int[5];
        foreach (int c in draws.ToArray()) counts[c]++;
        Assert.Equal(0, counts[2]); // weight 0: never drawn
        double[] p = [0.1, 0.2, 0, 0.3, 0.4];
        for (int c = 0; c < 5; c++)
            if (p[c] > 0) WithinFiveSigma(counts[c], n, p[c], $"category {c}");
    }

    [Fact]
    public void WithoutReplacementDrawsDistinctCategoriesWithRenormalisedProbabilities()
    {
        // 20000 identical rows p = [0.1, 0.2, 0.3, 0.4], two draws each without replacement.
        const int rows = 20000;
        double[] p = [0.1, 0.2, 0.3, 0.4];
        var probabilities = Tensor.FromArray([.. Enumerable.Range(0, rows).SelectMany(_ => p)], [rows, 4]);
        var draws = Tensor.Multinomial(probabilities, 2, replacement: false, new Generator(11));
        Assert.Equal([rows, 2], draws.Shape);
        var values = draws.ToArray();
        var first = new int[4];
        var second = new int[4];
        for (int r = 0; r < rows; r++)
        {
            Assert.NotEqual(values[2 * r], values[2 * r + 1]);
            first[values[2 * r]]++;
            second[values[2 * r + 1]]++;
        }
        for (int j = 0; j < 4; j++)
        {
            // First draw: pⱼ. Second draw: Σ_{i≠j} pᵢ·pⱼ/(1 − pᵢ) (first i, then j among the renormalised rest).
            double q = Enumerable.Range(0, 4).Where(i => i != j).Sum(i => p[i] * p[j] / (1 - p[i]));
            WithinFiveSigma(first[j], rows, p[j], $"first draw, category {j}");
            WithinFiveSigma(second[j], rows, q, $"second draw, category {j}");
        }
        // As many draws as categories: each row is a permutation.
        var all = Tensor.Multinomial(Tensor.FromArray([0.5, 0.25, 0.25], [3]), 3, replacement: false, new Generator(3)).ToArray();
        Assert.Equal([0, 1, 2], all.Order());
    }

    [Fact]
    public void SeededGeneratorsReproduceTheDraws()
    {
        var p = Tensor.FromArray([0.2f, 0.3f, 0.5f], [3]);
        Assert.Equal(Tensor.Multinomial(p, 50, true, new Generator(5)).ToArray(), Tensor.Multinomial(p, 50, true, new Generator(5)).ToArray());
    }

    [Fact]
    public void BadWeightsAndCountsAreRefused()
    {
        var g = new Generator(1);
        static string Message(Action a) => Assert.ThrowsAny<ArgumentException>(a).Message;
        Assert.Contains("Multinomial: weight -0.5 at row 1, category 0 must be finite and non-negative",
            Message(() => Tensor.Multinomial(Tensor.FromArray([1.0, 1, -0.5, 2], [2, 2]), 1, true, g)));
        Assert.Contains("weight NaN", Message(() => Tensor.Multinomial(Tensor.FromArray([double.NaN, 1], [2]), 1, true, g)));
        Assert.Contains("Multinomial: the weights of row 1 sum to 0 (shape [2, 2])",
            Message(() => Tensor.Multinomial(Tensor.FromArray([1.0, 1, 0, 0], [2, 2]), 1, true, g)));
        Assert.Contains("cannot draw 3 samples without replacement from 2 categories",
            Message(() => Tensor.Multinomial(Tensor.FromArray([1.0, 1], [2]), 3, false, g)));
        Assert.Contains("row 0 has 1 categories of non-zero weight, too few for 2 samples",
            Message(() => Tensor.Multinomial(Tensor.FromArray([1.0, 0], [2]), 2, false, g)));
        Assert.Contains("numSamples = 0 must be positive", Message(() => Tensor.Multinomial(Tensor.FromArray([1.0], [1]), 0, true, g)));
        Assert.Contains("must be 1-D [C] or 2-D [N, C], got shape [1, 1, 2]",
            Message(() => Tensor.Multinomial(Tensor.FromArray([1.0, 1], [1, 1, 2]), 1, true, g)));
    }
}
