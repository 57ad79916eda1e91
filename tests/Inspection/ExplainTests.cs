namespace Autograd.Tests.Inspection;

/// <summary>Explain: the chain rule with the numbers, checked against hand derivations and against Backward().</summary>
public class ExplainTests
{
    private static Tensor<double> S(double v) => Tensor.Scalar(v, requiresGrad: true);

    /// <summary>micrograd's classic example: a = 2, b = −3, c = 10, e = a·b, d = e + c, f = −2, L = d·f.</summary>
    private static (Tensor<double> L, Tensor<double>[] All, (Tensor<double>, string)[] Names) Micrograd()
    {
        var a = S(2); var b = S(-3); var c = S(10); var f = S(-2);
        var e = a * b;
        var d = e + c;
        var L = d * f;
        return (L, [a, b, c, d, e, f], [(a, "a"), (b, "b"), (c, "c"), (d, "d"), (e, "e"), (f, "f")]);
    }

    private static DerivationTerm Term(Derivation d, string input) =>
        d.Steps.SelectMany(s => s.Terms).Single(t => t.InputName == input);

    private static double Scalar(TensorValues? v) => Assert.Single(v!.Elements!);

    [Fact]
    public void Micrograd_example_gives_every_gradient_with_its_chain_rule_line()
    {
        var (L, _, names) = Micrograd();
        var d = L.Explain(names);

        // ∂L/∂d = f = −2; ∂L/∂f = d = e + c = −6 + 10 = 4
        Assert.Equal(-2, Scalar(Term(d, "d").Contribution));
        Assert.Equal(4, Scalar(Term(d, "f").Contribution));
        // ∂L/∂e = ∂L/∂d · ∂d/∂e = −2 · 1 = −2; ∂L/∂c = −2 · 1 = −2
        Assert.Equal(-2, Scalar(Term(d, "e").Contribution));
        Assert.Equal(-2, Scalar(Term(d, "c").Contribution));
        // ∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · b = −2 · −3 = 6; ∂L/∂b = −2 · a = −2 · 2 = −4
        Assert.Equal(6, Scalar(Term(d, "a").Contribution));
        Assert.Equal(-3, Scalar(Term(d, "a").Local));
        Assert.Equal(-4, Scalar(Term(d, "b").Contribution));
        Assert.Equal("∂(a·b)/∂a = b", Term(d, "a").Formula);

        // Backward order: L = d·f first (n2), then d = e + c (n1), then e = a·b (n0); ∂L/∂L = 1.
        Assert.Equal(["n2", "n1", "n0"], d.Steps.Select(s => s.NodeId));
        Assert.Equal(["Mul", "Add", "Mul"], d.Steps.Select(s => s.Op));
        Assert.Equal(1, Scalar(d.Steps[0].Upstream));
        Assert.Equal(-2, Scalar(d.Steps[2].Upstream));

        string text = d.ToString();
        Assert.Contains("∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · −3 = 6", text);
        Assert.Contains("∂L/∂b = ∂L/∂e · ∂e/∂b = −2 · 2 = −4", text);
        Assert.Contains("∂L/∂e = ∂L/∂d · ∂d/∂e = −2 · 1 = −2", text);
        Assert.Contains("∂L/∂f = ∂L/∂L · ∂L/∂f = 1 · 4 = 4", text);
        Assert.Contains("∂(a·b)/∂a = b", text);
        // The forward values: e = 2 · −3 = −6, d = −6 + 10 = 4, L = 4 · −2 = −8.
        Assert.Contains("step 3: e = Mul (n0, shape []) = −6, ∂L/∂e = −2", text);
        Assert.Equal([-8.0, 4, -6], d.Steps.Select(s => Scalar(s.Value)));
        Assert.Contains("value −6, ∂L/∂e = −2", d.ToMarkdown());
    }

