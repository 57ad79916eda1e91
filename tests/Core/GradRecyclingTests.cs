using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.Tests.NN;

namespace Autograd.Tests.Core;

/// <summary>ZeroGrad takes an engine-written gradient's buffer back for the next backward: the values stay those of a
/// fresh gradient, the old gradient can no longer be read, and gradients held elsewhere are never taken.</summary>
public class GradRecyclingTests
{
    private static (Sequential<float> Model, Adam<float> Optimizer, Tensor<float> X, int[] Labels) Setup()
    {
        var g = new Generator(5);
        var model = new Sequential<float>(new Linear<float>(61, 307, g), new Tanh<float>(), new Linear<float>(307, 7, g));
        var optimizer = new Adam<float>(model.Parameters(), lr: 1e-2);
        var x = Tensor.Randn<float>([23, 61], g);
        int[] labels = [.. Enumerable.Range(0, 23).Select(i => i % 7)];
        return (model, optimizer, x, labels);
    }

    private static float[] Train(Action<Adam<float>, Sequential<float>> clear, bool scoped, int steps)
    {
        var (model, optimizer, x, labels) = Setup();
        for (int s = 0; s < steps; s++)
        {
            using var scope = scoped ? Tensor.Scope() : null;
            clear(optimizer, model);
            Losses.CrossEntropy(model.Forward(x), labels).Backward();
            optimizer.Step();
        }
        return [.. model.Parameters().SelectMany(p => p.ToArray())];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TrainingWithRecycledGradientsIsBitIdenticalToFreshGradients(bool scoped)
    {
        // Oracle: the same steps with every .Grad dropped by hand (the engine then writes each into a fresh array). A
        // recycled buffer that kept a stale value, or was handed to two gradients, changes the parameters.
        var fresh = Train((_, m) => { foreach (var p in m.Parameters()) p.Grad = null; }, scoped, 12);
        Assert.Equal(fresh, Train((o, _) => o.ZeroGrad(), scoped, 12));
        Assert.Equal(fresh, Train((_, m) => m.ZeroGrad(), scoped, 12));
    }

    /// <summary>Bytes allocated on this thread per steady step (three warm-up steps, then ten), each step in a scope.</summary>
    private static long AllocatedPerStep(Action step)
    {
        void Scoped()
        {
            using var scope = Tensor.Scope();
            step();
        }
        for (int i = 0; i < 3; i++) Scoped();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) Scoped();
        return (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
    }

    [Fact]
    public void AStepThatClearsGradientsToNullAllocatesNoGradients()
    {
        // The first layer's weight gradient alone is 61·307·4 = 74,908 bytes (the engine copies it into .Grad). Dropped by
        // hand, every step allocates it (and the other gradients) afresh; taken back by ZeroGrad, a steady step allocates
        // about what a step that zeroes its gradients in place does (nodes and tensor objects), far below one weight.
        long PerStep(Action<Adam<float>, Sequential<float>> clear)
        {
            var (model, optimizer, x, labels) = Setup();
            return AllocatedPerStep(() =>
            {
                clear(optimizer, model);
                Losses.CrossEntropy(model.Forward(x), labels).Backward();
                optimizer.Step();
            });
        }
        long inPlace = PerStep((o, _) => o.ZeroGrad(setToNull: false));
        long dropped = PerStep((_, m) => { foreach (var p in m.Parameters()) p.Grad = null; });
        long recycled = PerStep((o, _) => o.ZeroGrad());
        Assert.True(dropped - inPlace > 61 * 307 * 4, $"dropping by hand allocated {dropped} B per step, in place {inPlace}");
        Assert.True(recycled - inPlace < 61 * 307 * 4 / 4, $"ZeroGrad allocated {recycled} B per step, in place {inPlace}");
    }

    [Fact]
    public void AGradientTheEngineAdoptsFromThePoolIsReplacedThereByTheArrayZeroGradTookBack()
    {
        // A fused rule's fresh gradients are adopted as the leaves' .Grad (not copied): W₁'s is 251·129·8 = 259,032
        // bytes, rented from the step's pool. ZeroGrad's array must go to the pool in its place, or every step rents a
        // fresh one.
        var g = new Generator(6);
        var x = Tensor.Randn<double>([31, 129], g);
        var w1 = Tensor.Randn<double>([251, 129], g, std: 0.1, requiresGrad: true);
        var w2 = Tensor.Randn<double>([129, 251], g, std: 0.1, requiresGrad: true);
        void Step() => x.FeedForward(w1, null, w2, null, FeedForwardActivation.Relu).Sum().Backward();
        long PerStep(Action clear) => AllocatedPerStep(() =>
        {
            clear();
            Step();
        });
        long dropped = PerStep(() => (w1.Grad, w2.Grad) = (null, null));
        long recycled = PerStep(() => { w1.ZeroGrad(); w2.ZeroGrad(); });
        Assert.True(dropped > 2 * 251 * 129 * 8, $"dropping by hand allocated {dropped} B per step");
        Assert.True(recycled < 251 * 129 * 8 / 8, $"ZeroGrad allocated {recycled} B per step");
        // And the adopted gradients are this step's, as a fresh one: the same bits as a gradient computed after
        // dropping .Grad by hand.
        double[] recycledW1 = w1.Grad!.ToArray(), recycledW2 = w2.Grad!.ToArray();
        (w1.Grad, w2.Grad) = (null, null);
        Step();
        Assert.Equal(w1.Grad!.ToArray(), recycledW1);
        Assert.Equal(w2.Grad!.ToArray(), recycledW2);
    }

    [Fact]
    public void AGradientReadBeforeZeroGradThrowsAfterItAndACloneStaysValid()
    {
        // d/dw Σ(w·3) = 3 for every element.
        var w = Tensor.Randn<double>([40], new Generator(1), requiresGrad: true);
        (w * 3.0).Sum().Backward();
        var old = w.Grad!;
        var view = old.Narrow(0, 10, 5);
        var copy = old.Clone();
        w.ZeroGrad();
        Assert.Null(w.Grad);
        var error = Assert.Throws<InvalidOperationException>(() => old.ToArray());
        Assert.Contains("ZeroGrad()", error.Message);
        Assert.Contains("Clone()", error.Message);
        Assert.Throws<InvalidOperationException>(() => view.ToArray());
        Assert.All(copy.ToArray(), v => Assert.Equal(3.0, v));
        // The next backward's gradient is right: d/dw Σ(w·5) = 5.
        (w * 5.0).Sum().Backward();
        Assert.All(w.Grad!.ToArray(), v => Assert.Equal(5.0, v));
    }

    [Fact]
    public void AGradientTheEngineCopiedIsWrittenIntoTheArrayZeroGradTookBack()
    {
        // Through a reshape the leaf's gradient is a view of the upstream one, so the engine copies it into .Grad;
        // after ZeroGrad the copy goes into the old gradient's array. d/dw Σ(reshape(w)·c) = c.
        var w = Tensor.Randn<double>([6, 8], new Generator(2), requiresGrad: true);
        var c = Tensor.Randn<double>([48], new Generator(3));
        (w.Reshape([48]) * c).Sum().Backward();
        var array = w.Grad!.Store.ArrayUnchecked;
        w.ZeroGrad();
        (w.Reshape([48]) * c).Sum().Backward();
        Assert.Same(array, w.Grad!.Store.ArrayUnchecked);
        Assert.Equal(c.ToArray(), w.Grad.ToArray());

        // Setting .Grad to null after ZeroGrad lets the taken-back array go: the next gradient is a fresh array.
        w.ZeroGrad();
        w.Grad = null;
        (w.Reshape([48]) * c).Sum().Backward();
        Assert.NotSame(array, w.Grad!.Store.ArrayUnchecked);
        Assert.Equal(c.ToArray(), w.Grad.ToArray());
    }

    [Fact]
    public void GradientsHeldElsewhereAreNeverTakenBack()
    {
        var g = new Generator(4);
        var a = Tensor.Randn<double>([30], g, requiresGrad: true);
        var b = Tensor.Randn<double>([30], g, requiresGrad: true);
        (a * 2.0).Sum().Backward();
        // Assigned by hand to another leaf: a's ZeroGrad must leave it readable through b (d/da Σ2a = 2).
        b.Grad = a.Grad;
        a.ZeroGrad();
        Assert.All(b.Grad!.ToArray(), v => Assert.Equal(2.0, v));

        // A tensor assigned to .Grad by hand is the user's: ZeroGrad drops it and it stays readable.
        var mine = Tensor.Full([30], 7.0);
        a.Grad = mine;
        a.ZeroGrad();
        Assert.All(mine.ToArray(), v => Assert.Equal(7.0, v));

        // A gradient recorded under createGraph is part of a graph: d/da Σa³ = 3a², still readable after ZeroGrad.
        (a * a * a).Sum().Backward(retainGraph: true, createGraph: true);
        var recorded = a.Grad!;
        a.ZeroGrad();
        RecurrentTestHelpers.Close(Tensor.FromArray(a.ToArray().Select(v => 3 * v * v).ToArray()), recorded.Detach());
    }
}
