namespace Autograd.Checking;

// GradCheck.Verify: the value checks (Jacobians against finite differences, first and second order, with
// non-differentiable points told apart from mismatches). The laws a backward must also obey are in GradCheckLaws.cs.
// Everything runs on fresh copies of the inputs, so the caller's tensors, their versions and their .Grad are untouched.
public static partial class GradCheck
{
    /// <summary>
    /// Verifies the gradients of <paramref name="f"/> at <paramref name="inputs"/> and reports every check run:
    /// f is deterministic; f and its backward do not change their inputs; the Jacobian ∂f[o]/∂x[i][e] (one one-hot
    /// vector–Jacobian product per output element) agrees with finite differences within atol + rtol·|numeric|; at
    /// order 2 so does the Jacobian of the gradient vᵀ·∂f/∂x (v a random cotangent from the seed) and, for a scalar f,
    /// the Hessian is symmetric; a zero output gradient gives zero input gradients; backward is linear in the output
    /// gradient; gradients accumulate into .Grad; inputs that do not require grad get none.
    /// Where the left and right differences (f(x) − f(x − h))/h and (f(x + h) − f(x))/h disagree by a jump that does not
    /// shrink with h, the element is a non-differentiable point and <see cref="GradCheckOptions.NonDifferentiable"/> decides.
    /// </summary>
    /// <example><code>
    /// var report = GradCheck.Verify(xs => xs[0].Relu().Sum(), [x], new GradCheckOptions { Order = 2 });
    /// if (!report.Passed) Console.WriteLine(report);
    /// </code></example>
    public static GradCheckReport Verify(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"GradCheck.Verify: input {i} is null");
        options ??= new GradCheckOptions();
        options.Validate();
        using var mode = Tensor.EnableGrad();
        var xs = Copies(inputs);
        var differentiable = Enumerable.Range(0, xs.Length).Where(i => xs[i].RequiresGrad).ToArray();
        if (differentiable.Length == 0)
            throw new ArgumentException($"GradCheck.Verify: no input requires grad (input shapes {string.Join(", ", inputs.Select(x => Shapes.Format(x.Dims)))})");
        var checks = new List<GradCheckItem>();
        var points = new List<NonDifferentiablePoint>();
        var generator = new Generator(options.Seed);

        checks.Add(NotMutated(f, xs, differentiable, out var output));
        var determinism = Deterministic(f, xs, output);
        checks.Add(determinism);
        if (!determinism.Passed) return new GradCheckReport(options, checks, null, points, true, inputs);

