using System.Runtime.CompilerServices;
using Autograd.NN;

namespace Autograd.Tests.Inspection;

/// <summary>
/// Anomaly mode: the first NaN or infinity in a forward result or a backward gradient throws, naming the op, this file
/// and the line that called the op, and whether the op created the value or passed it on. Oracles: IEEE arithmetic
/// (ln 0 = −∞; d√x/dx = 1/(2√x) = +∞ at 0), and the line numbers of the calls, taken with [CallerLineNumber].
/// </summary>
public class AnomalyTests
{
    /// <summary>The line this is called from.</summary>
    private static int Line([CallerLineNumber] int line = 0) => line;

    private static Tensor<double> Leaf(params double[] values) => Tensor.FromArray(values, requiresGrad: true);

    [Fact]
    public void LogOfZeroInTheForwardPassNamesLogAndTheLine()
    {
        var x = Leaf(1, 0);
        using var _ = Tensor.DetectAnomaly();
        int line = 0;
        var e = Assert.Throws<AnomalyException>(() => { line = Line(); x.Log(); });
        Assert.Equal("Log", e.OpName);
        Assert.Equal(AnomalyPhase.Forward, e.Phase);
        Assert.True(e.Created); // x = [1, 0] is finite: ln 0 = −∞ is made by Log
        Assert.Equal(line, e.SourceLine);
        Assert.EndsWith("AnomalyTests.cs", e.SourceFile);
        Assert.Contains("input 0: shape [2], min 0, max 1, 0 NaN, 0 infinite", e.Message);
    }

    [Fact]
    public void SqrtAtZeroInTheBackwardPassNamesSqrtAndTheLineOfTheForwardCall()
    {
        // √0 = 0 is fine; its derivative 1/(2√0) = +∞ is created in Sqrt's backward (upstream gradient 1 is finite).
        var x = Leaf(0, 4);
        using var _ = Tensor.DetectAnomaly();
        int line = Line(); var y = x.Sqrt();
        var loss = y.Sum();
        var e = Assert.Throws<AnomalyException>(() => loss.Backward());
        Assert.Equal("Sqrt", e.OpName);
        Assert.Equal(AnomalyPhase.Backward, e.Phase);
        Assert.True(e.Created);
        Assert.Equal(line, e.SourceLine);
        Assert.EndsWith("AnomalyTests.cs", e.SourceFile);
        Assert.Contains("upstream gradient: shape [2], min 1, max 1, 0 NaN, 0 infinite", e.Message);
        Assert.Contains("1 infinite", e.Message);
    }

    [Fact]
    public void AnOpGivenANaNPassesItOn()
    {
        var x = Leaf(double.NaN, 1);
        using var _ = Tensor.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => x.Exp());
        Assert.Equal("Exp", e.OpName);
        Assert.False(e.Created); // exp(NaN) = NaN: the input already held it
        Assert.Contains("1 NaN", e.Inputs[0]);
    }

    [Fact]
    public void ABackwardGivenANaNGradientPassesItOn()
    {
        // ∂(3x)/∂x · g = 3·NaN = NaN: the upstream gradient held the NaN, the rule of x·3 (an Affine node: a·x + b)
        // passed it on.
        var x = Leaf(1, 2);
        using var _ = Tensor.DetectAnomaly();
        var y = x * 3.0;
        var e = Assert.Throws<AnomalyException>(() => y.Backward(Tensor.FromArray([double.NaN, 1.0])));
        Assert.Equal("Affine", e.OpName);
        Assert.Equal(AnomalyPhase.Backward, e.Phase);
        Assert.False(e.Created);
    }

    [Fact]
    public void WithoutTheModeNothingIsChecked()
    {
        // ln 0 = −∞ and d√x/dx at 0 = +∞ are IEEE results, returned as such when the mode is off.
        var x = Leaf(0);
        Assert.False(Tensor.IsAnomalyDetectionEnabled);
        Assert.Equal(double.NegativeInfinity, x.Log().Item());
        x.Sqrt().Sum().Backward();
        Assert.Equal(double.PositiveInfinity, x.Grad!.Item());
    }

    [Fact]
    public void TheModeIsPerThreadAndEndsWithItsScope()
    {
        var x = Leaf(0);
        using (Tensor.DetectAnomaly())
        {
            Assert.True(Tensor.IsAnomalyDetectionEnabled);
            // Another thread is not in the mode: ln 0 = −∞ there is returned, not thrown.
            double other = 0;
            var thread = new Thread(() => other = x.Log().Item());
            thread.Start();
            thread.Join();
            Assert.Equal(double.NegativeInfinity, other);
        }
        Assert.False(Tensor.IsAnomalyDetectionEnabled);
        Assert.Equal(double.NegativeInfinity, x.Log().Item());
    }

    [Fact]
    public void ForwardInfinityCanBeAllowedForMasksButNaNIsStillCaught()
    {
        // An additive mask holds −∞ on purpose; with checkForwardInfinity false it passes, and 0·∞ = NaN still throws.
        var scores = Leaf(0.5, 1.5);
        var blocked = Tensor.FromArray([0.0, 1.0]);
        using var _ = Tensor.DetectAnomaly(checkForwardInfinity: false);
        var masked = scores.MaskedFill(blocked, double.NegativeInfinity);
        Assert.Equal(double.NegativeInfinity, masked.ToArray()[1]);
        var e = Assert.Throws<AnomalyException>(() => masked * Tensor.Zeros<double>(2));
        Assert.Equal("Mul", e.OpName);
    }

    [Fact]
    public void AGraphRecordedBeforeTheModeHasNoSourceLine()
    {
        var x = Leaf(0);
        var loss = x.Sqrt().Sum();
        using var _ = Tensor.DetectAnomaly();
        var e = Assert.Throws<AnomalyException>(() => loss.Backward());
        Assert.Equal("Sqrt", e.OpName);
        Assert.Null(e.SourceFile);
        Assert.Contains("recorded before DetectAnomaly was on", e.Message);
    }

    [Fact]
    public void ALayerIsReportedAtTheUsersCallOfForward()
    {
        // A NaN weight makes Linear's result NaN: passed on (an operand held it), reported at the line calling Forward,
        // since the frames inside the library are skipped.
        var layer = new Linear<double>(2, 1, new Generator(1));
        layer.Weight.AsSpan()[0] = double.NaN;
        using var _ = Tensor.DetectAnomaly();
        int line = 0;
        var e = Assert.Throws<AnomalyException>(() => { line = Line(); layer.Forward(Tensor.Ones<double>(3, 2)); });
        Assert.False(e.Created);
        Assert.Equal(line, e.SourceLine);
    }

    private sealed class BadReciprocal : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0].Reciprocal();
        }

        // d(1/x)/dx = −1/x², written as −g/(x·x): at x = 0 it is −∞, made by this function's rule.
        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> gradOutput)
        {
            var x = ctx.SavedTensors[0];
            return [-gradOutput / (x * x)];
        }
    }

    [Fact]
    public void ACustomFunctionsBackwardIsNamedByTheFunction()
    {
        var x = Leaf(0);
        using var _ = Tensor.DetectAnomaly(checkForwardInfinity: false); // 1/0 = +∞ in the forward is allowed here
        var y = new BadReciprocal().Apply(x);
        var e = Assert.Throws<AnomalyException>(() => y.Sum().Backward());
        Assert.Equal(nameof(BadReciprocal), e.OpName);
        Assert.True(e.Created);
    }
}
