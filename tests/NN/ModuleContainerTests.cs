using Autograd.NN;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

/// <summary>ModuleList, ModuleDict and ParameterList: PyTorch's names, parameters, and checkpoints.</summary>
public class ModuleContainerTests
{
    private sealed class Net : Module<double>
    {
        public ModuleList<double> Layers { get; }
        public ModuleDict<double> Blocks { get; }
        public ParameterList<double> Params { get; }

        public Net(Generator g)
        {
            Layers = [new Linear<double>(2, 3, g), new ReLU<double>(), new Linear<double>(3, 2, g, bias: false)];
            Blocks = new ModuleDict<double> { ["encoder"] = new Linear<double>(2, 2, g, bias: false), ["norm"] = new LayerNorm<double>(2) };
            Params = [Tensor.Randn<double>([2], g), Tensor.Randn<double>([1], g)];
        }

        protected override Tensor<double> ForwardCore(Tensor<double> input)
        {
            var h = Blocks["norm"].Forward(Blocks["encoder"].Forward(input)) * Params[0] + Params[1];
            foreach (var layer in Layers) h = layer.Forward(h);
            return h;
        }
    }

    private static readonly string[] ExpectedNames =
    [
        "layers.0.weight", "layers.0.bias", "layers.2.weight", "blocks.encoder.weight", "blocks.norm.weight", "blocks.norm.bias",
        "params.0", "params.1",
    ];

    [Fact]
    public void ContainersGivePyTorchNamesInStateDictAndParameters()
    {
        // Oracle: PyTorch's naming: member name, then list position or dictionary key, then the parameter name;
        // modules in pre-order (Layers, Blocks, Params as declared), each tensor once.
        var net = new Net(new Generator(1));
        Assert.Equal(ExpectedNames, net.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(ExpectedNames, net.StateDict().Keys.ToArray());
        // 2·3+3 + 3·2 + 2·2 + 2+2 + 2+1 = 9 + 6 + 4 + 4 + 3 = 26
        Assert.Equal(26, net.ParameterCount());
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Equal(["", "layers", "layers.0", "layers.1", "layers.2", "blocks", "blocks.encoder", "blocks.norm", "params"],
            net.NamedModules().Select(m => m.Name).ToArray());
    }

    [Fact]
    public void ContainersRoundTripThroughACheckpoint()
    {
        // Oracle: a model saved and loaded into a differently initialised twin has the saved values, name by name.
        using var dir = new TempDirectory();
        var source = new Net(new Generator(1));
        var target = new Net(new Generator(2));
        Assert.NotEqual(source.Params[0].ToArray(), target.Params[0].ToArray());
        Checkpoint.SaveModel(dir.File("net.safetensors"), source);
        Checkpoint.LoadModel(dir.File("net.safetensors"), target);
        var expected = source.StateDict();
        foreach (var (name, tensor) in target.StateDict()) Assert.Equal(expected[name].ToArray(), tensor.ToArray());
        // The file holds exactly the state dict's names (the model has no buffers).
        Assert.Equal(ExpectedNames.Order(StringComparer.Ordinal),
            Checkpoint.ReadTensors<double>(dir.File("net.safetensors")).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ContainersPassFiniteDifferences()
    {
        // Oracle: finite differences through every container's parameters (first order).
        var net = new Net(new Generator(3));
        ModuleGradCheck.Assert(net, ModuleGradCheck.Input(5, 4, 2), secondOrder: false);
    }

    [Fact]
    public void ParameterListMakesAddedTensorsRequireGradOnce()
    {
        // Oracle: PyTorch's ParameterList turns tensors into parameters; Freeze is not undone by a later read.
        var list = new ParameterList<float>();
        var t = Tensor.Zeros<float>(3);
        list.Add(t);
        Assert.True(t.RequiresGrad);
        list.Freeze();
        Assert.Equal(["0"], list.NamedParameters().Select(p => p.Name).ToArray());
        Assert.False(t.RequiresGrad);
        var computed = Tensor.Full([1], 1f, requiresGrad: true) * 2f;
        Assert.StartsWith("Parameter: a parameter must be a leaf tensor", Assert.Throws<ArgumentException>(() => list.Add(computed)).Message);
    }

    [Fact]
    public void ModuleListAndDictEditsRenameChildren()
    {
        // Oracle: names are positions (after Insert/RemoveAt) and keys (in insertion order; setting a key keeps its place).
        var g = new Generator(4);
        var list = new ModuleList<float> { new ReLU<float>(), new Tanh<float>() };
        list.Insert(0, new Identity<float>());
        list.RemoveAt(1);
        Assert.Equal([("0", "Identity"), ("1", "Tanh")], list.NamedChildren().Select(c => (c.Name, c.Module.GetType().Name.Split('`')[0])).ToArray());
        var dict = new ModuleDict<float> { ["a"] = new ReLU<float>(), ["b"] = new Tanh<float>() };
        dict["a"] = new Linear<float>(1, 1, g);
        Assert.Equal(["a", "b"], dict.NamedChildren().Select(c => c.Name).ToArray());
        Assert.IsType<Linear<float>>(dict["a"]);
        Assert.Contains("contain no '.'", Assert.Throws<ArgumentException>(() => dict.Add("x.y", new ReLU<float>())).Message);
        Assert.Contains("already present", Assert.Throws<ArgumentException>(() => dict.Add("b", new ReLU<float>())).Message);
        Assert.Throws<NotSupportedException>(() => list.Forward(Tensor.Ones<float>(1)));
    }
}
