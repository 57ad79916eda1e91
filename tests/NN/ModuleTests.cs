using Autograd.NN;

namespace Autograd.Tests.NN;

public class ModuleTests
{
    /// <summary>A nested model using every kind of member the discovery supports.</summary>
    private sealed class Net : Module<double>
    {
        private readonly Linear<double> _fc1;
        public Sequential<double> Layers { get; }
        private readonly ModuleList<double> _heads;
        [Parameter] private readonly Tensor<double> _scale = Tensor.Ones<double>(1);
        [Buffer(Persistent = false)] private readonly Tensor<double> _constant = Tensor.Ones<double>(3); // a buffer that is not saved
        [Buffer] private readonly Tensor<double> _steps = Tensor.Zeros<double>(1);

        public Net(Generator g)
        {
            _fc1 = new Linear<double>(4, 3, g);
            Layers = new Sequential<double>(new Linear<double>(3, 3, g), new ReLU<double>(), new BatchNorm1d<double>(3));
            _heads = [new Linear<double>(3, 2, g, bias: false), new Linear<double>(3, 1, g)];
        }

        protected override Tensor<double> ForwardCore(Tensor<double> input)
        {
            var h = Layers.Forward(_fc1.Forward(input)) * _scale + _constant;
            return Tensor.Concat([_heads[0].Forward(h), _heads[1].Forward(h)], 1);
        }
    }

