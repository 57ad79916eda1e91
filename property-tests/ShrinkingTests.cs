using Autograd.Checking;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// Failing properties over <see cref="TensorCase"/>s shrink: a planted bug that needs a feature of the input (a last
/// dim of at least 3) is first caught on a larger case and shrunk to a smaller shape that still has the feature, with
/// values shrunk to 0; a bug in one output element's backward shrinks the cotangent to a one-hot vector at such an
/// element. Oracle: the planted bug itself, whose failing inputs are known by construction.
/// </summary>
public class ShrinkingTests
{
    /// <summary>y = 2x elementwise, whose backward multiplies by 3 instead of 2 at positions ≥ 2 of the last dim
    /// (a planted bug: only inputs whose last dim has at least 3 elements see it).</summary>
    private sealed class TwiceWrongPastTwo : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] x) => x[0] * 2.0;

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            int n = g.Rank == 0 ? 1 : g.Shape[^1];
            var scale = Tensor.FromArray([.. Enumerable.Range(0, n).Select(j => j >= 2 ? 3.0 : 2.0)], g.Rank == 0 ? [] : [n]);
            return [g * scale];
        }
    }

    /// <summary>y = x elementwise, whose backward doubles the gradient of every output element but the first (flat index ≥ 1).</summary>
    private sealed class IdentityWrongPastFirst : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] x) => x[0] * 1.0;

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            var flat = g.Reshape(-1);
            var scale = Tensor.FromArray([.. Enumerable.Range(0, flat.NumElements).Select(k => k == 0 ? 1.0 : 2.0)], [flat.NumElements]);
            return [(flat * scale).Reshape([.. g.Shape])];
        }
    }

    /// <summary>The first failing case and the shrunk one, from FsCheck's result (<see cref="PropertyRun.Check"/>).</summary>
    private static (TensorCase First, TensorCase Shrunk) FirstAndShrunk(Property property)
    {
        var outcome = PropertyRun.Check(property, maxTest: 100);
        Assert.False(outcome.Passed, outcome.Message);
        return ((TensorCase)outcome.FirstFailure[0], (TensorCase)outcome.Shrunk[0]);
    }

    [Fact]
    public void APlantedBugShrinksToASmallerShapeThatStillHasTheFeature()
    {
        // Shapes of rank 1–4 with dims 1–4, so the first failing case (some last dim ≥ 3) is usually large.
        var cases = TensorCases.Of(g => [TensorGen.Uniform(g, TensorGen.Shape(g, 1, 4, maxDim: 4))]);
        static GradCheckReport Verify(TensorCase c) => GradCheck.Verify(xs => new TwiceWrongPastTwo().Apply(xs[0]), c.Inputs);
        var (first, shrunk) = FirstAndShrunk(Prop.ForAll(cases, c => Verify(c).ToProperty()));

        Assert.True(shrunk.Elements < first.Elements, $"shrunk {shrunk} ({shrunk.Elements} elements) is not smaller than the first failure {first} ({first.Elements})");
        // The bug needs a last dim of 3 or more, so every failing case, the shrunk one included, has one.
        Assert.True(first.Shapes[0][^1] >= 3 && shrunk.Shapes[0][^1] >= 3, $"first {first}, shrunk {shrunk}");
        Assert.False(Verify(shrunk).Passed);
        // The mismatch (3 vs 2) does not depend on x, so the values shrink to the simplest one, 0.
        Assert.All(shrunk[0].ToArray(), v => Assert.Equal(0.0, v));
        // The compact ToString is what FsCheck prints: the shape and the values.
        Assert.StartsWith($"x0 [{string.Join(", ", shrunk.Shapes[0])}] = [", shrunk.ToString());
    }

    [Fact]
    public void ACotangentShrinksToOneHotAtAWrongOutputElement()
    {
        // ⟨v, f(x)⟩ has gradient vᵀ·J = v for the identity; the planted backward returns v with every element but the
        // first doubled, so the check fails exactly when v has a non-zero element at flat index ≥ 1.
        var cases = TensorCases.Of(g => [TensorGen.Uniform(g, TensorGen.Shape(g, 1, 3))], xs => xs[0]);
        static GradCheckReport Verify(TensorCase c)
        {
            var v = c.Cotangent;
            return GradCheck.Verify(xs => (new IdentityWrongPastFirst().Apply(xs[0]) * v).Sum(), c.Inputs);
        }
        var (first, shrunk) = FirstAndShrunk(Prop.ForAll(cases, c => Verify(c).ToProperty()));

        var v = shrunk.Cotangent.ToArray();
        int hot = Array.FindIndex(v, e => e != 0);
        Assert.True(hot >= 1 && v[hot] == 1 && v.Count(e => e != 0) == 1, $"shrunk cotangent is not one-hot at a flat index ≥ 1: {shrunk}");
        Assert.True(shrunk.Elements <= first.Elements, $"first {first}, shrunk {shrunk}");
        Assert.False(Verify(shrunk).Passed);
    }
}