        var first = Compare(f, xs, differentiable, output.NumElements, 1, options, generator);
        checks.Add(first.Item("first-order Jacobian"));
        points.AddRange(first.Points);
        var worst = first.Worst;
        if (options.Order == 2)
        {
            // The first draw from a generator of its own, as in CheckSecondOrder and Verify<T>, whatever the mode drew before.
            var v = Tensor.Randn<double>([.. output.Dims], new Generator(options.Seed));
            var gradient = GradientOf(f, [.. differentiable.Select(i => xs[i])], v);
            int gradientCount = differentiable.Sum(i => xs[i].NumElements);
            var second = Compare(gradient, xs, differentiable, gradientCount, 2, options, generator);
            checks.Add(second.Item("second-order Jacobian (of vᵀ·∂f/∂x)"));
            points.AddRange(second.Points);
            worst ??= second.Worst;
            if (output.NumElements == 1)
                checks.Add(HessianSymmetric(second.Analytic ?? AnalyticJacobian(gradient, xs, differentiable, gradientCount), xs, differentiable, options));
            // The same gradient as a function of v (as PyTorch's gradgradcheck also checks): each backward rule's derivative
            // in the gradient it is handed, the part of its second-order rule the inputs alone do not reach where the op is
            // linear in an input.
            var upstream = Tensor.FromArray(v.ToArray(), [.. output.Dims], requiresGrad: true);
            var inV = Compare(us => GradientOf(f, [.. differentiable.Select(i => xs[i])], us[0])(xs), [upstream], [0], gradientCount, 2, options, generator);
            checks.Add(inV.Item("second-order Jacobian in v (of vᵀ·∂f/∂x)"));
            // A mismatch or a non-differentiable point in v names input index inputs.Length (past the real inputs), as
            // GradCheck.CheckSecondOrder does. A correct rule is linear in v, so a point there marks a rule that is not.
            worst ??= inV.Worst is { } inVWorst ? inVWorst with { InputIndex = xs.Length } : null;
            points.AddRange(inV.Points.Select(p => p with { InputIndex = xs.Length }));
        }
        checks.AddRange(Laws(f, xs, differentiable, output, generator, options));
        return new GradCheckReport(options, checks, worst, points, false, inputs);
    }

    /// <summary>Fresh contiguous leaves with the inputs' values, shapes and RequiresGrad.</summary>
    private static Tensor<double>[] Copies(Tensor<double>[] inputs) =>
        [.. inputs.Select(x => Tensor.FromArray(x.ToArray(), (int[])x.Dims.Clone(), x.RequiresGrad))];

    /// <summary>What comparing one Jacobian with finite differences found.</summary>
    private sealed record JacobianComparison(int Order, double[][][]? Analytic, int Compared, int Failed, int Skipped,
        GradCheckMismatch? Worst, List<NonDifferentiablePoint> Points, bool FailOnPoints)
    {
        /// <summary>In projections mode, what the projections found before the full recompute.</summary>
        public string? ProjectionDetail { get; init; }

        public GradCheckItem Item(string name)
        {
            bool passed = Failed == 0 && !(FailOnPoints && Points.Count > 0);
            string detail = (ProjectionDetail is null ? "" : ProjectionDetail + "; ") + $"{Compared - Failed} of {Compared} entries agree with finite differences";
            if (Points.Count + Skipped > 0) detail += $"; {Points.Count + Skipped} non-differentiable point(s){(Skipped > 0 ? " skipped" : "")}";
            if (Worst is not null) detail += $"; worst at input {Worst.InputIndex} element {Shapes.Format(Worst.InputElement)}, output element {Worst.OutputElement}";
            return new GradCheckItem(name, passed, detail);
        }
    }

    /// <summary>Compares the Jacobian of f with respect to the inputs in <paramref name="perturbed"/> (a subset of
    /// <paramref name="differentiable"/>) entry by entry; the analytic Jacobian is computed only when some input is perturbed.</summary>
    private static JacobianComparison CompareJacobian(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs,
        int[] differentiable, int[] perturbed, int outCount, int order, GradCheckOptions o)
    {
        var analytic = perturbed.Length == 0 ? null : AnalyticJacobian(f, xs, differentiable, outCount);
        var at = f(xs).ToArray();
        double h = o.Eps;
        int compared = 0, failed = 0, skipped = 0;
        GradCheckMismatch? worst = null;
        double worstExcess = double.NegativeInfinity;
        var points = new List<NonDifferentiablePoint>();
        foreach (int i in perturbed)
        {
            var values = xs[i].ToArray();
            for (int e = 0; e < values.Length; e++)
            {
                double x = values[e];
                double[] p1 = EvaluateAt(f, xs, i, e, x + h), m1 = EvaluateAt(f, xs, i, e, x - h);
                double[] p2 = EvaluateAt(f, xs, i, e, x + 2 * h), m2 = EvaluateAt(f, xs, i, e, x - 2 * h);
                var kink = Kink(order, i, e, xs[i].Dims, at, p1, m1, p2, m2, h, o);
                if (kink is not null)
                {
                    if (o.NonDifferentiable == NonDifferentiablePolicy.Skip) skipped++;
                    else points.Add(kink);
                    continue;
                }
                for (int k = 0; k < outCount; k++)
                {
                    double central = (p1[k] - m1[k]) / (2 * h);
                    double fourPoint = (8 * (p1[k] - m1[k]) - (p2[k] - m2[k])) / (12 * h);
                    double numeric = o.Stencil == Stencil.Central ? central : fourPoint;
                    double a = analytic![k][i][e];
                    double abs = Math.Abs(a - numeric), allowed = o.Atol + o.Rtol * Math.Abs(numeric);
                    compared++;
                    if (abs <= allowed) continue;
                    failed++;
                    double excess = double.IsNaN(abs) ? double.PositiveInfinity : abs - allowed;
                    if (worst is not null && excess <= worstExcess) continue;
                    worstExcess = excess;
                    double relative = abs == 0 ? 0 : abs / Math.Abs(numeric);
                    worst = new GradCheckMismatch(order, i, Unravel(e, xs[i].Dims), k, a, numeric, abs, relative, allowed,
                        Math.Abs(central - fourPoint));
                }
            }
        }
        return new JacobianComparison(order, analytic, compared, failed, skipped, worst, points,
            o.NonDifferentiable == NonDifferentiablePolicy.Fail);
    }

    /// <summary>
    /// The non-differentiable point at element e, or null. The jump right − left of the one-sided differences is
    /// about f''·h where f is smooth (it doubles with a doubled step) and about constant at a kink; an element is a
    /// kink when some output's jump exceeds the tolerance and stays closer to its value at 2h than to twice it.
    /// </summary>
    private static NonDifferentiablePoint? Kink(int order, int input, int e, int[] shape, double[] at, double[] p1,
        double[] m1, double[] p2, double[] m2, double h, GradCheckOptions o)
    {
        NonDifferentiablePoint? found = null;
        double largest = 0;
        for (int k = 0; k < at.Length; k++)
        {
            double left = (at[k] - m1[k]) / h, right = (p1[k] - at[k]) / h;
            double jump = right - left, jump2 = (p2[k] - at[k]) / (2 * h) - (at[k] - m2[k]) / (2 * h);
            double size = Math.Abs(jump);
            if (!(size > o.Atol + o.Rtol * Math.Max(Math.Abs(left), Math.Abs(right)))) continue;
            if (!(Math.Abs(jump2 - jump) < Math.Abs(jump2 - 2 * jump)) || size <= largest) continue;
            largest = size;
            found = new NonDifferentiablePoint(order, input, Unravel(e, shape), k, left, right);
        }
        return found;
    }
}
