using Autograd.Checking;
using Autograd.Tests.Engine;

namespace Autograd.Tests.Core;

public class EngineTests
{
    private static Tensor<double> S(double v) => Tensor.Scalar(v, requiresGrad: true);

    [Fact]
    public void MicrogradExpressionMatchesPublishedValues()
    {
        // The expression from the micrograd README (github.com/karpathy/micrograd), whose printed
        // results are g = 24.7041, dg/da = 138.8338, dg/db = 645.5773.
        var a = S(-4.0);
        var b = S(2.0);
        var c = a + b;
        var d = a * b + b.Pow(3);
        c = c + (c + 1.0);
        c = c + (1.0 + c + (-a));
        d = d + (d * 2.0 + (b + a).Relu());
        d = d + (3.0 * d + (b - a).Relu());
        var e = c - d;
        var f = e.Pow(2);
        var g = f / 2.0;
        g = g + 10.0 / f;
        g.Backward();
        Assert.Equal(24.7041, g.Item(), 4);
        Assert.Equal(138.8338, a.Grad!.Item(), 4);
        Assert.Equal(645.5773, b.Grad!.Item(), 4);
    }

    [Fact]
    public void PolynomialGradientIsExact()
    {
        // d/dx (x² + 5x) = 2x + 5 = 9 at x = 2
        var x = S(2.0);
        var y = x * x + 5.0 * x;
        y.Backward();
        Assert.Equal(14.0, y.Item());
        Assert.Equal(9.0, x.Grad!.Item());
    }

    [Fact]
    public void TensorUsedTwiceGetsBothContributions()
    {
        // y = x·x + x ⇒ dy/dx = 2x + 1 = 7 at x = 3 (both uses of x accumulate)
        var x = S(3.0);
        (x * x + x).Backward();
        Assert.Equal(7.0, x.Grad!.Item());
    }

    [Fact]
    public void LeafGradientsAccumulateAcrossCallsUntilZeroed()
    {
        // d/dx 3x = 3 per call; two calls accumulate to 6; after ZeroGrad one call gives 3 again.
        var x = S(1.0);
        (x * 3.0).Backward();
        (x * 3.0).Backward();
        Assert.Equal(6.0, x.Grad!.Item());
        x.ZeroGrad();
        (x * 3.0).Backward();
        Assert.Equal(3.0, x.Grad!.Item());
    }

    [Fact]
    public void MillionNodeChainBackpropagatesWithoutRecursion()
    {
        // y = x + 1 + 1 + … (10⁶ additions) ⇒ dy/dx = 1 and y = x + 10⁶.
        const int n = 1_000_000;
        var x = Tensor.Scalar(0.5f, requiresGrad: true);
        var y = x;
        for (int i = 0; i < n; i++) y = y + 1f;
        y.Backward();
        Assert.Equal(1f, x.Grad!.Item());
        Assert.Equal(0.5f + n, y.Item());
    }