    [Fact]
    public void Markdown_and_latex_show_the_same_numbers_as_the_text()
    {
        var (L, _, names) = Micrograd();
        var d = L.Explain(names);
        string md = d.ToMarkdown(), tex = d.ToLatex();

        // The same hand-derived lines: ∂L/∂a = −2 · −3 = 6, ∂L/∂b = −2 · 2 = −4, ∂L/∂c = −2 · 1 = −2.
        Assert.Contains("∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · −3 = 6", md);
        Assert.Contains("∂L/∂b = ∂L/∂e · ∂e/∂b = −2 · 2 = −4", md);
        Assert.Contains("| slot | input | local derivative | term | accumulated |", md);
        Assert.StartsWith("\\begin{align*}", tex);
        Assert.Contains("\\end{align*}", tex);
        Assert.Contains(@"\frac{\partial L}{\partial a} &\mathrel{+}= \frac{\partial L}{\partial e} \cdot \frac{\partial e}{\partial a} = -2 \cdot -3 = 6", tex);
        Assert.Contains(@"\frac{\partial L}{\partial b} &\mathrel{+}= \frac{\partial L}{\partial e} \cdot \frac{\partial e}{\partial b} = -2 \cdot 2 = -4", tex);
        Assert.Contains(@"\frac{\partial L}{\partial c} &= -2", tex);
        // Every contribution of every step appears in all three renderings.
        foreach (var t in d.Steps.SelectMany(s => s.Terms))
        {
            double v = Scalar(t.Contribution);
            string ascii = TensorValues.Format(v);
            Assert.Contains(ascii.Replace('-', '−'), d.ToString());
            Assert.Contains(ascii.Replace('-', '−'), md);
            Assert.Contains(ascii, tex);
        }
    }

    [Fact]
    public void A_tensor_used_twice_shows_both_terms_and_their_sum()
    {
        var a = S(3);
        var L = a + a;
        var d = L.Explain((a, "a"));

        // L = a + a: ∂L/∂a = ∂(a+b)/∂a + ∂(a+b)/∂b = 1 + 1 = 2
        var terms = Assert.Single(d.Steps).Terms;
        Assert.Equal(2, terms.Count);
        Assert.Equal([1.0, 1.0], terms.Select(t => Scalar(t.Contribution)));
        Assert.Equal([1.0, 2.0], terms.Select(t => Scalar(t.Accumulated)));
        Assert.Equal(2, Scalar(d.Gradients["leaf0"]));
        Assert.Contains("∂L/∂a = 1 + 1 = 2", d.ToString());
        Assert.Contains("- ∂L/∂a = 1 + 1 = 2", d.ToMarkdown());
    }

    /// <summary>Sums the contributions the steps list for <paramref name="name"/>, in step order, elementwise.</summary>
    private static double[] Replayed(Derivation d, string name)
    {
        double[]? sum = null;
        foreach (var t in d.Steps.SelectMany(s => s.Terms).Where(t => t.InputName == name && t.Contribution is not null))
        {
            var c = t.Contribution!.Elements!;
            if (sum is null) sum = [.. c];
            else for (int i = 0; i < sum.Length; i++) sum[i] += c[i];
        }
        return sum!;
    }

