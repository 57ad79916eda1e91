// Verifies the gradients of a custom layer and of a custom Function<double> with one property each (first and second
// order, against finite differences), then shows the checker catching a deliberately wrong Function and shrinking the
// failing input to a minimal counterexample. Exits with 1 if the wrong variant is NOT caught (or a correct one fails).
using Autograd;
using Autograd.Checking;
using Autograd.Testing;
using FsCheck.Fluent;
using VerifyGradients;

var order2 = new GradCheckOptions { Order = 2 };

// 1. The layer, through its functional form, with respect to the input x [.., d] and the gain γ [d].
var layerCases = TensorCases.Of(g =>
{
    int d = TensorGen.Dim(g);
    return [TensorGen.NonZero(g, [.. TensorGen.Shape(g, 0, 2), d]), TensorGen.Uniform(g, [d])];
});
bool ok = Report("RmsNorm (layer)", PropertyRun.Check(Prop.ForAll(layerCases,
    c => GradCheck.Verify(xs => RmsNorm.Apply(xs[0], xs[1]), c.Inputs, order2).ToProperty()), maxTest: 50), expectFailure: false);

// 2. The Function, as ChainRulesTestUtils' test_rrule would: finite differences at orders 1 and 2, and value and
//    vector–Jacobian product against a reference written with built-in ops.
static Tensor<double> Reference(Tensor<double>[] xs) => ((xs[0].Exp() + (-xs[0]).Exp()) * 0.5).Log();
var anyTensor = TensorCases.Of(g => [TensorGen.Uniform(g, TensorGen.Shape(g))]);
ok &= Report("LogCosh (Function)", PropertyRun.Check(Prop.ForAll(anyTensor,
    c => GradCheck.VerifyFunction(() => new LogCosh(), c.Inputs, Reference, order2).ToProperty()), maxTest: 50), expectFailure: false);

// 3. The same property on the wrong variant must fail, and shrink: to one element, and to the simplest value where
//    clamp(x, −1, 1) and tanh(x) differ.
var wrong = PropertyRun.Check(Prop.ForAll(anyTensor,
    c => GradCheck.VerifyFunction(() => new LogCoshWrong(), c.Inputs, Reference, order2).ToProperty()), maxTest: 50);
ok &= Report("LogCoshWrong (planted bug)", wrong, expectFailure: true);
if (!wrong.Passed)
{
    var minimal = (TensorCase)wrong.Shrunk[0];
    Console.WriteLine($"  the checker's report on the minimal counterexample:");
    var report = GradCheck.VerifyFunction(() => new LogCoshWrong(), minimal.Inputs, Reference, order2);
    foreach (var line in report.ToString().Split('\n').Take(12)) Console.WriteLine($"    {line}");
}

Console.WriteLine(ok ? "OK: correct gradients pass, the wrong one is caught and shrunk." : "FAILED: see above.");
return ok ? 0 : 1;

static bool Report(string name, PropertyOutcome outcome, bool expectFailure)
{
    if (outcome.Passed)
        Console.WriteLine($"{name}: passed {outcome.Tests} cases (first and second order)");
    else
    {
        Console.WriteLine($"{name}: FAILED after {outcome.Tests} cases, {outcome.Shrinks} shrink steps");
        Console.WriteLine($"  first failing case: {outcome.FirstFailure[0]}");
        Console.WriteLine($"  shrunk to:          {outcome.Shrunk[0]}");
    }
    bool asExpected = outcome.Passed != expectFailure;
    if (!asExpected) Console.WriteLine(expectFailure ? "  ERROR: the checker did not catch the planted bug" : "  ERROR: a correct gradient failed");
    return asExpected;
}
