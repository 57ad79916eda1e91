namespace Autograd.Checking;

// Mode.Projections: instead of the whole Jacobian, compare uᵀ·J·v for a few random u (shaped like the output) and v
// (shaped like one input) with the directional difference uᵀ·(f(x + h·v) − f(x − h·v)) / 2h. An input whose projection
// disagrees, or whose directional one-sided differences disagree (a kink along v), is compared again entry by entry,
// so a failure still names its element and a kink is still told apart from a mismatch.
public static partial class GradCheck
{
    private static JacobianComparison Compare(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs,
        int[] differentiable, int outCount, int order, GradCheckOptions o, Generator generator)
    {
        if (o.Mode == Mode.Full) return CompareJacobian(f, xs, differentiable, differentiable, outCount, order, o);
        var recompute = differentiable.Where(i => !ProjectionsAgree(f, xs, i, o, generator)).ToArray();
        var full = CompareJacobian(f, xs, differentiable, recompute, outCount, order, o);
        string which = recompute.Length == 0 ? "none" : string.Join(", ", recompute.Select(i => $"input {i}"));
        return full with { ProjectionDetail = $"{o.Projections} random projection(s) per input; recomputed in full: {which}" };
    }

    /// <summary>True when every projection uᵀ·J·v for input <paramref name="input"/> agrees with its directional
    /// difference and the directional one-sided differences agree (no kink along v).</summary>
    private static bool ProjectionsAgree(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs, int input,
        GradCheckOptions o, Generator generator)
    {
        double h = o.Eps;
        for (int p = 0; p < o.Projections; p++)
        {
            var y = f(xs);
            var u = Tensor.Randn<double>([.. y.Dims], generator);
            var v = Tensor.Randn<double>([.. xs[input].Dims], generator).ToArray();
            double analytic = 0;
            if (y.RequiresGrad)
            {
                var vjp = Tensor.Grad([y], [xs[input]], [u], allowUnused: true)[0].ToArray();
                for (int e = 0; e < v.Length; e++) analytic += vjp[e] * v[e];
            }
            var uValues = u.ToArray();
            double Along(double t) => Dot(uValues, EvaluateAlong(f, xs, input, v, t));
            double at = Dot(uValues, y.ToArray()), p1 = Along(h), m1 = Along(-h), p2 = Along(2 * h), m2 = Along(-2 * h);
            double left = (at - m1) / h, right = (p1 - at) / h, jump = right - left;
            double jump2 = (p2 - at) / (2 * h) - (at - m2) / (2 * h);
            bool kink = Math.Abs(jump) > o.Atol + o.Rtol * Math.Max(Math.Abs(left), Math.Abs(right))
                && Math.Abs(jump2 - jump) < Math.Abs(jump2 - 2 * jump);
            double central = (p1 - m1) / (2 * h), fourPoint = (8 * (p1 - m1) - (p2 - m2)) / (12 * h);
            double numeric = o.Stencil == Stencil.Central ? central : fourPoint;
            if (kink || !(Math.Abs(analytic - numeric) <= o.Atol + o.Rtol * Math.Abs(numeric))) return false;
        }
        return true;
    }

    /// <summary>f(inputs) with input <paramref name="input"/> moved to x + t·<paramref name="direction"/>, then restored.</summary>
    private static double[] EvaluateAlong(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int input,
        double[] direction, double t)
    {
        var saved = inputs[input].ToArray();
        var values = inputs[input].AsSpan();
        for (int e = 0; e < values.Length; e++) values[e] = saved[e] + t * direction[e];
        try { return f(inputs).ToArray(); }
        finally { saved.CopyTo(inputs[input].AsSpan()); }
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int k = 0; k < a.Length; k++) sum += a[k] * b[k];
        return sum;
    }
}
