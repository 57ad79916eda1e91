using Autograd.NN;
using Autograd.NN.Optimizers;

namespace Autograd.Tests.Core;

public class TensorScopeTests
{
    private static float[] Train(bool scoped, int steps)
    {
        var g = new Generator(3);
        var model = new Sequential<float>(new Linear<float>(20, 32, g), new ReLU<float>(), new Linear<float>(32, 5, g));
        var optimizer = new Adam<float>(model.Parameters(), lr: 1e-2);
        var x = Tensor.Randn<float>([16, 20], g);
        int[] labels = [.. Enumerable.Range(0, 16).Select(i => i % 5)];
        for (int s = 0; s < steps; s++)
        {
            using var scope = scoped ? Tensor.Scope() : null;
            var loss = Losses.CrossEntropy(model.Forward(x), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        return [.. model.Parameters().SelectMany(p => p.ToArray())];
    }

    [Fact]
    public void ScopedTrainingIsBitIdenticalToUnscopedTraining()
    {
        // Oracle: the same 20 steps without scopes; recycling buffers must not change a single bit.
        Assert.Equal(Train(scoped: false, 20), Train(scoped: true, 20));
    }

    [Fact]
    public void BuffersOfAnEndedScopeAreReused()
    {
        var x = Tensor.Randn<float>([1000], new Generator(1));
        float[] first;
        using (Tensor.Scope()) first = (x * 2f).Storage;
        float[] second;
        using (Tensor.Scope()) second = (x * 3f).Storage;
        Assert.Same(first, second);
        // Outside any scope results are fresh arrays.
        Assert.NotSame((x * 2f).Storage, (x * 2f).Storage);
    }

    [Fact]
    public void KeptTensorsSurviveTheirScope()
    {
        // y = 2x is kept; a later scope computing 3x must not overwrite it.
        var x = Tensor.Arange<float>(100);
        Tensor<float> kept;
        using (Tensor.Scope()) kept = (x * 2f).Keep();
        using (Tensor.Scope()) _ = x * 3f;
        Assert.Equal(x.ToArray().Select(v => 2 * v), kept.ToArray());
    }

    [Fact]
    public void GradientsBuiltWithCreateGraphOutliveTheScope()
    {
        // d/dx Σx³ = 3x², accumulated with createGraph inside a scope, read after it and after another scope.
        var x = Tensor.Arange<double>(50);
        x.RequiresGrad = true;
        using (Tensor.Scope()) x.Pow(3).Sum().Backward(retainGraph: false, createGraph: true);
        using (Tensor.Scope()) _ = (x * 5.0).Sum();
        Assert.Equal(x.ToArray().Select(v => 3 * v * v), x.Grad!.ToArray());
    }

    [Fact]
    public void ScopesMustEndInnermostFirst()
    {
        var outer = Tensor.Scope();
        var inner = Tensor.Scope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
        // Both ended: results are fresh arrays again.
        var x = Tensor.Arange<float>(100);
        Assert.NotSame((x * 2f).Storage, (x * 2f).Storage);
    }
}
