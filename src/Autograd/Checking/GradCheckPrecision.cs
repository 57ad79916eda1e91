using System.Numerics;

namespace Autograd.Checking;

// Verify<T>: a float function's gradients are compared with a double reference's, not with finite differences in
// float (whose rounding error at any usable step swamps the derivative). The reference itself is verified first.
public static partial class GradCheck
{
    /// <summary>
    /// Verifies <paramref name="f"/> in element type <typeparamref name="T"/> against <paramref name="reference"/>, the
    /// same function in double: first <see cref="Verify"/> checks the reference (its checks are listed with the prefix
    /// "reference: "); then f's output and its Jacobian (at order 2 also the Jacobian of vᵀ·∂f/∂x, with the same v) must
    /// agree with the reference's within <see cref="GradCheckOptions.FloatAtol"/> + <see cref="GradCheckOptions.FloatRtol"/>·|reference|
    /// (<see cref="GradCheckOptions.Atol"/> and <see cref="GradCheckOptions.Rtol"/> when T is double).
    /// </summary>
    /// <example><code>
    /// var report = GradCheck.Verify&lt;float&gt;(xs => xs[0].Tanh(), xs => xs[0].Tanh(), [x]);
    /// </code></example>
    public static GradCheckReport Verify<T>(Func<Tensor<T>[], Tensor<T>> f, Func<Tensor<double>[], Tensor<double>> reference,
        Tensor<double>[] inputs, GradCheckOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        options ??= new GradCheckOptions();
        var referenceReport = Verify(reference, inputs, options);
        var checks = referenceReport.Checks.Select(c => c with { Name = "reference: " + c.Name }).ToList();
        using var mode = Tensor.EnableGrad();
        var xs = Copies(inputs);
        var ts = xs.Select(x => Tensor.FromArray(x.ToArray().Select(T.CreateChecked).ToArray(), (int[])x.Dims.Clone(), x.RequiresGrad)).ToArray();
        var differentiable = Enumerable.Range(0, xs.Length).Where(i => xs[i].RequiresGrad).ToArray();
        var (y, yr) = (f(ts), reference(xs));
        if (!y.Dims.AsSpan().SequenceEqual(yr.Dims))
            throw new ArgumentException($"GradCheck.Verify<{typeof(T).Name}>: f's output has shape {Shapes.Format(y.Dims)}, the reference's {Shapes.Format(yr.Dims)}");
        bool isDouble = typeof(T) == typeof(double);
        double atol = isDouble ? options.Atol : options.FloatAtol, rtol = isDouble ? options.Rtol : options.FloatRtol;
        var (values, reference0) = (y.ToArray().Select(double.CreateChecked).ToArray(), yr.ToArray());
        int bad = Enumerable.Range(0, values.Length).Append(-1).First(k => k < 0 || !(Math.Abs(values[k] - reference0[k]) <= atol + rtol * Math.Abs(reference0[k])));
        checks.Add(new GradCheckItem($"{typeof(T).Name} output agrees with the double reference", bad < 0,
            bad < 0 ? $"{values.Length} elements within {atol:G3} + {rtol:G3}·|reference|" : $"output element {bad}: {values[bad]:G10} vs reference {reference0[bad]:G10}"));

        var (first, worst) = CompareWithReference(f, ts, reference, xs, differentiable, y.NumElements, 1, atol, rtol);
        checks.Add(first);
        if (options.Order == 2)
        {
            // The same cotangent as Verify's second-order check (the first draw from a generator seeded with Seed), for f and the reference alike.
            var v = Tensor.Randn<double>([.. yr.Dims], new Generator(options.Seed));
            var vt = Tensor.FromArray(v.ToArray().Select(T.CreateChecked).ToArray(), [.. v.Dims]);
            var gradient = GradientOf(f, [.. differentiable.Select(i => ts[i])], vt);
            var gradientReference = GradientOf(reference, [.. differentiable.Select(i => xs[i])], v);
            var (second, worst2) = CompareWithReference(gradient, ts, gradientReference, xs, differentiable,
                differentiable.Sum(i => xs[i].NumElements), 2, atol, rtol);
            checks.Add(second);
            worst ??= worst2;
        }
        return new GradCheckReport(options, checks, worst ?? referenceReport.Worst, referenceReport.NonDifferentiablePoints,
            referenceReport.Nondeterministic, inputs);
    }

    private static (GradCheckItem Item, GradCheckMismatch? Worst) CompareWithReference<T>(Func<Tensor<T>[], Tensor<T>> f,
        Tensor<T>[] ts, Func<Tensor<double>[], Tensor<double>> reference, Tensor<double>[] xs, int[] differentiable, int outCount,
        int order, double atol, double rtol) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var analytic = AnalyticJacobian(f, ts, differentiable, outCount);
        var expected = AnalyticJacobian(reference, xs, differentiable, outCount);
        int compared = 0, failed = 0;
        GradCheckMismatch? worst = null;
        foreach (int i in differentiable)
            for (int k = 0; k < outCount; k++)
                for (int e = 0; e < xs[i].NumElements; e++)
                {
                    double a = analytic[k][i][e], r = expected[k][i][e];
                    double abs = Math.Abs(a - r), allowed = atol + rtol * Math.Abs(r);
                    compared++;
                    if (abs <= allowed) continue;
                    failed++;
                    if (worst is not null && !(abs - allowed > worst.AbsoluteError - worst.AllowedError)) continue;
                    worst = new GradCheckMismatch(order, i, Unravel(e, xs[i].Dims), k, a, r, abs, r == 0 ? double.PositiveInfinity : abs / Math.Abs(r), allowed, 0);
                }
        string name = $"{(order == 1 ? "first" : "second")}-order {typeof(T).Name} Jacobian against the double reference";
        string detail = $"{compared - failed} of {compared} entries agree" +
            (worst is null ? "" : $"; worst at input {worst.InputIndex} element {Shapes.Format(worst.InputElement)}, output element {worst.OutputElement}");
        return (new GradCheckItem(name, failed == 0, detail), worst);
    }
}