    [Fact]
    public void Replaying_the_steps_gives_Backwards_leaf_gradients_bit_for_bit()
    {
        // h = x·W + b (b broadcast over rows), L = Σ (h ⊙ h ⊙ s) with s of shape [1] broadcast; h is used twice.
        var x = Tensor.FromArray([0.1, -0.7, 1.3, 2.2, 0.5, -1.9], [2, 3], requiresGrad: true);
        var W = Tensor.FromArray([0.3, -1.1, 0.9, 0.25, -0.45, 1.7], [3, 2], requiresGrad: true);
        var b = Tensor.FromArray([0.01, -0.2], [2], requiresGrad: true);
        var s = Tensor.FromArray([1.0 / 3], [1], requiresGrad: true);
        var h = x.MatMul(W) + b;
        var L = (h * h * s).Sum();
        var names = new (Tensor<double>, string)[] { (x, "x"), (W, "W"), (b, "b"), (s, "s"), (h, "h") };
        var d = L.Explain(names);

        Assert.Null(x.Grad); // Explain touches no .Grad
        L.Backward();
        // The oracle is Backward() itself: the same rules, summed in the same order, must give the same bits.
        foreach (var (leaf, name) in names.Where(n => n.Item1.GradFn is null))
        {
            var expected = leaf.Grad!.ToArray();
            var replayed = Replayed(d, name);
            Assert.Equal(expected.Length, replayed.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.Equal(BitConverter.DoubleToInt64Bits(expected[i]), BitConverter.DoubleToInt64Bits(replayed[i]));
        }
        // b is broadcast over 2 rows: its term is summed to shape [2]; the MatMul states its matrix form.
        Assert.Equal([2], Term(d, "b").InputShape);
        // y = x·W: the op's formulas ∂(A·B)/∂A = G·Bᵀ and ∂(A·B)/∂B = Aᵀ·G with A = x, B = W, G = ∂L/∂y (y is n0).
        Assert.Equal("∂L/∂W = xᵀ·(∂L/∂n0)", Term(d, "W").MatrixForm);
        Assert.Equal("∂L/∂x = (∂L/∂n0)·Wᵀ", Term(d, "x").MatrixForm);
        string text = d.ToString();
        Assert.Contains("matrix form: ∂L/∂W = xᵀ·(∂L/∂n0)", text);
        Assert.Contains("∂L/∂x = ∂L/∂", text);
        Assert.Contains("[2, 3] [", text); // x's shape and its six numbers
    }

    [Fact]
    public void Linear_states_its_matrix_form_with_the_derivations_names()
    {
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [2, 3], requiresGrad: true);
        var W = Tensor.FromArray([1.0, 0, -1, 2, 1, 0], [2, 3], requiresGrad: true);
        var bias = Tensor.FromArray([0.5, -0.5], [2], requiresGrad: true);
        var y = x.Linear(W, bias);
        var d = y.Sum().Explain((x, "x"), (W, "W"), (bias, "b"), (y, "y"));

        // L = Σ y, so G = ∂L/∂y = ones [2, 2].
        // ∂L/∂W = Gᵀ·x: every row is the column sums of x = [1+4, 2+5, 3+6] = [5, 7, 9]
        Assert.Equal("∂L/∂W = (∂L/∂y)ᵀ·x", Term(d, "W").MatrixForm);
        Assert.Equal([5.0, 7, 9, 5, 7, 9], Term(d, "W").Contribution!.Elements!);
        // ∂L/∂x = G·W: every row is the column sums of W = [1+2, 0+1, −1+0] = [3, 1, −1]
        Assert.Equal("∂L/∂x = (∂L/∂y)·W", Term(d, "x").MatrixForm);
        Assert.Equal([3.0, 1, -1, 3, 1, -1], Term(d, "x").Contribution!.Elements!);
        // ∂L/∂b = Σ_rows G = [2, 2]
        Assert.Equal([2.0, 2], Term(d, "b").Contribution!.Elements!);
        Assert.Contains("∂L/∂W = [2, 3] [5, 7, 9, 5, 7, 9]", d.ToString());
    }

