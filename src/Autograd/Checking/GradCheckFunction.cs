namespace Autograd.Checking;

// VerifyFunction: a custom Function<double> tested the way ChainRulesTestUtils' test_rrule tests an rrule: its backward
// runs and returns what the engine accepts, its Jacobian agrees with finite differences (GradCheck.Verify, with all of
// Verify's laws), and, given a reference written with built-in ops, its value and its vector–Jacobian product agree
// with the reference's own value and backprop. Everything runs on copies, so the caller's tensors are untouched.
public static partial class GradCheck
{
    /// <summary>
    /// Verifies a custom <see cref="Function{T}"/> (made fresh by <paramref name="create"/> for every application) at
    /// <paramref name="inputs"/>, as Julia's <c>test_rrule</c> does, and reports every check in one report:
    /// <list type="number">
    /// <item>"backward returns one gradient per input, of the input's shape": backpropagating a random cotangent v
    /// (drawn from <see cref="GradCheckOptions.Seed"/>) through <see cref="Function{T}.Apply"/> succeeds; a backward
    /// that returns the wrong number of gradients, or one whose shape does not sum to its input's, fails here with the
    /// engine's message, and the finite-difference checks are then not run;</item>
    /// <item>every check of <see cref="Verify"/> on <c>xs =&gt; create().Apply(xs)</c>: the Jacobian against finite
    /// differences (orders, stencil and non-differentiable points per <paramref name="options"/>), determinism, no
    /// mutation, a zero cotangent giving zero (or null) gradients, linearity, accumulation;</item>
    /// <item>with a <paramref name="reference"/>: "value agrees with the reference", |f(x) − r(x)| ≤ atol + rtol·|r(x)|
    /// for every element, and "vector–Jacobian product agrees with the reference's", |vᵀ·∂f/∂xᵢ − vᵀ·∂r/∂xᵢ| ≤ atol +
    /// rtol·|vᵀ·∂r/∂xᵢ| for every element of every input that requires grad, the reference's VJP coming from the engine's
    /// backprop through its built-in ops (<c>Tensor.Grad</c> with gradOutputs v).</item>
    /// </list>
    /// The tolerances are <see cref="GradCheckOptions.Atol"/> and <see cref="GradCheckOptions.Rtol"/>. The report's
    /// <see cref="GradCheckReport.Worst"/> and non-differentiable points are those of the finite-difference checks.
    /// </summary>
    /// <example><code>
    /// var report = GradCheck.VerifyFunction(() =&gt; new Softplus(), [x], reference: xs =&gt; (xs[0].Exp() + 1).Log());
    /// if (!report.Passed) Console.WriteLine(report);
    /// </code></example>
    /// <exception cref="ArgumentException">No input requires grad, or the options are invalid.</exception>
    public static GradCheckReport VerifyFunction(Func<Function<double>> create, Tensor<double>[] inputs,
        Func<Tensor<double>[], Tensor<double>>? reference = null, GradCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"GradCheck.VerifyFunction: input {i} is null");
        options ??= new GradCheckOptions();
        options.Validate();
        if (!Array.Exists(inputs, x => x.RequiresGrad))
            throw new ArgumentException($"GradCheck.VerifyFunction: no input requires grad (input shapes {string.Join(", ", inputs.Select(x => Shapes.Format(x.Dims)))})");
        Func<Tensor<double>[], Tensor<double>> f = xs => create().Apply(xs);

