namespace Autograd.Tests.Engine;

/// <summary>Tensor hooks, RetainGrad and post-accumulate hooks, against hand derivations.</summary>
public class HookTests
{
    private static Tensor<double> S(double v) => Tensor.Scalar(v, requiresGrad: true);

    [Fact]
    public void HookOnANonLeafSeesTheWholeGradientOnceAndMayReplaceIt()
    {
        // L = a·a + 3a with a = 2x: ∂L/∂a = 2a + 3 = 11 at x = 2 (a = 4), summed over both uses before the hook runs.
        var x = S(2.0);
        var a = x * 2.0;
        var seen = new List<double>();
        a.RegisterHook(g => { seen.Add(g.Item()); return null; });
        (a * a + a * 3.0).Backward();
        Assert.Equal(new[] { 11.0 }, seen);
        // ∂L/∂x = 11 · 2 = 22.
        Assert.Equal(22.0, x.Grad!.Item());

        // Replacing: the hook doubles ∂L/∂a, so ∂L/∂x = 2 · 11 · 2 = 44.
        x.ZeroGrad();
        var b = x * 2.0;
        b.RegisterHook(g => g * 2.0);
        (b * b + b * 3.0).Backward();
        Assert.Equal(44.0, x.Grad!.Item());
    }

    [Fact]
    public void HooksRunInRegistrationOrderEachSeeingThePreviousResultAndDisposeRemoves()
    {
        // L = 5y, y = x + 0: ∂L/∂y = 5; hook 1 adds 1 (→ 6), hook 2 multiplies by 10 (→ 60) and records what it saw.
        var x = S(1.0);
        var y = x + 0.0;
        var order = new List<string>();
        using var first = y.RegisterHook(g => { order.Add($"first {g.Item()}"); return g + 1.0; });
        var second = y.RegisterHook(g => { order.Add($"second {g.Item()}"); return g * 10.0; });
        (y * 5.0).Backward(retainGraph: true);
        Assert.Equal(new[] { "first 5", "second 6" }, order);
        Assert.Equal(60.0, x.Grad!.Item());
        // Without the second hook: ∂L/∂x = 5 + 1 = 6.
        second.Dispose();
        second.Dispose(); // twice does nothing
        x.ZeroGrad();
        order.Clear();
        (y * 5.0).Backward();
        Assert.Equal(new[] { "first 5" }, order);
        Assert.Equal(6.0, x.Grad!.Item());
    }

    [Fact]
    public void HookOnALeafRunsOnceBeforeAccumulationWithTheSumOverUses()
    {
        // L = x·x + x: ∂L/∂x = 2x + 1 = 7 at x = 3. The leaf already holds .Grad = 100 from before; the hook sees 7
        // (not 107) and halves it, so .Grad becomes 100 + 3.5.
        var x = S(3.0);
        x.Grad = Tensor.Scalar(100.0);
        var seen = new List<double>();
        x.RegisterHook(g => { seen.Add(g.Item()); return g * 0.5; });
        (x * x + x).Backward();
        Assert.Equal(new[] { 7.0 }, seen);
        Assert.Equal(103.5, x.Grad!.Item());
    }

    [Fact]
    public void ATensorUsedTwiceInOneOpGetsBothContributionsBeforeItsHook()
    {
        // L = a + a with a = x·1: ∂L/∂a = 1 + 1 = 2.
        var x = S(4.0);
        var a = x * 1.0;
        double seen = 0;
        a.RegisterHook(g => { seen = g.Item(); return null; });
        (a + a).Backward();
        Assert.Equal(2.0, seen);
        Assert.Equal(2.0, x.Grad!.Item());
    }

    [Fact]
    public void PostAccumulateHookRunsAfterTheLeafGradientIsComplete()
    {
        // L = (x·x)·2 + x: ∂L/∂x = 4x + 1 = 9 at x = 2; the hook reads .Grad after the sum was added.
        var x = S(2.0);
        var seen = new List<double>();
        using var handle = x.RegisterPostAccumulateGradHook(leaf => seen.Add(leaf.Grad!.Item()));
        ((x * x) * 2.0 + x).Backward();
        Assert.Equal(new[] { 9.0 }, seen);
        // A second backward accumulates: 9 + 9 = 18, seen once more.
        ((x * x) * 2.0 + x).Backward();
        Assert.Equal(new[] { 9.0, 18.0 }, seen);
        Assert.Throws<InvalidOperationException>(() => (x * 2.0).RegisterPostAccumulateGradHook(_ => { }));
    }

    [Fact]
    public void RetainGradKeepsANonLeafGradient()
    {
        // L = Σ (W·v)², y = W·v: ∂L/∂y = 2y.
        var w = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2], requiresGrad: true);
        var v = Tensor.FromArray(new double[] { 1, -1 }, [2]);
        var y = w.MatMul(v); // [1 − 2, 3 − 4] = [−1, −1]
        y.RetainGrad();
        Assert.True(y.RetainsGrad);
        var z = y * 1.0; // not retained
        z.Square().Sum().Backward();
        Assert.Equal(new[] { -2.0, -2.0 }, y.Grad!.ToArray());
        Assert.Null(z.Grad);
    }

    [Fact]
    public void HookReturningTheWrongShapeThrows()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = x * 2.0;
        y.RegisterHook(_ => Tensor.Scalar(1.0));
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("shape []", error.Message);
        Assert.Contains("Affine", error.Message);
    }

    [Fact]
    public void HooksAlsoRunForFunctionalGradAndLeaveGradUntouched()
    {
        // Grad of L = 3x w.r.t. x is 3; the hook on x adds 1 → 4; .Grad stays null.
        var x = S(1.0);
        x.RegisterHook(g => g + 1.0);
        var g = Tensor.Grad([x * 3.0], [x])[0];
        Assert.Equal(4.0, g.Item());
        Assert.Null(x.Grad);
    }
}
