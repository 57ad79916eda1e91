using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Full backward hooks of modules, against hand derivations.</summary>
public class ModuleBackwardHookTests
{
    private static Linear<double> Layer()
    {
        // W = [[1, 2], [3, 4]], b = [0, 0].
        var layer = new Linear<double>(2, 2, new Generator(1));
        using (Tensor.NoGrad())
        {
            layer.Weight.CopyFrom(Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [2, 2]));
            layer.Bias!.ZeroInPlace();
        }
        return layer;
    }

    [Fact]
    public void HookSeesGradOutputAndGradInputAndMayReplaceGradInput()
    {
        // L = Σ c ⊙ (W·u), u = 3x, c = [1, 10]: gradOutput = c = [1, 10]; gradInput = Wᵀc = [1 + 30, 2 + 40] = [31, 42].
        var layer = Layer();
        var x = Tensor.FromArray(new double[] { 1, 1 }, requiresGrad: true);
        Tensor<double>? seenIn = null, seenOut = null;
        int calls = 0;
        using var hook = layer.RegisterFullBackwardHook((m, gIn, gOut) =>
        {
            Assert.Same(layer, m);
            calls++;
            (seenIn, seenOut) = (gIn, gOut);
            return gIn! * 2.0; // replaced: ∂L/∂u becomes [62, 84], so ∂L/∂x = 3·[62, 84] = [186, 252]
        });
        var c = Tensor.FromArray(new double[] { 1, 10 });
        (layer.Forward(x * 3.0) * c).Sum().Backward();
        Assert.Equal(1, calls);
        Assert.Equal(new double[] { 1, 10 }, seenOut!.ToArray());
        Assert.Equal(new double[] { 31, 42 }, seenIn!.ToArray());
        Assert.Equal(new double[] { 186, 252 }, x.Grad!.ToArray());
        // The weight's gradient is not affected by the hook: ∂L/∂W = c·uᵀ = [[3, 3], [30, 30]].
        Assert.Equal(new double[] { 3, 3, 30, 30 }, layer.Weight.Grad!.ToArray());
    }

    [Fact]
    public void InputWithoutGradientGivesNullGradInputAndDisposeRemovesTheHook()
    {
        var layer = Layer();
        var x = Tensor.FromArray(new double[] { 1, 1 }); // data: requires no grad
        var seen = new List<(Tensor<double>? In, double[] Out)>();
        var hook = layer.RegisterFullBackwardHook((_, gIn, gOut) => { seen.Add((gIn, gOut.ToArray())); return null; });
        // L = Σ W·x: gradOutput = [1, 1].
        layer.Forward(x).Sum().Backward();
        var only = Assert.Single(seen);
        Assert.Null(only.In);
        Assert.Equal(new double[] { 1, 1 }, only.Out);
        hook.Dispose();
        layer.Forward(x).Sum().Backward();
        Assert.Single(seen);
    }

    [Fact]
    public void HooksOfNestedModulesRunOutputFirst()
    {
        // Sequential(a, b): backward reaches b's output, then b's input = a's output, then a's input.
        var a = Layer();
        var b = Layer();
        var model = new Sequential<double>(a, b);
        var order = new List<string>();
        using var ha = a.RegisterFullBackwardHook((_, _, _) => { order.Add("a"); return null; });
        using var hb = b.RegisterFullBackwardHook((_, _, _) => { order.Add("b"); return null; });
        using var hm = model.RegisterFullBackwardHook((_, _, _) => { order.Add("model"); return null; });
        model.Forward(Tensor.FromArray(new double[] { 1, 2 }, requiresGrad: true)).Sum().Backward();
        Assert.Equal(new[] { "b", "a", "model" }, order);
    }
}
