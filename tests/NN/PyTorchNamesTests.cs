using Autograd.NN;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

/// <summary>State-dict names are PyTorch's; names known at run time are registered; old camelCase files still load.</summary>
public class PyTorchNamesTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Sequential<double> Model(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential<double>(new Linear<double>(3, 4, g), new BatchNorm1d<double>(4), new ReLU<double>());
    }

    /// <summary>A module whose parameter names are only known at run time, as a recurrent layer's "weight_l0", "weight_l1".</summary>
    private sealed class Stack : Module<double>
    {
        public Stack(int layers)
        {
            for (int k = 0; k < layers; k++) RegisterParameter($"weight_l{k}", Tensor.Full([2], k + 1.0));
            RegisterBuffer("scale", Tensor.Full([1], 3.0));
            RegisterBuffer("cache", Tensor.Zeros<double>(2), persistent: false);
        }

        public Tensor<double> Weight(int k) => NamedParameters().First(p => p.Name == $"weight_l{k}").Parameter;

        public void Reregister(string name, Tensor<double>? tensor) => RegisterParameter(name, tensor);

        public void RegisterBufferNamed(string name) => RegisterBuffer(name, Tensor.Zeros<double>(1));

        protected override Tensor<double> ForwardCore(Tensor<double> input) => input * Weight(0);
    }

    [Fact]
    public void RegisteredParametersAndBuffersAreNamedAndTrained()
    {
        // Oracle: PyTorch's register_parameter/register_buffer: parameters by name in registration order, require grad;
        // a non-persistent buffer is listed but not saved.
        var m = new Stack(2);
        Assert.Equal(["weight_l0", "weight_l1"], m.NamedParameters().Select(p => p.Name).ToArray());
        Assert.All(m.Parameters(), p => Assert.True(p.RequiresGrad));
        Assert.Equal(["scale", "cache"], m.NamedBuffers().Select(b => b.Name).ToArray());
        Assert.Equal(["weight_l0", "weight_l1", "scale"], m.StateDict().Keys.ToArray());
        // y = x ⊙ w0 with w0 = 1: ∂Σy/∂w0 = x = [2, 5].
        m.Forward(Tensor.FromArray([2.0, 5.0])).Sum().Backward();
        Assert.Equal([2.0, 5.0], m.Weight(0).Grad!.ToArray());
    }

    [Fact]
    public void RegisteringAgainReplacesAndNullRemovesFromTheLists()
    {
        // Oracle: PyTorch: register_parameter(name, None) keeps the name without a tensor; a new tensor replaces the old.
        var m = new Stack(2);
        m.Reregister("weight_l1", Tensor.Full([3], 7.0));
        Assert.Equal([7.0, 7.0, 7.0], m.Weight(1).ToArray());
        m.Reregister("weight_l1", null);
        Assert.Equal(["weight_l0"], m.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void BadRegisteredNamesAreRefusedByName()
    {
        var m = new Stack(1);
        Assert.Contains("must not contain '.'", Assert.Throws<ArgumentException>(() => m.Reregister("a.b", Tensor.Zeros<double>(1))).Message);
        Assert.Contains("'scale' is already registered as a buffer", Assert.Throws<ArgumentException>(() => m.Reregister("scale", Tensor.Zeros<double>(1))).Message);
        Assert.Contains("'weight_l0' is already registered as a parameter", Assert.Throws<ArgumentException>(() => m.RegisterBufferNamed("weight_l0")).Message);
    }

    [Fact]
    public void BatchNormCountsTrainingBatchesAsPyTorch()
    {
        // Oracle: PyTorch increments num_batches_tracked once per forward in training mode and not in eval mode.
        var bn = new BatchNorm1d<double>(2);
        var x = Tensor.FromArray([1.0, 2.0, 3.0, 5.0], [2, 2]);
        bn.Forward(x);
        bn.Forward(x);
        bn.Eval();
        bn.Forward(x);
        Assert.Equal(2.0, bn.NumBatchesTracked.Item());
        Assert.Empty(bn.NumBatchesTracked.Shape.ToArray()); // a 0-d tensor, as PyTorch's
    }

    [Fact]
    public void OldCamelCaseStateDictLoadsIntoPyTorchNames()
    {
        // Oracle: the source model's own values; the old keys "1.runningMean", "1.runningVar" are those this library wrote
        // before its names became PyTorch's.
        var source = Model(1);
        source.Forward(Tensor.Randn<double>([5, 3], new Generator(3)));
        var old = source.StateDict().Where(kv => kv.Key != "1.num_batches_tracked")
            .ToDictionary(kv => kv.Key.Replace("running_mean", "runningMean").Replace("running_var", "runningVar"), kv => kv.Value);
        var target = Model(2);
        var result = target.LoadStateDict(old, strict: false);
        Assert.Equal(new Dictionary<string, string> { ["1.runningMean"] = "1.running_mean", ["1.runningVar"] = "1.running_var" }, result.RenamedKeys);
        Assert.Equal(["1.num_batches_tracked"], result.MissingKeys); // older files have no counter
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(source.StateDict()["1.running_mean"].ToArray(), target.StateDict()["1.running_mean"].ToArray());
        Assert.Equal(source.StateDict()["1.running_var"].ToArray(), target.StateDict()["1.running_var"].ToArray());
    }

    [Fact]
    public void OldCamelCaseCheckpointFileLoads()
    {
        // Oracle: a file laid out as this library wrote it before (F64 entries under camelCase names, no counter), written
        // here with the low-level writer; the loaded values equal the written ones.
        var source = Model(1);
        source.Forward(Tensor.Randn<double>([5, 3], new Generator(3)));
        var entries = source.StateDict().Where(kv => kv.Key != "1.num_batches_tracked").ToDictionary(
            kv => kv.Key.Replace("running_mean", "runningMean").Replace("running_var", "runningVar"),
            kv => SafeTensorEntry.FromDouble(kv.Value.ToArray(), [.. kv.Value.Shape]));
        string path = _dir.File("old.safetensors");
        SafeTensorsFile.Save(path, entries, new Dictionary<string, string> { [Checkpoint.VersionKey] = Checkpoint.FormatVersion });
        var target = Model(2);
        var result = Checkpoint.LoadModel(path, target, strict: false);
        Assert.Equal("1.running_var", result.RenamedKeys["1.runningVar"]);
        Assert.Equal(source.StateDict()["1.running_var"].ToArray(), target.StateDict()["1.running_var"].ToArray());
    }

    [Fact]
    public void CounterIsWrittenAsInt64AndStrictLoadAcceptsPyTorchsInt64()
    {
        // Oracle: PyTorch writes num_batches_tracked as a 0-d int64; a strict load of such an entry restores the count.
        var source = Model(1);
        for (int i = 0; i < 4; i++) source.Forward(Tensor.Randn<double>([5, 3], new Generator((ulong)i)));
        string path = _dir.File("pt.safetensors");
        Checkpoint.SaveModel(path, source);
        var (tensors, _) = SafeTensorsFile.Load(path);
        Assert.Equal("I64", tensors["1.num_batches_tracked"].DType);
        Assert.Equal([4L], tensors["1.num_batches_tracked"].ToInt64());
        var target = Model(2);
        Checkpoint.LoadModel(path, target);
        Assert.Equal(4.0, ((BatchNorm1d<double>)target[1]).NumBatchesTracked.Item());
    }

    [Fact]
    public void CounterWithFractionalValueIsRefusedByKey()
    {
        // A counter can only hold whole numbers: 2.5 batches is a corrupt file, refused naming the key; nothing changes.
        var model = Model(1);
        var entries = model.StateDict().ToDictionary(kv => kv.Key, kv => SafeTensorEntry.FromDouble(kv.Value.ToArray(), [.. kv.Value.Shape]));
        entries["1.num_batches_tracked"] = SafeTensorEntry.FromDouble([2.5], []);
        string path = _dir.File("bad.safetensors");
        SafeTensorsFile.Save(path, entries, new Dictionary<string, string>());
        var target = Model(2);
        var before = target.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, target));
        Assert.Contains("'1.num_batches_tracked'", e.Message);
        foreach (var (k, v) in target.StateDict()) Assert.Equal(before[k], v.ToArray());
    }
}