        using var mode = Tensor.EnableGrad();
        var checks = new List<GradCheckItem>();
        var xs = Copies(inputs);
        var differentiable = Enumerable.Range(0, xs.Length).Where(i => xs[i].RequiresGrad).ToArray();
        var y = f(xs);
        var v = Tensor.Randn<double>([.. y.Dims], new Generator(options.Seed));
        string name = create().Name;
        Tensor<double>[] vjp;
        try
        {
            vjp = Vjp(y, [.. differentiable.Select(i => xs[i])], v);
            checks.Add(new GradCheckItem("backward returns one gradient per input, of the input's shape", true,
                $"{name}: backward of a random cotangent gives gradients of shapes {string.Join(", ", vjp.Select(g => Shapes.Format(g.Dims)))}"));
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            checks.Add(new GradCheckItem("backward returns one gradient per input, of the input's shape", false, $"{name}: {e.Message}"));
            return new GradCheckReport(options, checks, null, [], false, inputs);
        }

        var verify = Verify(f, inputs, options);
        checks.AddRange(verify.Checks);
        if (reference is not null)
        {
            var rs = Copies(inputs);
            var r = reference(rs);
            checks.Add(ValueAgrees(y, r, options));
            if (Shapes.Equal(y.Dims, r.Dims))
                checks.Add(VjpAgrees(vjp, Vjp(r, [.. differentiable.Select(i => rs[i])], v), differentiable, xs, options));
        }
        return new GradCheckReport(options, checks, verify.Worst, verify.NonDifferentiablePoints, verify.Nondeterministic, inputs);
    }

    /// <summary>vᵀ·∂y/∂xs (zeros for an input y does not depend on, or when y does not require grad).</summary>
    private static Tensor<double>[] Vjp(Tensor<double> y, Tensor<double>[] xs, Tensor<double> v) =>
        y.RequiresGrad ? Tensor.Grad([y], xs, [v], allowUnused: true)
            : [.. xs.Select(x => Tensor.Zeros<double>([.. x.Dims]))];

    /// <summary>f(x) against r(x) element by element: |f − r| ≤ atol + rtol·|r|, shapes equal.</summary>
    private static GradCheckItem ValueAgrees(Tensor<double> y, Tensor<double> r, GradCheckOptions o)
    {
        const string item = "value agrees with the reference";
        if (!Shapes.Equal(y.Dims, r.Dims))
            return new GradCheckItem(item, false, $"the output has shape {Shapes.Format(y.Dims)}, the reference's {Shapes.Format(r.Dims)}");
        var (a, b) = (y.ToArray(), r.ToArray());
        for (int k = 0; k < a.Length; k++)
            if (!(Math.Abs(a[k] - b[k]) <= o.Atol + o.Rtol * Math.Abs(b[k])))
                return new GradCheckItem(item, false,
                    $"output element {Shapes.Format(Unravel(k, y.Dims))}: {a[k]:G10} vs reference {b[k]:G10} (allowed {o.Atol + o.Rtol * Math.Abs(b[k]):G4})");
        return new GradCheckItem(item, true, $"{a.Length} elements within {o.Atol:G3} + {o.Rtol:G3}·|reference|");
    }

    /// <summary>The function's VJP against the reference's for the same cotangent, input by input, element by element.</summary>
    private static GradCheckItem VjpAgrees(Tensor<double>[] got, Tensor<double>[] expected, int[] differentiable,
        Tensor<double>[] xs, GradCheckOptions o)
    {
        const string item = "vector–Jacobian product agrees with the reference's";
        int compared = 0;
        for (int j = 0; j < differentiable.Length; j++)
        {
            var (a, b) = (got[j].ToArray(), expected[j].ToArray());
            for (int e = 0; e < a.Length; e++, compared++)
                if (!(Math.Abs(a[e] - b[e]) <= o.Atol + o.Rtol * Math.Abs(b[e])))
                    return new GradCheckItem(item, false,
                        $"input {differentiable[j]} element {Shapes.Format(Unravel(e, xs[differentiable[j]].Dims))}: {a[e]:G10} vs reference {b[e]:G10} (allowed {o.Atol + o.Rtol * Math.Abs(b[e]):G4}; cotangent seed {o.Seed})");
        }
        return new GradCheckItem(item, true, $"{compared} gradient elements agree for a random cotangent (seed {o.Seed})");
    }
}
