using System.Globalization;
using System.Text;

namespace Autograd.Checking;

/// <summary>One check that <see cref="GradCheck.Verify"/> ran, with its outcome and a sentence saying what was found.</summary>
/// <param name="Name">What was checked, e.g. "first-order Jacobian" or "deterministic".</param>
/// <param name="Passed">Whether it passed.</param>
/// <param name="Detail">What was compared and, on failure, where it went wrong.</param>
public sealed record GradCheckItem(string Name, bool Passed, string Detail);

/// <summary>A Jacobian entry whose analytic and numeric values differ by more than allowed.</summary>
/// <param name="Order">1: an entry of ∂f/∂x; 2: an entry of ∂(vᵀ·∂f/∂x)/∂x, whose output element is a flat index into
/// the gradients of the inputs that require grad, concatenated.</param>
/// <param name="InputIndex">Which input was perturbed (the number of inputs: the upstream gradient v of a second-order check).</param>
/// <param name="InputElement">Multi-index of the perturbed element within that input.</param>
/// <param name="OutputElement">Flat index of the output element.</param>
/// <param name="Analytic">The backpropagated value.</param>
/// <param name="Numeric">The finite-difference value; in a comparison with a double reference
/// (<see cref="GradCheck.Verify{T}"/>), the reference's backpropagated value.</param>
/// <param name="AbsoluteError">|analytic − numeric|.</param>
/// <param name="RelativeError">|analytic − numeric| / |numeric| (infinite when numeric is 0 and they differ).</param>
/// <param name="AllowedError">atol + rtol·|numeric|.</param>
/// <param name="FiniteDifferenceError">|central − four-point|: an estimate of the numeric value's truncation error
/// (0 in a comparison with a double reference, which has none).</param>
public sealed record GradCheckMismatch(int Order, int InputIndex, int[] InputElement, int OutputElement,
    double Analytic, double Numeric, double AbsoluteError, double RelativeError, double AllowedError, double FiniteDifferenceError)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"order {Order}, input {InputIndex} element {Shapes.Format(InputElement)}, output element {OutputElement}: " +
        $"analytic {Analytic:G10}, numeric {Numeric:G10}, absolute error {AbsoluteError:G4}, relative error {RelativeError:G4}, " +
        $"allowed {AllowedError:G4}, finite-difference error ~{FiniteDifferenceError:G2}";
}

/// <summary>An input element where the left and right one-sided differences of some output disagree (a kink such as
/// relu or |x| at 0, or max with ties), so no single derivative exists to compare with.</summary>
/// <param name="Order">The order of the check that found it.</param>
/// <param name="InputIndex">Which input.</param>
/// <param name="InputElement">Multi-index of the element.</param>
/// <param name="OutputElement">Flat index of the output element with the largest jump.</param>
/// <param name="Left">(f(x) − f(x − h)) / h.</param>
/// <param name="Right">(f(x + h) − f(x)) / h.</param>
public sealed record NonDifferentiablePoint(int Order, int InputIndex, int[] InputElement, int OutputElement, double Left, double Right)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"non-differentiable point: order {Order}, input {InputIndex} element {Shapes.Format(InputElement)}, output element {OutputElement}: left difference {Left:G6}, right difference {Right:G6}";
}

/// <summary>
/// The outcome of <see cref="GradCheck.Verify"/>: every check run, the worst mismatch (only on a failed value check;
/// never an invented one on a pass), the non-differentiable points found, the seed, and on failure C# code that
/// rebuilds the inputs. <see cref="ToString"/> is the readable report.
/// </summary>
public sealed class GradCheckReport
{
    internal GradCheckReport(GradCheckOptions options, IReadOnlyList<GradCheckItem> checks, GradCheckMismatch? worst,
        IReadOnlyList<NonDifferentiablePoint> points, bool nondeterministic, Tensor<double>[] inputs)
    {
        Options = options;
        Checks = checks;
        Worst = worst;
        NonDifferentiablePoints = points;
        Nondeterministic = nondeterministic;
        Passed = checks.All(c => c.Passed);
        Reproduction = Passed ? null : Reproduce(inputs, options);
    }

    /// <summary>True when every check in <see cref="Checks"/> passed.</summary>
    public bool Passed { get; }

    /// <summary>Every check run, in order.</summary>
    public IReadOnlyList<GradCheckItem> Checks { get; }

    /// <summary>The Jacobian entry that exceeds its allowed error by most; null when no value check failed.</summary>
    public GradCheckMismatch? Worst { get; }

    /// <summary>Elements where one-sided differences disagree (empty under <see cref="NonDifferentiablePolicy.Skip"/>).</summary>
    public IReadOnlyList<NonDifferentiablePoint> NonDifferentiablePoints { get; }

    /// <summary>True when two runs of f on the same inputs gave different outputs.</summary>
    public bool Nondeterministic { get; }

    /// <summary>The options the check ran with.</summary>
    public GradCheckOptions Options { get; }

    /// <summary>The seed of the random cotangents.</summary>
    public ulong Seed => Options.Seed;

    /// <summary>On failure, C# lines that rebuild the inputs and rerun the check; null on a pass.</summary>
    public string? Reproduction { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        var o = Options;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"GradCheck.Verify {(Passed ? "passed" : "FAILED")} (order {o.Order}, seed {o.Seed}, mode {o.Mode}, stencil {o.Stencil}, eps {o.Eps:G3}, atol {o.Atol:G3}, rtol {o.Rtol:G3}, non-differentiable points: {o.NonDifferentiable})").AppendLine();
        foreach (var c in Checks) sb.AppendLine($"  [{(c.Passed ? "pass" : "FAIL")}] {c.Name}: {c.Detail}");
        if (Worst is not null) sb.AppendLine($"Worst mismatch: {Worst}");
        foreach (var p in NonDifferentiablePoints) sb.AppendLine($"  {(o.NonDifferentiable == NonDifferentiablePolicy.Fail ? "error" : "warning")}: {p}");
        if (Reproduction is not null) sb.AppendLine("Reproduce:").Append(Reproduction);
        return sb.ToString();
    }

    private static string Reproduce(Tensor<double>[] inputs, GradCheckOptions o)
    {
        var sb = new StringBuilder("var inputs = new[]\n{\n");
        foreach (var x in inputs)
        {
            string values = string.Join(", ", x.ToArray().Select(Literal));
            sb.Append(CultureInfo.InvariantCulture, $"    Tensor.FromArray(new double[] {{ {values} }}, {Shapes.Format(x.Dims)}, requiresGrad: {(x.RequiresGrad ? "true" : "false")}),\n");
        }
        sb.Append("};\n");
        sb.Append(CultureInfo.InvariantCulture, $"var report = GradCheck.Verify(f, inputs, new GradCheckOptions {{ Order = {o.Order}, Seed = {o.Seed}, Eps = {Literal(o.Eps)}, Atol = {Literal(o.Atol)}, Rtol = {Literal(o.Rtol)}, Stencil = Stencil.{o.Stencil}, Mode = Mode.{o.Mode}, Projections = {o.Projections}, NonDifferentiable = NonDifferentiablePolicy.{o.NonDifferentiable} }});\n");
        return sb.ToString();
    }

    private static string Literal(double d) =>
        double.IsNaN(d) ? "double.NaN" : double.IsPositiveInfinity(d) ? "double.PositiveInfinity"
        : double.IsNegativeInfinity(d) ? "double.NegativeInfinity" : d.ToString("R", CultureInfo.InvariantCulture);
}