    [Fact]
    public void ParametersAreDiscoveredWithPyTorchStyleNames()
    {
        // Oracle: the member declarations of Net above with PyTorch's dotted naming and order (named_modules in
        // pre-order, each module's own parameters first, so the root's "scale" precedes its children's).
        var net = new Net(new Generator(1));
        string[] expected =
        [
            "scale", "fc1.weight", "fc1.bias", "layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
            "heads.0.weight", "heads.1.weight", "heads.1.bias",
        ];
        Assert.Equal(expected, net.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(["constant", "steps", "layers.2.running_mean", "layers.2.running_var", "layers.2.num_batches_tracked"], net.NamedBuffers().Select(b => b.Name).ToArray());
        // The state dict holds the parameters, then the persistent buffers: all but "constant".
        Assert.Equal([.. expected, "steps", "layers.2.running_mean", "layers.2.running_var", "layers.2.num_batches_tracked"], net.StateDict().Keys.ToArray());
        // 4·3+3 + 3·3+3 + 3+3 + 3·2 + 3·1+1 + 1 = 15 + 12 + 6 + 6 + 4 + 1 = 44
        Assert.Equal(44, net.ParameterCount());
        Assert.Equal(10, net.Parameters().Count());
    }

    [Fact]
    public void ModulesAreListedInPreOrderWithNames()
    {
        // Oracle: the tree of Net: root, fc1, layers (with 3 children), heads (a ModuleList, itself a module as in
        // PyTorch's named_modules) with heads.0 and heads.1.
        var net = new Net(new Generator(1));
        Assert.Equal(["", "fc1", "layers", "layers.0", "layers.1", "layers.2", "heads", "heads.0", "heads.1"],
            net.NamedModules().Select(m => m.Name).ToArray());
        Assert.Equal(["fc1", "layers", "heads"], net.NamedChildren().Select(c => c.Name).ToArray());
        Assert.IsType<BatchNorm1d<double>>(net.GetSubmodule("layers.2"));
        Assert.Contains("no sub-module named 'nope'", Assert.Throws<ArgumentException>(() => net.GetSubmodule("nope")).Message);
    }

    [Fact]
    public void SharedParametersAndModulesAreCountedOnce()
    {
        // Oracle: one Linear(2, 2) used twice has 2·2 + 2 = 6 parameters, as PyTorch's parameters() deduplicates.
        var shared = new Linear<double>(2, 2, new Generator(3));
        var model = new Sequential<double>(shared, new Tanh<double>(), shared);
        Assert.Equal(6, model.ParameterCount());
        Assert.Equal(["0.weight", "0.bias"], model.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Theory]
    [InlineData("_fc1", "fc1")]
    [InlineData("Weight", "weight")]
    [InlineData("FC1", "fc1")]
    [InlineData("RunningMean", "running_mean")]
    [InlineData("NumBatchesTracked", "num_batches_tracked")]
    [InlineData("InProjWeight", "in_proj_weight")]
    [InlineData("WeightIhL0", "weight_ih_l0")]
    [InlineData("Linear1", "linear1")]
    [InlineData("HTTPLayer", "http_layer")]
    [InlineData("already_snake", "already_snake")]
    [InlineData("__x", "x")]
    public void MemberNamesBecomePyTorchSnakeCase(string member, string expected)
    {
        // Oracle: PyTorch's state-dict names (nn.BatchNorm1d's "running_mean", "num_batches_tracked";
        // nn.MultiheadAttention's "in_proj_weight"; nn.LSTM's "weight_ih_l0"), no leading underscores.
        Assert.Equal(expected, StateDictNames.ToSnakeCase(member));
    }

    [Fact]
    public void TrainAndEvalAreRecursive()
    {
        // Oracle: PyTorch's semantics; modules start in training mode and Eval/Train reach every descendant.
        var net = new Net(new Generator(1));
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.IsTraining));
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.IsTraining));
    }

    [Fact]
    public void FreezeStopsGradientsOnFrozenPartsOnly()
    {
        // Oracle: a frozen parameter does not require grad, so backward leaves its Grad null; the others get one.
        var g = new Generator(5);
        var first = new Linear<double>(3, 4, g);
        var second = new Linear<double>(4, 2, g);
        var model = new Sequential<double>(first, new Tanh<double>(), second);
        first.Freeze();
        Assert.Equal(4 * 2 + 2, model.ParameterCount(trainableOnly: true));
        Assert.Equal(3 * 4 + 4 + 4 * 2 + 2, model.ParameterCount());
        model.Forward(Tensor.Randn<double>([5, 3], g)).Sum().Backward();
        Assert.Null(first.Weight.Grad);
        Assert.Null(first.Bias!.Grad);
        Assert.NotNull(second.Weight.Grad);
        Assert.NotNull(second.Bias!.Grad);
        // Frozen parameters are still parameters (so that Unfreeze and checkpoints find them).
        Assert.Equal(4, model.Parameters().Count());
        model.Unfreeze();
        model.ZeroGrad();
        Assert.Null(second.Weight.Grad);
        model.Forward(Tensor.Randn<double>([5, 3], g)).Sum().Backward();
        Assert.NotNull(first.Weight.Grad);
    }

    private sealed class Scaled : Module<double>
    {
        [Parameter] public Tensor<double> Gain { get; } = Tensor.Ones<double>(2); // marked, created without grad
        protected override Tensor<double> ForwardCore(Tensor<double> input) => input * Gain;
    }

    [Fact]
    public void MarkedAndBuiltInParametersSurviveClearingRequiresGradBeforeInspection()
    {
        // Oracle: [Parameter] members are parameters whatever their RequiresGrad (PyTorch: requires_grad=False
        // parameters are still in parameters() and state_dict()).
        var embedding = new Embedding<double>(3, 2, new Generator(1));
        embedding.Weight.RequiresGrad = false;
        Assert.Equal(["weight"], embedding.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(0, embedding.ParameterCount(trainableOnly: true));
        Assert.Equal(["gain"], new Scaled().StateDict().Keys.ToArray());
    }

    [Fact]
    public void ApplyVisitsChildrenBeforeParents()
    {
        // Oracle: PyTorch's Module.apply calls fn on every sub-module, then on self.
        var net = new Net(new Generator(1));
        var visited = new List<Module<double>>();
        net.Apply(visited.Add);
        Assert.Equal(9, visited.Count); // the 9 modules listed in ModulesAreListedInPreOrderWithNames
        Assert.Same(net, visited[^1]);
        Assert.True(visited.IndexOf(net.Layers[0]) < visited.IndexOf(net.Layers));
    }

    [Fact]
    public void ToStringSummarisesTheTree()
    {
        // Oracle: the layers and hyper-parameters of the model built here; 4·8+8 + 8·2+2 = 58 parameters.
        var g = new Generator(2);
        var model = new Sequential<float> { new Linear<float>(4, 8, g), new ReLU<float>(), new Dropout<float>(0.5, g), new Linear<float>(8, 2, g) };
        string text = model.ToString();
        Assert.StartsWith("Sequential(", text);
        Assert.Contains("(0): Linear(inFeatures=4, outFeatures=8, bias=true)  [40 params]", text);
        Assert.Contains("(1): ReLU()", text);
        Assert.Contains("(2): Dropout(p=0.5)", text);
        Assert.Contains("(3): Linear(inFeatures=8, outFeatures=2, bias=true)  [18 params]", text);
        Assert.Contains("Parameters: 58 (trainable 58)", text);
    }

    [Fact]
    public void ForwardOfTheNestedModelHasGradientsForEveryParameter()
    {
        // Oracle: finite differences through the whole nested model (BatchNorm in training mode).
        var net = new Net(new Generator(4));
        ModuleGradCheck.Assert(net, ModuleGradCheck.Input(8, 4, 4), secondOrder: false);
    }
}
