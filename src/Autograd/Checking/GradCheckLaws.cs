namespace Autograd.Checking;

// The checks of GradCheck.Verify beyond value agreement (ChainRulesTestUtils' test_rrule and PyTorch's gradcheck
// run similar ones): determinism, no mutation, zero cotangents, linearity, accumulation, no .Grad for inputs that do
// not require grad, and a symmetric Hessian.
public static partial class GradCheck
{
    /// <summary>The first forward and a backward must leave the inputs' values and versions as they were;
    /// <paramref name="output"/> is that forward's result.</summary>
    private static GradCheckItem NotMutated(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs, int[] differentiable,
        out Tensor<double> output)
    {
        var values = xs.Select(x => x.ToArray()).ToArray();
        var versions = xs.Select(x => x.Version).ToArray();
        var y = output = f(xs);
        if (y.RequiresGrad)
            Tensor.Grad([y], [.. differentiable.Select(i => xs[i])], [Tensor.Full([.. y.Dims], 1.0)], allowUnused: true);
        for (int i = 0; i < xs.Length; i++)
        {
            var now = xs[i].ToArray();
            for (int e = 0; e < now.Length; e++)
                if (!now[e].Equals(values[i][e]))
                    return new GradCheckItem("inputs not mutated", false,
                        $"input {i} element {Shapes.Format(Unravel(e, xs[i].Dims))} changed from {values[i][e]:G10} to {now[e]:G10} during forward/backward");
            if (xs[i].Version != versions[i])
                return new GradCheckItem("inputs not mutated", false,
                    $"input {i} (shape {Shapes.Format(xs[i].Dims)}) was written in place: version {versions[i]} → {xs[i].Version}");
        }
        return new GradCheckItem("inputs not mutated", true, "values and versions unchanged by forward and backward");
    }

    /// <summary>Two runs of f on the same inputs must give the same output.</summary>
    private static GradCheckItem Deterministic(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs, Tensor<double> output)
    {
        var a = output.ToArray();
        var b = f(xs).ToArray();
        if (a.Length != b.Length)
            return new GradCheckItem("deterministic", false, $"f is nondeterministic: two runs gave {a.Length} and {b.Length} elements");
        for (int k = 0; k < a.Length; k++)
            if (!a[k].Equals(b[k]) && !(Math.Abs(a[k] - b[k]) <= 1e-12 * (1 + Math.Abs(a[k]))))
                return new GradCheckItem("deterministic", false,
                    $"f is nondeterministic: two runs on the same inputs differ at output element {k} ({a[k]:G10} vs {b[k]:G10}); " +
                    "random ops (dropout, Tensor.Rand) need a fixed Generator");
        return new GradCheckItem("deterministic", true, "two runs of f on the same inputs agree");
    }

    /// <summary>At order 2 for a scalar f, the analytic Jacobian of v·∇f is v·H, which must be symmetric.</summary>
    private static GradCheckItem HessianSymmetric(double[][][] jacobian, Tensor<double>[] xs, int[] differentiable, GradCheckOptions o)
    {
        // Column c of the flattened gradient belongs to input differentiable[j], element c − offsets[j].
        var owner = new List<(int Input, int Element)>();
        foreach (int i in differentiable)
            for (int e = 0; e < xs[i].NumElements; e++) owner.Add((i, e));
        for (int r = 0; r < owner.Count; r++)
            for (int c = r + 1; c < owner.Count; c++)
            {
                double hrc = jacobian[r][owner[c].Input][owner[c].Element], hcr = jacobian[c][owner[r].Input][owner[r].Element];
                if (!(Math.Abs(hrc - hcr) <= o.Atol + o.Rtol * Math.Max(Math.Abs(hrc), Math.Abs(hcr))))
                    return new GradCheckItem("Hessian symmetric", false,
                        $"∂²f/∂a∂b = {hrc:G10} but ∂²f/∂b∂a = {hcr:G10} for a = input {owner[r].Input} element {Shapes.Format(Unravel(owner[r].Element, xs[owner[r].Input].Dims))}, " +
                        $"b = input {owner[c].Input} element {Shapes.Format(Unravel(owner[c].Element, xs[owner[c].Input].Dims))}");
            }
        return new GradCheckItem("Hessian symmetric", true, $"{owner.Count}×{owner.Count} Hessian (times v) is symmetric");
    }

