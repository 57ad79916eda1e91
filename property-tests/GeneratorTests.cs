using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// The generators of Autograd.Testing draw inside their domains and shapes that fit together, and so does every shrink
/// candidate of their cases. Oracles: each domain's defining condition checked directly on the values (a lane of a
/// simplex sums to 1; a symmetric positive definite matrix with condition ≤ κ has every Rayleigh quotient in [1, κ];
/// …) and NumPy's broadcasting rule written independently (<see cref="Naive.BroadcastShape"/>).
/// </summary>
public class GeneratorTests
{
    private const double Kappa = 10;

    /// <summary>One tensor of each domain, then shapes that broadcast and a matrix product's operands.</summary>
    private static Tensor<double>[] EveryDomain(Choices g)
    {
        var (a, b, c) = TensorGen.BroadcastTriple(g);
        var (p, q) = TensorGen.MatMulPair(g, maxBatchRank: 2);
        int n = TensorGen.Dim(g);
        return
        [
            TensorGen.Positive(g, TensorGen.Shape(g)),
            TensorGen.NonZero(g, TensorGen.Shape(g)),
            TensorGen.AwayFrom(g, TensorGen.Shape(g), [0, 1]),
            TensorGen.Distinct(g, TensorGen.Shape(g)),
            TensorGen.Simplex(g, TensorGen.Shape(g, 1)),
            TensorGen.SymmetricPositiveDefinite(g, [.. TensorGen.Shape(g, 0, 1), n, n], Kappa),
            TensorGen.Whole(g, TensorGen.Shape(g), -3, 3),
            TensorGen.Uniform(g, a), TensorGen.Uniform(g, b), TensorGen.Uniform(g, c),
            TensorGen.Uniform(g, p), TensorGen.Uniform(g, q),
        ];
    }

    private static void AssertInDomains(TensorCase c)
    {
        var x = c.Inputs;
        string at = c.ToString();
        Assert.All(x[0].ToArray(), v => Assert.True(v >= 0.3 && v < 3, $"positive: {v} in {at}"));
        Assert.All(x[1].ToArray(), v => Assert.True(Math.Abs(v) >= 0.5 && Math.Abs(v) < 2, $"non-zero: {v} in {at}"));
        Assert.All(x[2].ToArray(), v => Assert.True(Math.Abs(v) >= TensorGen.Margin && Math.Abs(v - 1) >= TensorGen.Margin, $"away from 0 and 1: {v} in {at}"));
        var sorted = x[3].ToArray().Order().ToArray();
        for (int i = 1; i < sorted.Length; i++) Assert.True(sorted[i] - sorted[i - 1] >= 2 * TensorGen.Margin, $"distinct: {at}");
        // A simplex lane: positive entries summing to 1.
        var s = x[4].ToArray();
        int lane = x[4].Shape[^1];
        for (int start = 0; start < s.Length; start += lane)
        {
            Assert.True(Math.Abs(s.Skip(start).Take(lane).Sum() - 1) < 1e-12, $"simplex lane sums to 1: {at}");
            Assert.All(s.Skip(start).Take(lane), v => Assert.True(v > 0));
        }
        AssertSpd(x[5], at);
        Assert.All(x[6].ToArray(), v => Assert.True(v == Math.Floor(v) && v >= -3 && v <= 3, $"whole: {v} in {at}"));
        Naive.BroadcastShape([.. x[7].Shape], [.. x[8].Shape], [.. x[9].Shape]); // throws unless the three broadcast
        // A·B: inner sizes agree and the batch dims broadcast.
        int[] p = [.. x[10].Shape], q = [.. x[11].Shape];
        Assert.True(p[^1] == q[^2], $"matmul inner sizes: {at}");
        Naive.BroadcastShape(p[..^2], q[..^2]);
    }

