namespace Autograd.Tests.Engine;

/// <summary>The mistakes that used to give silently wrong numbers now raise clear errors.</summary>
public class SilentFailureTests
{
    [Fact]
    public void EditingASavedLeafThroughAsSpanAfterTheForwardPassThrowsNamingTheOp()
    {
        // Formerly: y = Σ x² with x = [1, 2, 3] edited to [100, 2, 3] after the forward gave ∂y/∂x = [200, 4, 6]
        // (the new values) instead of [2, 4, 6], without any error.
        var x = Tensor.FromArray(new double[] { 1, 2, 3 }, requiresGrad: true);
        var y = (x * x).Sum();
        x.AsSpan()[0] = 100;
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("'Mul'", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("version 0 when saved, 1 now", error.Message);
    }

    [Fact]
    public void ATensorChangedBeforeTheForwardIsCheckedAgainstItsVersionThen()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        using (Tensor.NoGrad()) x.AddInPlace(1.0); // [2, 3], version 1
        var y = (x * x).Sum();                     // saved at version 1
        y.Backward(retainGraph: true);
        // ∂Σx²/∂x = 2x = [4, 6]: changes before the forward are fine.
        Assert.Equal(new double[] { 4, 6 }, x.Grad!.ToArray());
        using (Tensor.NoGrad()) x.AddInPlace(1.0); // version 2
        var error = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("version 1 when saved, 2 now", error.Message);
    }

    [Fact]
    public void ReadingWithoutWritingDoesNotCountAsAChange()
    {
        // ∂Σx²/∂x = 2x = [2, 4].
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = (x * x).Sum();
        Assert.Equal(1.0, x.AsReadOnlySpan()[0]);
        Assert.Equal(new double[] { 1, 2 }, x.ToArray());
        y.Backward();
        Assert.Equal(new double[] { 2, 4 }, x.Grad!.ToArray());
    }

    [Fact]
    public void ChangingAViewOfASavedTensorAlsoThrows()
    {
        // The exp node saves its output e; a view of e shares e's storage and version counter.
        var x = Tensor.FromArray(new double[] { 0, 1 }, requiresGrad: true);
        var e = x.Exp();
        var loss = e.Sum();
        using (Tensor.NoGrad()) e.Detach().Reshape(2, 1).AddInPlace(1.0);
        var error = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("'Exp'", error.Message);
        Assert.Contains("its output", error.Message);
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradThrowsUnlessUnderNoGrad()
    {
        var w = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var error = Assert.Throws<InvalidOperationException>(() => w.AddInPlace(1.0));
        Assert.Contains("AddInPlace", error.Message);
        Assert.Contains("NoGrad", error.Message);
        using (Tensor.NoGrad()) w.SubInPlace(Tensor.FromArray(new double[] { 0.5, 0.5 }));
        // [1, 2] − 0.5 = [0.5, 1.5], one change.
        Assert.Equal(new double[] { 0.5, 1.5 }, w.ToArray());
        Assert.Equal(1, w.Version);
    }

    [Fact]
    public void InPlaceOpsComputeWhatTheirOutOfPlaceFormsDo()
    {
        var t = Tensor.FromArray(new double[] { 1, -2, 3, -4 }, [2, 2]);
        // Row broadcast: [1, −2, 3, −4] · [2, 3] = [2, −6, 6, −12]; /2 = [1, −3, 3, −6]; clamp to [−2, 2] = [1, −2, 2, −2].
        t.MulInPlace(Tensor.FromArray(new double[] { 2, 3 })).DivInPlace(2.0).ClampInPlace(-2.0, 2.0);
        Assert.Equal(new double[] { 1, -2, 2, -2 }, t.ToArray());
        Assert.Equal(3, t.Version);
        t.FillInPlace(7.0);
        Assert.Equal(new double[] { 7, 7, 7, 7 }, t.ToArray());
        t.ZeroInPlace();
        Assert.Equal(new double[] { 0, 0, 0, 0 }, t.ToArray());
        // A strided view is written through: the transposed view's first row is the base's first column.
        var b = Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2]);
        b.MT.Narrow(0, 0, 1).AddInPlace(10.0);
        Assert.Equal(new double[] { 11, 2, 13, 4 }, b.ToArray());
        var ex = Assert.Throws<ArgumentException>(() => t.AddInPlace(Tensor.Zeros<double>(3, 2, 2)));
        Assert.Contains("does not broadcast", ex.Message);
    }

    [Fact]
    public void InPlaceOnANonLeafInTheGraphThrows()
    {
        var x = Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true);
        var y = x * 2.0;
        var error = Assert.Throws<InvalidOperationException>(() => y.AddInPlace(1.0));
        Assert.Contains("'Affine'", error.Message);
    }

    [Fact]
    public void ATensorReadAfterItsScopeEndedThrowsNamingTheScope()
    {
        // Formerly: y, made inside a scope, read after the scope ended returned the next step's data.
        var x = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => (double)i).ToArray());
        Tensor<double> y, kept;
        using (Tensor.Scope("step 1"))
        {
            y = x * 2.0;
            kept = (x * 3.0).Keep();
        }
        using (Tensor.Scope("step 2"))
        {
            _ = x * 5.0; // reuses y's array from the pool
        }
        var error = Assert.Throws<InvalidOperationException>(() => y.ToArray());
        Assert.Contains("'step 1'", error.Message);
        Assert.Contains("Keep()", error.Message);
        Assert.Throws<InvalidOperationException>(() => y.Sum());
        Assert.Throws<InvalidOperationException>(() => y.Item());
        // Kept: 3 · 63 = 189.
        Assert.Equal(189.0, kept.ToArray()[63]);
    }

    [Fact]
    public void BackwardAfterTheScopeOfTheGraphEndedThrowsInsteadOfReadingRecycledData()
    {
        var w = Tensor.FromArray(Enumerable.Range(0, 32).Select(i => (double)i).ToArray(), requiresGrad: true);
        Tensor<double> loss;
        using (Tensor.Scope()) loss = (w.Exp() * w).Sum();
        using (Tensor.Scope()) _ = w * 2.0;
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
    }
}