    [Fact]
    public void BroadcastGradientsHaveTheInputsShapes()
    {
        // z = Σ (a[2,3] + b[3]) ⇒ dz/da = 1 everywhere, dz/db_j = 2 (b is broadcast over 2 rows).
        var a = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], requiresGrad: true);
        var b = Tensor.FromArray(new double[] { 1, 2, 3 }, [3], requiresGrad: true);
        var c = Tensor.FromArray(new double[] { 2, 3 }, [2, 1], requiresGrad: true);
        ((a + b) * c).Sum().Backward();
        Assert.Equal(new[] { 2, 3 }, a.Grad!.Shape);
        Assert.Equal(new[] { 3 }, b.Grad!.Shape);
        Assert.Equal(new[] { 2, 1 }, c.Grad!.Shape);
        // d/db_j Σ_i (a_ij + b_j) c_i = Σ_i c_i = 5; d/dc_i = Σ_j (a_ij + b_j) = (1+1 + 2+2 + 3+3) = 12 and (5+7+9) = 21.
        Assert.Equal(new double[] { 5, 5, 5 }, b.Grad.ToArray());
        Assert.Equal(new double[] { 12, 21 }, c.Grad.ToArray());
        Assert.Equal(new double[] { 2, 2, 2, 3, 3, 3 }, a.Grad.ToArray());
    }

    [Fact]
    public void SecondBackwardThroughFreedGraphThrows()
    {
        var x = S(2.0);
        var y = x.Exp() * x;
        y.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", error.Message);
    }

    [Fact]
    public void FailedBackwardLeavesNoPendingGradientsAndRetainedGraphStillWorks()
    {
        // y = a + b with a = 2x and b = fail(a): b's derivative throws after a has already received y's gradient.
        var x = S(3.0);
        var a = x * 2.0;
        var b = new FailingBackward().Apply(a);
        var y = a + b;
        Assert.Throws<InvalidOperationException>(() => y.Backward(retainGraph: true));
        Assert.Null(a.PendingGrad);
        Assert.Null(b.PendingGrad);
        // Through a alone the graph is intact: d/dx (2x)² = 8x = 24 at x = 3.
        x.ZeroGrad();
        (a * a).Backward();
        Assert.Equal(24.0, x.Grad!.Item(), 12);
    }

    [Fact]
    public void NodeWithSeveralConsumersRunsOnceWithTheirSummedGradient()
    {
        // y = (u·u)·u with u = x + 1: dy/du = 3u², dy/dx = 3(x + 1)² = 27 at x = 2; u's node must run after both products.
        var x = S(2.0);
        var u = x + 1.0;
        var y = u * u * u;
        y.Backward();
        Assert.Equal(27.0, x.Grad!.Item(), 12);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackward()
    {
        // d/dx x³ = 3x² = 12 at x = 2, twice accumulated = 24.
        var x = S(2.0);
        var y = x.Pow(3);
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(24.0, x.Grad!.Item(), 12);
    }

    [Fact]
    public void BackwardOfNonScalarWithoutGradientThrowsNamingShape()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, [2], requiresGrad: true);
        var error = Assert.Throws<InvalidOperationException>(() => (x * 2.0).Backward());
        Assert.Contains("[2]", error.Message);
        Assert.Contains("Backward", error.Message);
    }

    [Fact]
    public void BackwardWithExplicitGradientWeightsTheJacobian()
    {
        // y = x² elementwise, gradient v ⇒ x.Grad = 2x ⊙ v = [2·1·1, 2·2·10]
        var x = Tensor.FromArray(new double[] { 1, 2 }, [2], requiresGrad: true);
        (x * x).Backward(Tensor.FromArray(new double[] { 1, 10 }, [2]));
        Assert.Equal(new double[] { 2, 40 }, x.Grad!.ToArray());
    }

    [Fact]
    public void NoGradRecordsNothingAndRestores()
    {
        var x = S(1.0);
        Tensor<double> y;
        using (Tensor.NoGrad())
        {
            y = x * 2.0;
            Assert.False(Tensor.IsGradEnabled);
        }
        Assert.True(Tensor.IsGradEnabled);
        Assert.False(y.RequiresGrad);
        Assert.True((x * 2.0).RequiresGrad);
    }

    [Fact]
    public void NoGradIsThreadLocal()
    {
        using (Tensor.NoGrad())
        {
            bool otherThread = false;
            var thread = new Thread(() => otherThread = Tensor.IsGradEnabled);
            thread.Start();
            thread.Join();
            Assert.True(otherThread);
        }
    }

    [Fact]
    public void GradModeNestsAndAnotherThreadsNoGradDoesNotReachThisOne()
    {
        // Recording is off exactly inside NoGrad and back on inside a nested EnableGrad, on this thread; a second thread
        // sitting in NoGrad (counted among the threads with recording off) changes nothing here, and its ops record
        // nothing while ours do.
        var x = S(1.0);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        bool otherRecorded = true;
        var thread = new Thread(() =>
        {
            using (Tensor.NoGrad())
            {
                entered.Set();
                release.Wait();
                otherRecorded = (x * 2.0).RequiresGrad;
            }
        });
        thread.Start();
        entered.Wait();
        Assert.True((x * 2.0).RequiresGrad);
        using (Tensor.NoGrad())
        {
            Assert.False((x * 2.0).RequiresGrad);
            using (Tensor.EnableGrad()) Assert.True((x * 2.0).RequiresGrad);
            Assert.False((x * 2.0).RequiresGrad);
        }
        Assert.True((x * 2.0).RequiresGrad);
        release.Set();
        thread.Join();
        Assert.False(otherRecorded);
        Assert.True((x * 2.0).RequiresGrad);
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        // y = x · detach(x) ⇒ dy/dx = detach(x) = 3 (the detached factor is a constant).
        var x = S(3.0);
        (x * x.Detach()).Backward();
        Assert.Equal(3.0, x.Grad!.Item());
    }

    [Fact]
    public void FunctionalGradDoesNotTouchGradAndGivesSecondDerivatives()
    {
        // f = x³: f' = 3x² = 12, f'' = 6x = 12 at x = 2.
        var x = S(2.0);
        var y = x.Pow(3);
        var dx = Tensor.Grad([y], [x], createGraph: true)[0];
        Assert.Equal(12.0, dx.Item(), 12);
        Assert.Null(x.Grad);
        var ddx = Tensor.Grad([dx], [x])[0];
        Assert.Equal(12.0, ddx.Item(), 12);
    }

    [Fact]
    public void HessianVectorProductOfQuadraticForm()
    {
        // f(x) = ½ xᵀAx with A symmetric ⇒ ∇f = Ax and H·v = Av.
        var a = Tensor.FromArray(new double[] { 2, 1, 1, 3 }, [2, 2]);
        var x = Tensor.FromArray(new double[] { 1, -1 }, [2], requiresGrad: true);
        var v = Tensor.FromArray(new double[] { 0.5, 2 }, [2]);
        var f = x.MatMul(a.MatMul(x)) * 0.5;
        var grad = Tensor.Grad([f], [x], createGraph: true)[0];
        Assert.Equal(new double[] { 1, -2 }, grad.ToArray());
        var hv = Tensor.Grad([(grad * v).Sum()], [x])[0];
        Assert.Equal(new double[] { 3, 6.5 }, hv.ToArray());
    }

    [Fact]
    public void GradOfUnusedInputThrowsUnlessAllowed()
    {
        var x = S(1.0);
        var unused = S(2.0);
        var y = x * 2.0;
        Assert.Throws<InvalidOperationException>(() => Tensor.Grad([y], [x, unused], null, retainGraph: true));
        var grads = Tensor.Grad([y], [x, unused], null, allowUnused: true);
        Assert.Equal(2.0, grads[0].Item());
        Assert.Equal(0.0, grads[1].Item());
    }

    [Fact]
    public void GradientPenaltyMatchesHandDerivation()
    {
        // f(x) = Σ x³, ‖∇f‖² = Σ (3x²)² = 9 Σ x⁴, d/dx = 36 x³ = [36, -288] at x = [1, -2].
        var x = Tensor.FromArray(new double[] { 1, -2 }, [2], requiresGrad: true);
        var g = Tensor.Grad([x.Pow(3).Sum()], [x], createGraph: true)[0];
        (g * g).Sum().Backward();
        Assert.Equal(new double[] { 36, -288 }, x.Grad!.ToArray());
    }

    [Fact]
    public void GradCheckReportsTheWorstElementOfAWrongGradient()
    {
        // Sign() records no derivative, so x·sign(x)-through-Detach has a known wrong analytic gradient:
        // f(x) = x · detach(x) has true derivative 2x but the graph only sees detach(x) = x.
        var x = Tensor.FromArray(new double[] { 1, 3 }, [2], requiresGrad: true);
        var result = GradCheck.Check(xs => xs[0] * xs[0].Detach(), [x]);
        Assert.False(result.Passed);
        Assert.Equal(new[] { 1 }, result.InputElement);
        Assert.Equal(3.0, result.Analytic, 6);
        Assert.Equal(6.0, result.Numeric, 4);
    }
}
