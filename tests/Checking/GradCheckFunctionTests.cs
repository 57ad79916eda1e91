using Autograd.Checking;

namespace Autograd.Tests.Verification;  // not ".Checking": tests elsewhere write Checking.GradCheck

/// <summary>GradCheck.VerifyFunction (test_rrule): a correct custom Function passes with and without a reference; a
/// forward that disagrees with the reference fails the value check only; a scaled backward fails both the
/// finite-difference and the reference-VJP checks; a backward with a gradient too many is reported, not thrown.</summary>
public class GradCheckFunctionTests
{
    private enum Bug { None, ShiftedForward, ScaledBackward, ExtraGradient, FlatGradient }

    // softplus(x) = log(1 + eˣ) = relu(x) + log(1 + e^−|x|) (stable); d/dx log(1 + eˣ) = eˣ / (1 + eˣ) = σ(x).
    private sealed class Softplus(Bug bug) : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            var x = inputs[0];
            ctx.SaveForBackward(x);
            var y = x.Relu() + ((-x.Abs()).Exp() + 1).Log();
            return bug == Bug.ShiftedForward ? y + 1e-3 : y;     // log(1 + eˣ) + 10⁻³: gradients unchanged
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            var s = ctx.SavedTensors[0].Sigmoid();
            return bug switch
            {
                Bug.ScaledBackward => [g * s * 1.01],             // 1.01·σ(x): 1 % too large
                Bug.ExtraGradient => [g * s, g * s],              // two gradients for one input
                Bug.FlatGradient => [(g * s).Reshape(-1)],        // shape [4] for an input of shape [2, 2]
                _ => [g * s],
            };
        }
    }

    // Away from 0, where relu and |x| have kinks (they cancel in softplus, but the check need not rely on it).
    private static Tensor<double>[] Inputs() => [Tensor.FromArray([-2, -0.5, 0.3, 1.5], [2, 2], requiresGrad: true)];

    private static Tensor<double> Reference(Tensor<double>[] xs) => (xs[0].Exp() + 1).Log();  // log(1 + eˣ), unstable but fine here

    private static GradCheckItem Item(GradCheckReport report, string name) => Assert.Single(report.Checks, c => c.Name == name);

    private const string Value = "value agrees with the reference";
    private const string Vjp = "vector–Jacobian product agrees with the reference's";
    private const string Structure = "backward returns one gradient per input, of the input's shape";
    private const string Jacobian = "first-order Jacobian";

    [Fact]
    public void CorrectFunctionPassesAgainstItsReference()
    {
        // Oracle: σ(x) is the derivative of log(1 + eˣ) (above), so finite differences and the reference's backprop
        // (eˣ/(1 + eˣ) from the chain rule through exp, +1, log) agree with it within the default tolerances.
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.None), Inputs(), Reference, new GradCheckOptions { Order = 2 });
        Assert.True(report.Passed, report.ToString());
        Assert.True(Item(report, Value).Passed);
        Assert.True(Item(report, Vjp).Passed);
        Assert.True(Item(report, Structure).Passed);
        Assert.True(Item(report, Jacobian).Passed);
        Assert.Contains("second-order Jacobian (of vᵀ·∂f/∂x)", report.Checks.Select(c => c.Name));  // σ' = σ(1 − σ) through Sigmoid's own rule
        Assert.Null(report.Worst);
    }

    [Fact]
    public void CorrectFunctionWithoutReferencePasses()
    {
        // Oracle: finite differences of log(1 + eˣ) give σ(x); no reference, so no reference checks are listed.
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.None), Inputs());
        Assert.True(report.Passed, report.ToString());
        Assert.DoesNotContain(report.Checks, c => c.Name == Value || c.Name == Vjp);
        Assert.True(Item(report, "zero output gradient gives zero input gradients").Passed);  // 0·σ(x) = 0
    }

    [Fact]
    public void ShiftedForwardFailsTheValueCheckOnly()
    {
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.ShiftedForward), Inputs(), Reference);
        Assert.False(report.Passed);
        // At x = −2: reference log(1 + e⁻²) = 0.126928; the function gives 0.127928; |diff| = 10⁻³ > atol + rtol·0.126928
        // = 10⁻⁵ + 1.27·10⁻⁴. The first element is the first to fail.
        var value = Item(report, Value);
        Assert.False(value.Passed);
        Assert.Contains("output element [0, 0]: 0.1279", value.Detail);
        Assert.Contains("reference 0.1269", value.Detail);
        // A constant shift leaves the derivative σ(x) unchanged, so the gradient checks pass.
        Assert.True(Item(report, Vjp).Passed);
        Assert.True(Item(report, Jacobian).Passed);
        Assert.Single(report.Checks, c => !c.Passed);
        Assert.Contains($"[FAIL] {Value}", report.ToString());
    }

    [Fact]
    public void ScaledBackwardFailsFiniteDifferencesAndTheReferenceVjp()
    {
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.ScaledBackward), Inputs(), Reference);
        Assert.False(report.Passed);
        Assert.True(Item(report, Value).Passed);                  // the forward is right
        Assert.False(Item(report, Jacobian).Passed);
        Assert.False(Item(report, Vjp).Passed);
        // The Jacobian is diagonal, ∂y_e/∂x_e = σ(x_e); the backward gives 1.01·σ. Excess 0.01σ − (atol + rtol·σ) =
        // 0.009σ − 10⁻⁵ is largest at the largest σ: x = 1.5 (element [1, 1], flat 3), σ(1.5) = 0.8175745.
        var w = report.Worst!;
        Assert.Equal([1, 1], w.InputElement);
        Assert.Equal(3, w.OutputElement);
        Assert.Equal(1.01 * 0.8175745, w.Analytic, 1e-6);
        Assert.Equal(0.8175745, w.Numeric, 1e-6);
    }

    [Fact]
    public void BackwardWithAGradientTooManyIsReportedNotThrown()
    {
        // Softplus has one input; Backward returns two gradients, which the engine rejects by name.
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.ExtraGradient), Inputs(), Reference);
        Assert.False(report.Passed);
        var structure = Item(report, Structure);
        Assert.False(structure.Passed);
        Assert.Contains("Softplus.Backward returned 2 gradients for 1 inputs", structure.Detail);
    }

    [Fact]
    public void CallerInputsAreUntouched()
    {
        // Oracle: the inputs' values before the call.
        var inputs = Inputs();
        var before = inputs[0].ToArray();
        GradCheck.VerifyFunction(() => new Softplus(Bug.None), inputs, Reference);
        Assert.Equal(before, inputs[0].ToArray());
        Assert.Null(inputs[0].Grad);
    }

    [Fact]
    public void BackwardWithAGradientOfTheWrongShapeIsReportedNotThrown()
    {
        // The input has shape [2, 2]; a gradient of shape [4] cannot be summed to it, and the engine says so naming the function.
        var report = GradCheck.VerifyFunction(() => new Softplus(Bug.FlatGradient), Inputs(), Reference);
        var structure = Item(report, Structure);
        Assert.False(structure.Passed);
        Assert.Contains("'Softplus': gradient of shape [4] cannot be summed to the input's shape [2, 2]", structure.Detail);
        Assert.Single(report.Checks);                             // the finite-difference checks are not run
    }
}