    /// <summary>Zero cotangent, linearity, accumulation into .Grad, and no .Grad for inputs that do not require grad.</summary>
    private static List<GradCheckItem> Laws(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs, int[] differentiable,
        Tensor<double> output, Generator generator, GradCheckOptions o)
    {
        var checks = new List<GradCheckItem>();
        if (!output.RequiresGrad)
        {
            checks.Add(new GradCheckItem("backward laws", true, "skipped: f's output does not require grad, so it has no backward"));
            return checks;
        }
        var sources = differentiable.Select(i => xs[i]).ToArray();
        double[][] Vjp(Tensor<double> cotangent) =>
            [.. Tensor.Grad([f(xs)], sources, [cotangent], allowUnused: true).Select(g => g.ToArray())];

        var zero = Vjp(Tensor.Zeros<double>([.. output.Dims]));
        var nonZero = Find(zero, (j, e) => !(Math.Abs(zero[j][e]) <= o.Atol));
        checks.Add(new GradCheckItem("zero output gradient gives zero input gradients", nonZero is null,
            nonZero is { } z ? $"input {differentiable[z.J]} element {Shapes.Format(Unravel(z.E, xs[differentiable[z.J]].Dims))} got {zero[z.J][z.E]:G10}" : "all input gradients are zero"));

        var g1 = Tensor.Randn<double>([.. output.Dims], generator);
        var g2 = Tensor.Randn<double>([.. output.Dims], generator);
        double[][] both = Vjp(g1 + g2 * 2.0), one = Vjp(g1), two = Vjp(g2);
        var nonLinear = Find(both, (j, e) => !Close(both[j][e], one[j][e] + 2 * two[j][e], o));
        checks.Add(new GradCheckItem("backward is linear in the output gradient", nonLinear is null,
            nonLinear is { } n ? $"input {differentiable[n.J]} element {Shapes.Format(Unravel(n.E, xs[differentiable[n.J]].Dims))}: backward(g1 + 2·g2) = {both[n.J][n.E]:G10}, backward(g1) + 2·backward(g2) = {one[n.J][n.E] + 2 * two[n.J][n.E]:G10}" : "backward(g1 + 2·g2) = backward(g1) + 2·backward(g2)"));

        // Accumulation on fresh leaves: two backward calls with g1 leave 2·backward(g1) in .Grad.
        var leaves = Copies(xs);
        f(leaves).Backward(g1);
        f(leaves).Backward(g1);
        (int J, int E)? unaccumulated = null;
        for (int j = 0; j < differentiable.Length && unaccumulated is null; j++)
        {
            var grad = leaves[differentiable[j]].Grad?.ToArray() ?? new double[one[j].Length];
            for (int e = 0; e < grad.Length && unaccumulated is null; e++)
                if (!Close(grad[e], 2 * one[j][e], o)) unaccumulated = (j, e);
        }
        checks.Add(new GradCheckItem("gradients accumulate into .Grad", unaccumulated is null,
            unaccumulated is { } u ? $"input {differentiable[u.J]} element {Shapes.Format(Unravel(u.E, xs[differentiable[u.J]].Dims))}: .Grad after two backward calls is {leaves[differentiable[u.J]].Grad?.ToArray()[u.E]:G10}, expected 2 × {one[u.J][u.E]:G10}" : ".Grad after two backward calls is twice one call's gradient"));

        int withGrad = Array.FindIndex(leaves, x => !x.RequiresGrad && x.Grad is not null);
        checks.Add(new GradCheckItem("inputs that do not require grad get no .Grad", withGrad < 0,
            withGrad >= 0 ? $"input {withGrad} (shape {Shapes.Format(leaves[withGrad].Dims)}) does not require grad but got a .Grad" : $"{xs.Length - differentiable.Length} such input(s), none got a .Grad"));
        return checks;
    }

    private static bool Close(double actual, double expected, GradCheckOptions o) =>
        Math.Abs(actual - expected) <= o.Atol + o.Rtol * Math.Abs(expected);

    private static (int J, int E)? Find(double[][] values, Func<int, int, bool> bad)
    {
        for (int j = 0; j < values.Length; j++)
            for (int e = 0; e < values[j].Length; e++)
                if (bad(j, e)) return (j, e);
        return null;
    }
}
