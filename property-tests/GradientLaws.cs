using FsCheck.Xunit;
using static Autograd.PropertyTests.Laws;

namespace Autograd.PropertyTests;

/// <summary>
/// Laws of the gradient (STYLE.md §7), each checked for every registry op: linearity, sum of gradients and
/// accumulation, the chain rule, and a tensor used twice. Oracles: the same gradients computed another way
/// (separately, then combined by hand) or closed-form derivatives.
/// </summary>
public class GradientLaws
{
    private const int Cases = 15;

    /// <summary>Per-row generator for one property case, so each row draws its own inputs.</summary>
    private static Choices For(int seed, int row) => new(((ulong)(uint)seed << 16) + (ulong)row);

    private static Tensor<double>[] GradOf(Tensor<double> y, Tensor<double>[] inputs) => Tensor.Grad([y], inputs, null, allowUnused: true);

    // ∇(a·f + b·g) = a·∇f + b·∇g, with f = ⟨v₁, op(x)⟩ and g = ⟨v₂, sin(op(x))⟩ and random a, b.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void GradientIsLinear(int seed)
    {
        for (int r = 0; r < OpCatalog.All.Count; r++)
        {
            var op = OpCatalog.All[r];
            var g = For(seed, r);
            var x = op.Inputs(g);
            var d = Differentiable(x);
            var y = op.F(x);
            Tensor<double> v1 = Cotangent(g, y), v2 = Cotangent(g, y);
            double a = g.NextNormal(), b = g.NextNormal();
            Tensor<double> F() => (op.F(x) * v1).Sum();
            Tensor<double> G() => (op.F(x).Sin() * v2).Sum();
            var combined = GradOf(F() * a + G() * b, d);
            var gf = GradOf(F(), d);
            var gg = GradOf(G(), d);
            for (int i = 0; i < d.Length; i++)
                Close(gf[i] * a + gg[i] * b, combined[i], $"{op.Name}: linearity of the gradient, input {i}", atol: 1e-10);
        }
    }

    // The gradient of a sum is the sum of the gradients, and .Grad accumulates: backward of f₁ + f₂ in one pass
    // equals backward of f₁ then of f₂ into the same leaves.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void GradientOfASumIsTheSumOfGradients(int seed)
    {
        for (int r = 0; r < OpCatalog.All.Count; r++)
        {
            var op = OpCatalog.All[r];
            var g = For(seed, r);
            var x = op.Inputs(g);
            var y = op.F(x);
            Tensor<double> v1 = Cotangent(g, y), v2 = Cotangent(g, y);
            var once = Copy(x);
            ((op.F(once) * v1).Sum() + (op.F(once) * v2).Sum()).Backward();
            var twice = Copy(x);
            (op.F(twice) * v1).Sum().Backward();
            (op.F(twice) * v2).Sum().Backward();
            for (int i = 0; i < x.Length; i++)
                if (x[i].RequiresGrad)
                    Close(once[i].Grad!, twice[i].Grad!, $"{op.Name}: gradient of a sum, input {i}", atol: 1e-10);
        }
    }

    // Chain rule: ∇ₓ⟨v, f(op(x))⟩ = J_opᵀ (J_fᵀ v). The right side is two separate vector–Jacobian products, the
    // second seeded with the first, with op(x) cut into a fresh leaf in between.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void ChainRuleComposesVectorJacobianProducts(int seed)
    {
        Func<Tensor<double>, Tensor<double>>[] outers = [u => u.Sin(), u => u * u.Tanh(), u => u.Sigmoid().Log(), u => u.Exp().Sum()];
        for (int r = 0; r < OpCatalog.All.Count; r++)
        {
            var op = OpCatalog.All[r];
            var g = For(seed, r);
            var x = op.Inputs(g);
            var d = Differentiable(x);
            var outer = outers[g.NextInt(outers.Length)];
            var u = op.F(x);
            var leaf = Tensor.FromArray(u.ToArray(), [.. u.Shape], requiresGrad: true);
            var v = Cotangent(g, outer(leaf));
            var w = Vjp(outer(leaf), [leaf], v)[0];
            var expected = Vjp(op.F(x), d, w);
            var actual = Vjp(outer(op.F(x)), d, v);
            for (int i = 0; i < d.Length; i++)
                Close(expected[i], actual[i], $"{op.Name}: chain rule through an outer function, input {i}", atol: 1e-10);
        }
    }

    // Closed forms: d/dx sin(eˣ) = cos(eˣ)·eˣ;  d/dx tanh(x²) = (1 − tanh²(x²))·2x;  d/dx σ(sin x) = σ(1 − σ)·cos x.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void ChainRuleMatchesClosedFormDerivatives(int seed)
    {
        var g = new Choices((uint)seed);
        var x = TensorGen.Uniform(g, TensorGen.Shape(g));
        var xs = x.ToArray();
        static double Sig(double z) => 1 / (1 + Math.Exp(-z));
        (string Name, Func<Tensor<double>, Tensor<double>> F, Func<double, double> Df)[] cases =
        [
            ("sin(exp x)", t => t.Exp().Sin(), v => Math.Cos(Math.Exp(v)) * Math.Exp(v)),
            ("tanh(x²)", t => t.Square().Tanh(), v => (1 - Math.Pow(Math.Tanh(v * v), 2)) * 2 * v),
            ("sigmoid(sin x)", t => t.Sin().Sigmoid(), v => Sig(Math.Sin(v)) * (1 - Sig(Math.Sin(v))) * Math.Cos(v)),
        ];
        foreach (var (name, f, df) in cases)
            Close([.. xs.Select(df)], GradOf(f(x).Sum(), [x])[0].ToArray(), $"d/dx {name}", atol: 1e-12, rtol: 1e-12);
    }

    // A tensor used twice gets both contributions: ∇ₓ op(x, x) = (∂₁op + ∂₂op)(x, x), the partials taken on two
    // separate leaves holding the same values. Inputs in [0.5, 2] lie in every one of these ops' domains.
    [Property(MaxTest = Cases, Replay = PropertyConfig.Replay)]
    public void TensorUsedTwiceGetsBothContributions(int seed)
    {
        var g = new Choices((uint)seed);
        int n = TensorGen.Dim(g);
        foreach (var (name, shape) in new[]
        {
            ("Add", TensorGen.Shape(g)), ("Sub", TensorGen.Shape(g)), ("Mul", TensorGen.Shape(g)), ("Div", TensorGen.Shape(g)),
            ("Pow(tensor exponent)", TensorGen.Shape(g)), ("MatMul 2-D·2-D", new[] { n, n }),
            ("MatMul batched, broadcast batch dims", [TensorGen.Dim(g), n, n]),
        })
        {
            var op = OpCatalog.Get(name);
            var x = TensorGen.Uniform(g, shape, 0.5, 2);
            var y = op.F([x, x]);
            var v = Cotangent(g, y);
            var both = Vjp(y, [x], v)[0];
            var (a, b) = (Copy([x])[0], Copy([x])[0]);
            var partials = Vjp(op.F([a, b]), [a, b], v);
            Close(partials[0] + partials[1], both, $"{name}(x, x): both contributions", atol: 1e-10);
        }
        // d/dx (x·x + sin x) = 2x + cos x, elementwise.
        var z = TensorGen.Uniform(g, TensorGen.Shape(g));
        Close([.. z.ToArray().Select(t => 2 * t + Math.Cos(t))], GradOf((z * z + z.Sin()).Sum(), [z])[0].ToArray(),
            "d/dx (x·x + sin x)", atol: 1e-12, rtol: 1e-12);
    }
}
