using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Which members are parameters, buffers or errors, decided by their declaration alone.</summary>
public class ParameterRuleTests
{
    private sealed class Gain : Module<double>
    {
        [Parameter] public Tensor<double> G { get; set; } = Tensor.FromArray([2.0, 3.0]); // created without requiresGrad
        protected override Tensor<double> ForwardCore(Tensor<double> input) => input * G;
    }

    [Fact]
    public void MarkedMemberCreatedWithoutRequiresGradIsAParameterThatRequiresGrad()
    {
        // Oracle: the declaration [Parameter] makes "g" a parameter; reading the parameters makes it require grad.
        var module = new Gain();
        Assert.False(module.G.RequiresGrad);
        Assert.Equal(["g"], module.NamedParameters().Select(p => p.Name).ToArray());
        Assert.True(module.G.RequiresGrad);
        Assert.Equal(2, module.ParameterCount(trainableOnly: true));
    }

    [Fact]
    public void TheFirstForwardAloneGivesAMarkedParameterAGradient()
    {
        // Oracle: y = Σ x·g, so ∂y/∂g = x = [5, 7], with no call to Parameters() before.
        var module = new Gain();
        module.Forward(Tensor.FromArray([5.0, 7.0])).Sum().Backward();
        Assert.Equal([5.0, 7.0], module.G.Grad!.ToArray());
    }

    [Fact]
    public void FreezeIsNeverUndoneByALaterRead()
    {
        // Oracle: the rule "a tensor is made to require grad once": after Freeze, reads and calls leave it frozen,
        // and it stays a parameter. A tensor newly put in the member is made to require grad when it is first read.
        var module = new Gain();
        module.Freeze();
        Assert.False(module.G.RequiresGrad);
        Assert.Single(module.Parameters());
        module.Forward(Tensor.FromArray([1.0, 1.0]));
        _ = module.StateDict();
        Assert.False(module.G.RequiresGrad);
        module.G = Tensor.FromArray([4.0, 4.0]);
        Assert.True(module.Parameters().Single().RequiresGrad);
    }

    [Fact]
    public void ABuiltInParameterClearedBeforeAnyReadStaysFrozen()
    {
        // Oracle: Linear makes its tensors parameters in its constructor (Parameter(...)), so clearing RequiresGrad
        // at once is the user's last word: 0 trainable of 3·2 + 2 = 8.
        var linear = new Linear<double>(3, 2, new Generator(1));
        linear.Weight.RequiresGrad = false;
        linear.Bias!.RequiresGrad = false;
        linear.Forward(Tensor.Ones<double>(1, 3));
        Assert.Equal(0, linear.ParameterCount(trainableOnly: true));
        Assert.Equal(8, linear.ParameterCount());
    }

    private sealed class Unmarked : Module<float>
    {
        public Tensor<float> Scale { get; } = Tensor.Ones<float>(1);
        protected override Tensor<float> ForwardCore(Tensor<float> input) => input * Scale;
    }

    [Fact]
    public void AnUnmarkedTensorMemberIsAnErrorThatNamesTheMember()
    {
        // Oracle: the rule: every tensor member says [Parameter] or [Buffer].
        var e = Assert.Throws<InvalidOperationException>(() => new Unmarked().Parameters().ToList());
        Assert.Equal("Unmarked.scale: a Tensor<float> member of a module must be marked [Parameter] (trained) or [Buffer] " +
            "(state saved with the module; [Buffer(Persistent = false)] for one that is not saved)", e.Message);
    }

    private sealed class RawTensors : Module<float>
    {
        private readonly Tensor<float>[] _weights = [Tensor.Ones<float>(2)];
        protected override Tensor<float> ForwardCore(Tensor<float> input) => input * _weights[0];
    }

    [Fact]
    public void ARawArrayOfTensorsIsAnErrorThatPointsToParameterList()
    {
        // Oracle: the rule stated in Module's documentation; the member "_weights" is named "weights".
        var e = Assert.Throws<InvalidOperationException>(() => new RawTensors().Forward(Tensor.Ones<float>(2)));
        Assert.Equal("RawTensors.weights: a raw Tensor<float>[] member is not supported (its tensors would not be parameters); " +
            "hold them in a ParameterList<float>", e.Message);
    }

    private sealed class RawModules : Module<double>
    {
        public List<Linear<double>> Heads { get; } = [];
        protected override Tensor<double> ForwardCore(Tensor<double> input) => input;
    }

    private sealed class RawModuleDictionary : Module<double>
    {
        public Dictionary<string, Module<double>> Blocks { get; } = [];
        protected override Tensor<double> ForwardCore(Tensor<double> input) => input;
    }

    [Fact]
    public void RawCollectionsOfModulesAreErrorsThatPointToModuleList()
    {
        // Oracle: the rule stated in Module's documentation, for a list and for a dictionary of modules.
        var list = Assert.Throws<InvalidOperationException>(() => new RawModules().Modules().ToList());
        Assert.Equal("RawModules.heads: a raw List<Linear<double>> member is not supported (its modules would not be children); " +
            "hold them in a ModuleList<double>, or a ModuleDict<double> to name them", list.Message);
        var dict = Assert.Throws<InvalidOperationException>(() => new RawModuleDictionary().StateDict());
        Assert.StartsWith("RawModuleDictionary.blocks: a raw Dictionary<string, Module<double>> member is not supported", dict.Message);
    }

    private sealed class Computed : Module<double>
    {
        [Parameter] public Tensor<double> W { get; }

        public Computed()
        {
            var source = Tensor.Full([2], 1.0, requiresGrad: true);
            W = source * 2.0;
        }

        protected override Tensor<double> ForwardCore(Tensor<double> input) => input * W;
    }

    [Fact]
    public void AComputedTensorInAParameterMemberIsAnError()
    {
        // Oracle: parameters are leaves (an optimizer updates them in place); W = source·2 was computed by an op.
        var e = Assert.Throws<InvalidOperationException>(() => new Computed().Parameters().ToList());
        Assert.StartsWith("Computed.w: a parameter must be a leaf tensor", e.Message);
    }
}
