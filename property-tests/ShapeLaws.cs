using FsCheck.Xunit;
using static Autograd.PropertyTests.Laws;

namespace Autograd.PropertyTests;

/// <summary>
/// Laws of broadcasting and views: broadcast-then-reduce round-trips, Expand and SumTo are adjoint, the gradient of a
/// broadcast operand has its shape and counts its copies, and view ops are undone by their inverse view, which is
/// also their adjoint. Oracles: element counts and inner products computed by hand.
/// </summary>
public class ShapeLaws
{
    private const int Cases = 40;

    private static double Dot(Tensor<double> a, Tensor<double> b) => a.ToArray().Zip(b.ToArray(), (p, q) => p * q).Sum();

    // Each element of x (shape s, broadcastable to `full`) has N = |full| / |s| copies in Expand(x), so
    // SumTo(Expand(x), s) = N·x; and ⟨Expand(x), w⟩ = ⟨x, SumTo(w)⟩ (SumTo is Expand's adjoint), which is also
    // what the vector–Jacobian product of Expand must return.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void ExpandThenSumToRoundTripsAndTheyAreAdjoint(int seed)
    {
        var g = new Choices((uint)seed);
        var full = TensorGen.Shape(g);
        var small = TensorGen.Reduced(g, full);
        int copies = TensorGen.Count(full) / TensorGen.Count(small);
        var x = TensorGen.Uniform(g, small);
        var expanded = x.Expand(full);
        Assert.Equal(full, expanded.Shape);
        Close(x * (double)copies, expanded.SumTo(small), $"SumTo(Expand(x)) = {copies}·x for {Fmt(small)} → {Fmt(full)}", atol: 1e-12);
        var w = TensorGen.Uniform(g, full, grad: false);
        Assert.Equal(Dot(expanded, w), Dot(x, w.SumTo(small)), 10);
        Close(w.SumTo(small), Vjp(x.Expand(full), [x], w)[0], $"VJP of Expand {Fmt(small)} → {Fmt(full)}", atol: 1e-12);
    }

    // z = a + b with a broadcast: ∂Σz/∂a has a's shape and each element equals its number of copies
    // |shape(z)| / |shape(a)|; likewise for b. The same for a · 1 via Mul, whose rule gets 1·g.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void GradientOfABroadcastOperandCountsItsCopies(int seed)
    {
        var g = new Choices((uint)seed);
        var (sa, sb) = TensorGen.BroadcastPair(g);
        var a = TensorGen.Uniform(g, sa);
        var b = TensorGen.Uniform(g, sb);
        var z = a + b;
        z.Sum().Backward();
        var ones = Tensor.OnesLike(TensorGen.Uniform(g, sb, grad: false));
        var c = TensorGen.Uniform(g, sa);
        (c * ones).Sum().Backward();
        foreach (var (t, name) in new[] { (a, "a"), (b, "b"), (c, "c in c·1") })
        {
            int n = TensorGen.Count([.. z.Shape]) / Math.Max(1, t.NumElements);
            Close(Tensor.Full([.. t.Shape], (double)n), t.Grad!, $"gradient of broadcast {name} {Fmt(t.Shape)} in {Fmt(z.Shape)}", atol: 0);
        }
    }

    // For a permutation, transpose or reshape P: P⁻¹(P(x)) = x exactly, and the vector–Jacobian product of P at v is P⁻¹(v).
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void ViewOpsRoundTripAndTheirAdjointIsTheInverseView(int seed)
    {
        var g = new Choices((uint)seed);
        var shape = TensorGen.Shape(g, 1, 4);
        int rank = shape.Length;
        var perm = Enumerable.Range(0, rank).ToArray();
        g.Shuffle(perm.AsSpan());
        var inverse = new int[rank];
        for (int i = 0; i < rank; i++) inverse[perm[i]] = i;
        int d0 = g.NextInt(rank), d1 = g.NextInt(rank);
        var target = shape.Reverse().ToArray();
        (string Name, Func<Tensor<double>, Tensor<double>> P, Func<Tensor<double>, Tensor<double>> Inverse)[] views =
        [
            ($"Permute({string.Join(", ", perm)})", t => t.Permute(perm), t => t.Permute(inverse)),
            ($"Transpose({d0}, {d1})", t => t.Transpose(d0, d1), t => t.Transpose(d0, d1)),
            ($"Reshape({string.Join(", ", target)})", t => t.Reshape(target), t => t.Reshape(shape)),
            ("Flatten", t => t.Flatten(), t => t.Reshape(shape)),
            ("Reshape of a permuted view", t => t.Permute(perm).Reshape(-1), t => t.Reshape([.. perm.Select(p => shape[p])]).Permute(inverse)),
        ];
        var x = TensorGen.Uniform(g, shape);
        foreach (var (name, p, inv) in views)
        {
            Close(x, inv(p(x)), $"{name}⁻¹ ∘ {name} on {Fmt(shape)}", atol: 0, rtol: 0);
            var v = Cotangent(g, p(x));
            Close(inv(v), Vjp(p(x), [x], v)[0], $"VJP of {name} on {Fmt(shape)}", atol: 0, rtol: 0);
        }
    }

    private static string Fmt(IEnumerable<int> shape) => $"[{string.Join(", ", shape)}]";
}