    private sealed class Cube : Function<double>
    {
        public override string Formula(int input) => "∂x³/∂x = 3x²";

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0] * inputs[0] * inputs[0];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) =>
            [g * 3.0 * ctx.SavedTensors[0] * ctx.SavedTensors[0]];
    }

    [Fact]
    public void A_custom_function_is_explained_with_its_own_rule_and_formula()
    {
        var x = S(2);
        var c = Tensor.Scalar(5.0); // a constant: no gradient
        var y = new Cube().Apply(x);
        var d = (y * c).Explain((x, "x"), (y, "y"), (c, "c"));

        // L = 5·x³: ∂L/∂y = c = 5; ∂L/∂x = ∂L/∂y · ∂y/∂x = 5 · 3x² = 5 · 12 = 60 at x = 2
        string text = d.ToString();
        Assert.Contains("∂L/∂y = ∂L/∂L · ∂L/∂y = 1 · 5 = 5", text);
        Assert.Contains("∂x³/∂x = 3x²: ∂L/∂x = ∂L/∂y · ∂y/∂x = 5 · 12 = 60", text);
        Assert.Contains("∂L/∂c = ∂L/∂L · ∂L/∂c: no gradient (the input does not require grad)", text);
        Assert.Equal(60, Scalar(Term(d, "x").Accumulated));
        Assert.Null(Term(d, "c").Contribution);
    }

    [Fact]
    public void A_leaf_root_is_its_own_gradient()
    {
        // L = a: ∂L/∂L = 1 and nothing to apply the chain rule to.
        var d = S(7).Explain();
        Assert.Empty(d.Steps);
        Assert.Equal(1, Scalar(d.Gradients["leaf0"]));
        Assert.Contains("∂L/∂L = 1", d.ToString());
    }

    [Fact]
    public void A_weight_shared_by_two_matmuls_agrees_with_Backward_within_1e_12()
    {
        // Backward lets the second MatMul add its term straight into W.Grad (a GEMM that accumulates), which may round
        // differently from the sum of the two products that Explain shows; the documented tolerance is 1e-12 relative to max(1, |gradient|).
        var x1 = Tensor.FromArray([0.3, -1.2, 0.7, 2.5], [2, 2], requiresGrad: true);
        var x2 = Tensor.FromArray([1.1, 0.4, -0.6, 0.9], [2, 2], requiresGrad: true);
        var W = Tensor.FromArray([0.2, -0.8, 1.5, 0.35], [2, 2], requiresGrad: true);
        var L = (x1.MatMul(W) * x2.MatMul(W)).Sum();
        var d = L.Explain((x1, "x1"), (x2, "x2"), (W, "W"));
        L.Backward();
        var expected = W.Grad!.ToArray();
        var replayed = Replayed(d, "W");
        Assert.Equal(2, d.Steps.SelectMany(s => s.Terms).Count(t => t.InputName == "W"));
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - replayed[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])),
                $"W.Grad[{i}]: Backward {expected[i]:R}, Explain {replayed[i]:R}");
    }

    [Fact]
    public void Explain_changes_no_grad_and_keeps_the_graph()
    {
        var (L, all, names) = Micrograd();
        L.Explain(names);
        Assert.All(all, t => Assert.Null(t.Grad));
        L.Backward(retainGraph: true);
        var before = all.Where(t => t.GradFn is null).Select(t => t.Grad!.Item()).ToArray();
        var d = L.Explain(names);
        Assert.Equal(before, all.Where(t => t.GradFn is null).Select(t => t.Grad!.Item()));
        Assert.False(L.GradFn!.IsReleased);
        // The derivation after backward still agrees with .Grad: ∂L/∂a = 6.
        Assert.Equal(6, Scalar(Term(d, "a").Accumulated));
        L.Backward(); // the graph is still there to backpropagate through
        // a.Grad = 6 + 6 after two backward passes
        Assert.Equal(12, all[0].Grad!.Item());
    }

    [Fact]
    public void A_freed_graph_and_a_non_scalar_root_throw()
    {
        var (L, _, _) = Micrograd();
        L.Backward();
        var freed = Assert.Throws<InvalidOperationException>(() => L.Explain());
        Assert.Contains("retainGraph: true", freed.Message);
        Assert.Contains("before Backward()", freed.Message);

        var v = Tensor.FromArray([1.0, 2.0], [2], requiresGrad: true);
        var notScalar = Assert.Throws<ArgumentException>(() => (v * v).Explain());
        Assert.Contains("[2]", notScalar.Message);
    }
}