    /// <summary>Symmetric, and xᵀAx / xᵀx ∈ [1, κ] for the basis vectors and for x = (1, −1, 1, …) and (1, 2, 3, …):
    /// all eigenvalues of A = I + s·B·Bᵀ lie in [1, κ], so every Rayleigh quotient does.</summary>
    private static void AssertSpd(Tensor<double> a, string at)
    {
        int n = a.Shape[^1];
        var data = a.ToArray();
        var probes = Enumerable.Range(0, n).Select(i => Enumerable.Range(0, n).Select(j => i == j ? 1.0 : 0).ToArray())
            .Append([.. Enumerable.Range(0, n).Select(j => j % 2 == 0 ? 1.0 : -1)]).Append([.. Enumerable.Range(1, n).Select(j => (double)j)]).ToList();
        for (int start = 0; start < data.Length; start += n * n)
        {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) Assert.Equal(data[start + i * n + j], data[start + j * n + i]);
            foreach (var v in probes)
            {
                double quadratic = 0, norm = v.Sum(e => e * e);
                for (int i = 0; i < n; i++)
                    for (int j = 0; j < n; j++) quadratic += v[i] * data[start + i * n + j] * v[j];
                double rayleigh = quadratic / norm;
                Assert.True(rayleigh >= 1 - 1e-12 && rayleigh <= Kappa + 1e-12, $"Rayleigh quotient {rayleigh} outside [1, {Kappa}]: {at}");
            }
        }
    }

    [Fact]
    public void CasesAndEveryShrinkCandidateStayInTheirDomainsAndShapesFit()
    {
        var cases = TensorCases.Of(EveryDomain);
        int candidates = 0;
        foreach (var c in cases.Generator.Sample(10, new Rnd(7UL, 0x9E3779B97F4A7C15UL), 12))
        {
            AssertInDomains(c);
            foreach (var shrunk in cases.Shrinker(c).Take(150))
            {
                AssertInDomains(shrunk);
                candidates++;
            }
        }
        Assert.True(candidates > 500, $"only {candidates} shrink candidates were looked at");
    }

    [Fact]
    public void ShrinkCandidatesAreSimplerShapesFirstThenValuesThenTheCotangent()
    {
        // Every candidate has at most the original's elements (inputs and cotangent); every candidate that changes a
        // shape comes before every one that changes x's values, and those before every one that changes the cotangent.
        static int Total(TensorCase c) => c.Elements + c.Cotangent.NumElements;
        var cases = TensorCases.Of(g => [TensorGen.Uniform(g, TensorGen.Shape(g, 2, 3))], xs => xs[0].Sum(-1));
        foreach (var c in cases.Generator.Sample(10, new Rnd(11UL, 0x9E3779B97F4A7C15UL), 8))
        {
            var candidates = cases.Shrinker(c).ToList();
            Assert.All(candidates, s => Assert.True(Total(s) <= Total(c)));
            bool SameShape(TensorCase s) => s.Shapes[0].SequenceEqual(c.Shapes[0]);
            int lastShape = candidates.FindLastIndex(s => !SameShape(s));
            int firstX = candidates.FindIndex(s => SameShape(s) && !s[0].ToArray().SequenceEqual(c[0].ToArray()));
            int lastX = candidates.FindLastIndex(s => SameShape(s) && !s[0].ToArray().SequenceEqual(c[0].ToArray()));
            int firstV = candidates.FindIndex(s => SameShape(s) && !s.Cotangent.ToArray().SequenceEqual(c.Cotangent.ToArray()));
            if (c.Shapes[0].Any(d => d > 1)) Assert.True(lastShape >= 0, $"no shape candidate for {c}");
            Assert.True(firstX > lastShape && firstV > lastX, $"{c}: shapes up to #{lastShape}, x from #{firstX} to #{lastX}, v from #{firstV}");
        }
    }

    [Fact]
    public void ToStringIsCompact()
    {
        // Values as written, nested by shape; an input that does not require grad is marked; the cotangent is last.
        var c = TensorCases.Of(_ => [Tensor.FromArray([1, 0.5, 0, -2], [2, 2], requiresGrad: true), Tensor.FromArray([3.0], [1])],
            xs => xs[0]).Generator.Sample(1, new Rnd(1UL, 0x9E3779B97F4A7C15UL), 1)[0];
        Assert.Matches(@"^x0 \[2, 2\] = \[\[1, 0\.5\], \[0, -2\]\]; x1 \(no grad\) \[1\] = \[3\]; v \[2, 2\] = \[\[-?[0-9.]+, -?[0-9.]+\], \[-?[0-9.]+, -?[0-9.]+\]\]$", c.ToString());
        Assert.Equal("[] = 0.25", TensorCase.Describe(Tensor.Scalar(0.25)));
        Assert.Equal("[2, 0] = []", TensorCase.Describe(Tensor.Zeros<double>(2, 0)));
    }
}
