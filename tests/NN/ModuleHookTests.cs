using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Forward pre-hooks and forward hooks: order, replacement, removal, and calls through containers.</summary>
public class ModuleHookTests
{
    private static Tensor<double> Vector(params double[] values) => Tensor.FromArray(values);

    [Fact]
    public void PreHooksRunInOrderAndMayReplaceTheInput()
    {
        // Oracle: ReLU(x) with pre-hooks h₁(x) = x + 1 then h₂(x) = 2x: relu(2(x + 1)) at x = [−3, 1] is
        // relu([−4, 4]) = [0, 4]; a hook returning null keeps the input it was given.
        var relu = new ReLU<double>();
        var order = new List<string>();
        using var first = relu.RegisterForwardPreHook((_, x) => { order.Add("first"); return x + 1.0; });
        using var keep = relu.RegisterForwardPreHook((_, _) => { order.Add("keep"); return null; });
        using var second = relu.RegisterForwardPreHook((m, x) => { order.Add("second"); Assert.Same(relu, m); return x * 2.0; });
        Assert.Equal([0.0, 4.0], relu.Forward(Vector(-3, 1)).ToArray());
        Assert.Equal(["first", "keep", "second"], order);
    }

    [Fact]
    public void ForwardHooksSeeTheReplacedInputAndMayReplaceTheOutput()
    {
        // Oracle: Tanh with pre-hook x ↦ 0·x gives output tanh(0) = 0; the forward hook sees that input (0) and
        // output (0), and its replacement y + 5 = 5 is then doubled by the next hook: 10.
        var tanh = new Tanh<double>();
        Tensor<double>? seenInput = null, seenOutput = null;
        using var pre = tanh.RegisterForwardPreHook((_, x) => x * 0.0);
        using var add = tanh.RegisterForwardHook((_, x, y) => { seenInput = x; seenOutput = y; return y + 5.0; });
        using var twice = tanh.RegisterForwardHook((_, _, y) => y * 2.0);
        Assert.Equal([10.0], tanh.Forward(Vector(0.7)).ToArray());
        Assert.Equal([0.0], seenInput!.ToArray());
        Assert.Equal([0.0], seenOutput!.ToArray());
    }

    [Fact]
    public void DisposingAHandleRemovesOnlyThatHook()
    {
        // Oracle: Identity with hooks y ↦ y + 1 (twice, the same delegate) and y ↦ 10y: ((x + 1) + 1)·10 = 30 at x = 1;
        // after removing one "+1": (x + 1)·10 = 20; after removing all: x = 1. A second Dispose does nothing.
        var identity = new Identity<double>();
        Func<Module<double>, Tensor<double>, Tensor<double>, Tensor<double>?> plusOne = (_, _, y) => y + 1.0;
        var a = identity.RegisterForwardHook(plusOne);
        var b = identity.RegisterForwardHook(plusOne);
        var times = identity.RegisterForwardHook((_, _, y) => y * 10.0);
        Assert.Equal([30.0], identity.Forward(Vector(1)).ToArray());
        a.Dispose();
        a.Dispose();
        Assert.Equal([20.0], identity.Forward(Vector(1)).ToArray());
        b.Dispose();
        times.Dispose();
        Assert.Equal([1.0], identity.Forward(Vector(1)).ToArray());
    }

    [Fact]
    public void HooksRunWhenAContainerCallsTheModule()
    {
        // Oracle: Sequential(Identity, ReLU) with a pre-hook on the ReLU that negates its input: relu(−x) at
        // x = [2, −3] is [0, 3]; a hook may remove itself while it runs, so the second call gives relu(x) = [2, 0].
        var relu = new ReLU<double>();
        var model = new Sequential<double>(new Identity<double>(), relu);
        IDisposable? handle = null;
        handle = relu.RegisterForwardPreHook((_, x) => { handle!.Dispose(); return -x; });
        Assert.Equal([0.0, 3.0], model.Forward(Vector(2, -3)).ToArray());
        Assert.Equal([2.0, 0.0], model.Forward(Vector(2, -3)).ToArray());
    }

    [Fact]
    public void AReplacedOutputCarriesGradients()
    {
        // Oracle: Linear y = w·x + b with a forward hook y ↦ 3y: ∂(3y)/∂w = 3x = [3, 6] at x = [1, 2].
        var linear = new Linear<double>(2, 1, new Generator(1));
        using var hook = linear.RegisterForwardHook((_, _, y) => y * 3.0);
        linear.Forward(Tensor.FromArray([1.0, 2.0], [1, 2])).Sum().Backward();
        Assert.Equal([3.0, 6.0], linear.Weight.Grad!.ToArray());
        Assert.Equal([3.0], linear.Bias!.Grad!.ToArray());
    }
}
