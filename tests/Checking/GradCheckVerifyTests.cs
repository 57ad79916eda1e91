using Autograd.Checking;

namespace Autograd.Tests.Verification;  // not ".Checking": tests elsewhere write Checking.GradCheck

/// <summary>GradCheck.Verify: planted bugs in a custom Function are caught and located, correct functions pass at
/// orders 1 and 2, kinks are told apart from mismatches, randomness is reported as nondeterminism.</summary>
public class GradCheckVerifyTests
{
    // y = A·x with A = [[1, 2, 0], [0, 1, 3], [4, 0, 1]] (not symmetric, so a transposed backward is wrong), x a column.
    // The Jacobian ∂y[o]/∂x[e] = A[o, e]; the one-hot VJP for output o returns row o of the backward's matrix.
    private static readonly double[] AValues = [1, 2, 0, 0, 1, 3, 4, 0, 1];

    private enum Bug { None, Transposed, Doubled, SignFlipped, DetachedUpstream }

    private sealed class LinearMap(Bug bug) : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[1]);
            return inputs[1].MatMul(inputs[0]);
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            var a = ctx.SavedTensors[0];
            var correct = a.Transpose(0, 1).MatMul(g);           // ∂(gᵀ·A·x)/∂x = Aᵀ·g
            return bug switch
            {
                Bug.Transposed => [a.MatMul(g), null],            // A·g: Jacobian entry [o, e] becomes A[e, o]
                Bug.Doubled => [correct * 2.0, null],             // 2·A[o, e]
                Bug.SignFlipped => [-correct, null],              // −A[o, e]
                Bug.DetachedUpstream => [a.Transpose(0, 1).MatMul(g.Detach()), null], // right values, but not differentiable in g
                _ => [correct, null],
            };
        }
    }

    private static Tensor<double>[] Inputs() =>
    [
        Tensor.FromArray([0.5, -1, 2], [3, 1], requiresGrad: true),
        Tensor.FromArray(AValues, [3, 3]),
    ];

    private static Func<Tensor<double>[], Tensor<double>> Linear(Bug bug) => xs => new LinearMap(bug).Apply(xs[0], xs[1]);

    [Fact]
    public void TransposedBackwardFailsAtTheLargestAsymmetry()
    {
        var report = GradCheck.Verify(Linear(Bug.Transposed), Inputs());
        Assert.False(report.Passed);
        var w = report.Worst!;
        // Analytic [o, e] = A[e, o], numeric = A[o, e]. |A[e,o] − A[o,e]| is 4 at (o, e) = (0, 2) and (2, 0); the excess over
        // atol + rtol·|numeric| is largest where numeric = A[0, 2] = 0: output 0, input element [2, 0], analytic A[2, 0] = 4.
        Assert.Equal((1, 0, 0), (w.Order, w.InputIndex, w.OutputElement));
        Assert.Equal([2, 0], w.InputElement);
        Assert.Equal(4, w.Analytic, 1e-9);
        Assert.Equal(0, w.Numeric, 1e-6);
        Assert.Equal(4, w.AbsoluteError, 1e-6);
        Assert.Equal(1e-5, w.AllowedError, 1e-6);
        Assert.True(w.FiniteDifferenceError < 1e-6, $"a linear f has almost no truncation error, got {w.FiniteDifferenceError}");
        Assert.Contains("input 0 element [2, 0], output element 0", report.ToString());
        Assert.Contains("[FAIL] first-order Jacobian", report.ToString());
    }

    [Fact]
    public void DoubledBackwardFailsAtTheLargestEntry()
    {
        var report = GradCheck.Verify(Linear(Bug.Doubled), Inputs());
        Assert.False(report.Passed);
        var w = report.Worst!;
        // Analytic 2·A[o, e] vs numeric A[o, e]: excess |A|(1 − rtol) − atol is largest at A[2, 0] = 4: analytic 8.
        Assert.Equal((0, 2), (w.InputIndex, w.OutputElement));
        Assert.Equal([0, 0], w.InputElement);
        Assert.Equal(8, w.Analytic, 1e-9);
        Assert.Equal(4, w.Numeric, 1e-6);
        Assert.Equal(1, w.RelativeError, 1e-6);                  // |8 − 4| / 4
        Assert.Equal(1e-5 + 1e-3 * 4, w.AllowedError, 1e-8);
        Assert.Contains("input 0 element [0, 0], output element 2: analytic 8", report.ToString());
    }

    [Fact]
    public void SignFlippedBackwardFailsAtTheLargestEntry()
    {
        var report = GradCheck.Verify(Linear(Bug.SignFlipped), Inputs());
        Assert.False(report.Passed);
        var w = report.Worst!;
        // Analytic −A[o, e] vs numeric A[o, e]: |error| = 2|A| is largest at A[2, 0] = 4: analytic −4, error 8.
        Assert.Equal((0, 2), (w.InputIndex, w.OutputElement));
        Assert.Equal([0, 0], w.InputElement);
        Assert.Equal(-4, w.Analytic, 1e-9);
        Assert.Equal(8, w.AbsoluteError, 1e-6);
        Assert.Contains("analytic -4", report.ToString());
        // A sign flip is still linear and accumulates: those laws pass, only the values fail.
        Assert.True(report.Checks.Single(c => c.Name == "backward is linear in the output gradient").Passed);
    }

    [Fact]
    public void FailureReportReproducesTheInputs()
    {
        var report = GradCheck.Verify(Linear(Bug.Doubled), Inputs(), new GradCheckOptions { Seed = 42 });
        Assert.Equal(42UL, report.Seed);
        Assert.Contains("Tensor.FromArray(new double[] { 0.5, -1, 2 }, [3, 1], requiresGrad: true)", report.Reproduction);
        Assert.Contains("Tensor.FromArray(new double[] { 1, 2, 0, 0, 1, 3, 4, 0, 1 }, [3, 3], requiresGrad: false)", report.Reproduction);
        Assert.Contains("Seed = 42", report.Reproduction);
        Assert.Contains(report.Reproduction!, report.ToString());
    }

    [Fact]
    public void CorrectFunctionPassesFirstOrderWithoutAWorstElement()
    {
        var report = GradCheck.Verify(Linear(Bug.None), Inputs());
        Assert.True(report.Passed, report.ToString());
        Assert.Null(report.Worst);
        Assert.Null(report.Reproduction);
        Assert.DoesNotContain("Worst", report.ToString());
        Assert.Contains("9 of 9 entries agree", report.ToString());  // 3 outputs × 3 elements of x
        var names = report.Checks.Select(c => c.Name).ToArray();
        Assert.Equal(["inputs not mutated", "deterministic", "first-order Jacobian", "zero output gradient gives zero input gradients",
            "backward is linear in the output gradient", "gradients accumulate into .Grad", "inputs that do not require grad get no .Grad"], names);
    }

    [Fact]
    public void CorrectFunctionPassesSecondOrderWithSymmetricHessian()
    {
        // f = |A·x|² = xᵀAᵀA x: gradient 2AᵀA x, Hessian 2AᵀA (symmetric), checked through the custom backward.
        Tensor<double> F(Tensor<double>[] xs) { var y = new LinearMap(Bug.None).Apply(xs[0], xs[1]); return (y * y).Sum(); }
        var report = GradCheck.Verify(F, Inputs(), new GradCheckOptions { Order = 2, Stencil = Stencil.FourPoint });
        Assert.True(report.Passed, report.ToString());
        Assert.True(report.Checks.Single(c => c.Name == "second-order Jacobian (of vᵀ·∂f/∂x)").Passed);
        Assert.True(report.Checks.Single(c => c.Name == "second-order Jacobian in v (of vᵀ·∂f/∂x)").Passed);
        Assert.True(report.Checks.Single(c => c.Name == "Hessian symmetric").Passed);
    }

    [Fact]
    public void SecondOrderCatchesADoubledBackwardInTheGradient()
    {
        // With the doubled backward, ∂f/∂x = 2·(2AᵀA x): both orders disagree with finite differences.
        Tensor<double> F(Tensor<double>[] xs) { var y = new LinearMap(Bug.Doubled).Apply(xs[0], xs[1]); return (y * y).Sum(); }
        var report = GradCheck.Verify(F, Inputs(), new GradCheckOptions { Order = 2 });
        Assert.False(report.Passed);
        Assert.False(report.Checks.Single(c => c.Name == "second-order Jacobian (of vᵀ·∂f/∂x)").Passed);
    }

    [Fact]
    public void SecondOrderInTheUpstreamGradientCatchesABackwardThatDetachesIt()
    {
        // y = A·x with a backward that returns Aᵀ·g from a detached g: every first-order value is right, and so is the
        // derivative in x (the gradient does not depend on x), but the gradient's derivative in v (the upstream gradient
        // handed to the backward) comes out 0 where finite differences in v give Aᵀ: only the check in v sees it, as
        // PyTorch's gradgradcheck would. GradCheck.CheckSecondOrder perturbs v too.
        Tensor<double> F(Tensor<double>[] xs) => new LinearMap(Bug.DetachedUpstream).Apply(xs[0], xs[1]);
        var report = GradCheck.Verify(F, Inputs(), new GradCheckOptions { Order = 2 });
        Assert.True(report.Checks.Single(c => c.Name == "first-order Jacobian").Passed);
        Assert.True(report.Checks.Single(c => c.Name == "second-order Jacobian (of vᵀ·∂f/∂x)").Passed);
        Assert.False(report.Checks.Single(c => c.Name == "second-order Jacobian in v (of vᵀ·∂f/∂x)").Passed);
        Assert.Equal(2, report.Worst!.InputIndex);  // past the two inputs: the upstream gradient v
        Assert.False(GradCheck.CheckSecondOrder(F, Inputs()).Passed);
        Assert.True(GradCheck.CheckSecondOrder(xs => new LinearMap(Bug.None).Apply(xs[0], xs[1]), Inputs()).Passed);
    }

    [Fact]
    public void AKinkInTheUpstreamGradientIsReportedPastTheInputs()
    {
        // y = x (one element) with a backward g + relu(g − c) − relu(1 − c), c the v that Verify draws for order 2 (the
        // first draw of a generator seeded with the options' seed): at g = 1 it gives 1 (the right first-order value),
        // it does not depend on x (second order in x: 0 = 0), but as a function of v it bends at v = c (slope 1 on the
        // left, 2 on the right). That point is reported as input 1, past the one real input, as a mismatch in v is.
        var options = new GradCheckOptions { Order = 2 };
        double c = Tensor.Randn<double>([1], new Generator(options.Seed)).Item();
        var report = GradCheck.Verify(xs => new KinkedInUpstream(c).Apply(xs[0]), [Tensor.FromArray([0.3], [1], requiresGrad: true)], options);
        Assert.True(report.Checks.Single(k => k.Name == "first-order Jacobian").Passed, report.ToString());
        var point = Assert.Single(report.NonDifferentiablePoints);
        Assert.Equal((2, 1, 0), (point.Order, point.InputIndex, point.InputElement.Single()));
        Assert.Equal((1.0, 2.0), (Math.Round(point.Left, 6), Math.Round(point.Right, 6)));
    }

    /// <summary>The identity, with a backward that is right at g = 1 but bends in g at g = c.</summary>
    private sealed class KinkedInUpstream(double c) : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0].Clone();

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) =>
            [g + (g - c).Relu() - Math.Max(0, 1 - c)];
    }

    [Fact]
    public void ReluAtZeroIsANonDifferentiablePoint()
    {
        // relu at 0: left difference (0 − 0)/h = 0, right difference (h − 0)/h = 1; elements 1.5 and −2 are smooth.
        Tensor<double>[] Xs() => [Tensor.FromArray([0, 1.5, -2], [3], requiresGrad: true)];
        var warn = GradCheck.Verify(xs => xs[0].Relu(), Xs());
        Assert.True(warn.Passed, warn.ToString());
        Assert.Null(warn.Worst);
        var point = Assert.Single(warn.NonDifferentiablePoints);
        Assert.Equal((0, 0), (point.InputIndex, point.OutputElement));
        Assert.Equal([0], point.InputElement);
        Assert.Equal(0, point.Left, 1e-9);
        Assert.Equal(1, point.Right, 1e-9);
        Assert.Contains("warning: non-differentiable point", warn.ToString());

        var fail = GradCheck.Verify(xs => xs[0].Relu(), Xs(), new GradCheckOptions { NonDifferentiable = NonDifferentiablePolicy.Fail });
        Assert.False(fail.Passed);
        Assert.Single(fail.NonDifferentiablePoints);

        var skip = GradCheck.Verify(xs => xs[0].Relu(), Xs(), new GradCheckOptions { NonDifferentiable = NonDifferentiablePolicy.Skip });
        Assert.True(skip.Passed);
        Assert.Empty(skip.NonDifferentiablePoints);
        Assert.Contains("1 non-differentiable point(s) skipped", skip.ToString());
    }

    [Fact]
    public void AbsAtZeroIsANonDifferentiablePointButCurvatureIsNot()
    {
        // |x| at 0: left −1, right 1. exp(30x) at 0.1 is smooth with f'' = 900e³ ≈ 18000: its one-sided differences differ
        // by f''·h ≈ 0.018 > atol, but that jump doubles with the step, so it is not a kink.
        var abs = GradCheck.Verify(xs => xs[0].Abs(), [Tensor.FromArray([0.0], [1], requiresGrad: true)]);
        Assert.Equal(-1, Assert.Single(abs.NonDifferentiablePoints).Left, 1e-9);
        var exp = GradCheck.Verify(xs => (xs[0] * 30.0).Exp(), [Tensor.FromArray([0.1], [1], requiresGrad: true)],
            new GradCheckOptions { Rtol = 1e-3 });
        Assert.Empty(exp.NonDifferentiablePoints);
        Assert.True(exp.Passed, exp.ToString());
    }

    [Fact]
    public void MaxWithTiesIsNonDifferentiableAtTheTiedElements()
    {
        // max(2, 2, 1): raising either tied element raises the max (right difference 1), lowering it leaves the other
        // 2 as the max (left difference 0); the element 1 has derivative 0 on both sides.
        var report = GradCheck.Verify(xs => xs[0].Max(), [Tensor.FromArray([2.0, 2, 1], [3], requiresGrad: true)]);
        Assert.True(report.Passed, report.ToString());
        Assert.Equal([[0], [1]], report.NonDifferentiablePoints.Select(p => p.InputElement));
        Assert.All(report.NonDifferentiablePoints, p => Assert.Equal((0.0, 1.0), (Math.Round(p.Left, 9), Math.Round(p.Right, 9))));
    }

    [Fact]
    public void UnseededRandomnessIsReportedAsNondeterministic()
    {
        // A dropout-like mask drawn from a generator seeded from a fresh Guid on every call: two runs differ.
        static Tensor<double> Noisy(Tensor<double>[] xs) =>
            xs[0] * Tensor.Rand<double>([3], new Generator(BitConverter.ToUInt64(Guid.NewGuid().ToByteArray())));
        var report = GradCheck.Verify(Noisy, [Tensor.FromArray([1.0, 2, 3], [3], requiresGrad: true)]);
        Assert.False(report.Passed);
        Assert.True(report.Nondeterministic);
        Assert.False(report.Checks.Single(c => c.Name == "deterministic").Passed);
        Assert.Contains("nondeterministic", report.ToString());
    }

    [Fact]
    public void CallersInputsAreUntouched()
    {
        var inputs = Inputs();
        int version = inputs[0].Version;
        GradCheck.Verify(Linear(Bug.Doubled), inputs, new GradCheckOptions { Order = 2 });
        Assert.Equal([0.5, -1, 2], inputs[0].ToArray());
        Assert.Equal(AValues, inputs[1].ToArray());
        Assert.Equal(version, inputs[0].Version);
        Assert.Null(inputs[0].Grad);
        Assert.Null(inputs[1].Grad);
    }

    [Fact]
    public void AFunctionThatWritesItsInputIsReported()
    {
        // f writes x[0] := 7 through AsSpan before computing 2x: the mutation check names input 0 element [0].
        static Tensor<double> Writer(Tensor<double>[] xs) { xs[0].AsSpan()[0] = 7; return xs[0] * 2.0; }
        var report = GradCheck.Verify(Writer, [Tensor.FromArray([1.0, 2], [2], requiresGrad: true)]);
        var check = report.Checks.Single(c => c.Name == "inputs not mutated");
        Assert.False(check.Passed);
        Assert.Contains("input 0 element [0] changed from 1 to 7", check.Detail);
    }

    // y = 3x elementwise with a backward chosen by the test; the right one is g ↦ 3g.
    private sealed class Triple(Func<Tensor<double>, Tensor<double>> backward) : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0] * 3.0;
        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [backward(g)];
    }

    [Fact]
    public void ABackwardThatIsNotLinearFailsTheLinearityCheck()
    {
        // g ↦ 3g²: backward(g1 + 2·g2) = 3(g1 + 2g2)² differs from 3g1² + 6g2² unless g1·g2 ≈ −g2²/2.
        var report = GradCheck.Verify(xs => new Triple(g => g * g * 3.0).Apply(xs[0]), [Tensor.FromArray([1.0, 2], [2], requiresGrad: true)]);
        Assert.False(report.Checks.Single(c => c.Name == "backward is linear in the output gradient").Passed);
        // One-hot cotangents make 3g² = 3g, so the Jacobian itself agrees: only the law catches this bug.
        Assert.True(report.Checks.Single(c => c.Name == "first-order Jacobian").Passed);
        Assert.False(report.Passed);
        Assert.Null(report.Worst);
    }

    [Fact]
    public void ABackwardWithAnOffsetFailsTheZeroCotangentCheck()
    {
        // g ↦ 3g + 1: a zero output gradient gives 1 for every element, first at input 0 element [0].
        var report = GradCheck.Verify(xs => new Triple(g => g * 3.0 + 1.0).Apply(xs[0]), [Tensor.FromArray([1.0, 2], [2], requiresGrad: true)]);
        var zero = report.Checks.Single(c => c.Name == "zero output gradient gives zero input gradients");
        Assert.False(zero.Passed);
        Assert.Contains("input 0 element [0] got 1", zero.Detail);
    }

    // f(x) = x0·x1 with a backward that is not the gradient of anything: (g·x1, 2g·x0).
    private sealed class SkewProduct : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return (inputs[0].Narrow(0, 0, 1) * inputs[0].Narrow(0, 1, 1)).Sum();
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            var x = ctx.SavedTensors[0];
            var swapped = Tensor.Concat([x.Narrow(0, 1, 1), x.Narrow(0, 0, 1) * 2.0]);
            return [swapped * g];
        }
    }

    [Fact]
    public void AnAsymmetricSecondDerivativeFailsTheHessianCheck()
    {
        // The recorded gradient is (v·x1, 2v·x0): ∂/∂x1 of the first is v, ∂/∂x0 of the second is 2v, so "H" is not symmetric.
        var report = GradCheck.Verify(xs => new SkewProduct().Apply(xs[0]), [Tensor.FromArray([0.5, -1.5], [2], requiresGrad: true)],
            new GradCheckOptions { Order = 2 });
        var hessian = report.Checks.Single(c => c.Name == "Hessian symmetric");
        Assert.False(hessian.Passed);
        Assert.Contains("a = input 0 element [0], b = input 0 element [1]", hessian.Detail);
        // First order: ∂f/∂x1 = x0 = 0.5 but the backward says 2·x0 = 1.
        Assert.Equal(1, report.Worst!.Analytic, 1e-9);
        Assert.Equal(0.5, report.Worst.Numeric, 1e-6);
        Assert.Equal([1], report.Worst.InputElement);
    }

    [Fact]
    public void ProjectionsPassACorrectFunctionWithoutFullRecompute()
    {
        Tensor<double> F(Tensor<double>[] xs) { var y = new LinearMap(Bug.None).Apply(xs[0], xs[1]); return (y * y).Sum(); }
        var report = GradCheck.Verify(F, Inputs(), new GradCheckOptions { Order = 2, Mode = Mode.Projections });
        Assert.True(report.Passed, report.ToString());
        Assert.Contains("3 random projection(s) per input; recomputed in full: none; 0 of 0 entries", report.ToString());
    }

    [Fact]
    public void AFailingProjectionIsRecomputedInFullAndNamesTheElement()
    {
        // Same oracle as the full check: analytic 2·A[2, 0] = 8 against numeric 4 at input 0 element [0, 0], output 2.
        var report = GradCheck.Verify(Linear(Bug.Doubled), Inputs(), new GradCheckOptions { Mode = Mode.Projections });
        Assert.False(report.Passed);
        var w = report.Worst!;
        Assert.Equal((0, 2), (w.InputIndex, w.OutputElement));
        Assert.Equal([0, 0], w.InputElement);
        Assert.Equal(8, w.Analytic, 1e-9);
        Assert.Contains("recomputed in full: input 0", report.ToString());
        Assert.Contains("Mode = Mode.Projections", report.Reproduction);
    }

    [Fact]
    public void AKinkAlongAProjectionIsRecomputedAndReportedAsNonDifferentiable()
    {
        var report = GradCheck.Verify(xs => xs[0].Relu(), [Tensor.FromArray([0, 1.5, -2], [3], requiresGrad: true)],
            new GradCheckOptions { Mode = Mode.Projections });
        Assert.True(report.Passed, report.ToString());
        Assert.Equal([0], Assert.Single(report.NonDifferentiablePoints).InputElement);
    }

    [Fact]
    public void AFloatFunctionPassesAgainstItsDoubleReference()
    {
        // tanh(x)·w in float against the same in double, orders 1 and 2; float rounding (~1e-7 relative) is far within
        // FloatAtol 1e-4 + FloatRtol 1e-3·|reference|.
        Tensor<double>[] inputs = [Tensor.FromArray([0.3, -1.2, 2], [3], requiresGrad: true), Tensor.FromArray([1.5, -0.5, 2], [3], requiresGrad: true)];
        var report = GradCheck.Verify<float>(xs => xs[0].Tanh() * xs[1], xs => xs[0].Tanh() * xs[1], inputs, new GradCheckOptions { Order = 2 });
        Assert.True(report.Passed, report.ToString());
        Assert.Contains(report.Checks, c => c.Name == "reference: first-order Jacobian" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "second-order Single Jacobian against the double reference" && c.Passed);
    }

    // y = 3x in float with a backward that scales by 3.1 instead of 3.
    private sealed class MisScaledFloat : Function<float>
    {
        protected override Tensor<float> Forward(FunctionContext<float> ctx, Tensor<float>[] inputs) => inputs[0] * 3f;
        protected override Tensor<float>?[] Backward(FunctionContext<float> ctx, Tensor<float> g) => [g * 3.1f];
    }

    [Fact]
    public void AMisScaledFloatBackwardFailsAgainstTheDoubleReference()
    {
        // Jacobian diag(3.1) against the reference's diag(3): |error| ≈ 0.1 > 1e-4 + 1e-3·3 on every diagonal entry; the
        // first, input 0 element [0] with output 0, is the worst (ties keep the first).
        var report = GradCheck.Verify<float>(xs => new MisScaledFloat().Apply(xs[0]), xs => xs[0] * 3.0,
            [Tensor.FromArray([1.0, -2], [2], requiresGrad: true)]);
        Assert.False(report.Passed);
        Assert.True(report.Checks.Single(c => c.Name == "reference: first-order Jacobian").Passed);
        var w = report.Worst!;
        Assert.Equal((0, 0), (w.InputIndex, w.OutputElement));
        Assert.Equal([0], w.InputElement);
        Assert.Equal(3.1, w.Analytic, 1e-6);
        Assert.Equal(3, w.Numeric, 1e-12);
        Assert.Equal(1e-4 + 1e-3 * 3, w.AllowedError, 1e-12);
    }

    [Fact]
    public void BadOptionsAndInputsFailByName()
    {
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Verify(Linear(Bug.None), Inputs(), new GradCheckOptions { Order = 3 }));
        Assert.Contains("Order", e.Message);
        var none = Assert.Throws<ArgumentException>(() => GradCheck.Verify(xs => xs[0] * 2.0, [Tensor.FromArray([1.0], [1])]));
        Assert.Contains("no input requires grad (input shapes [1])", none.Message);
    }
}
