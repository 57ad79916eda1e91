using System.Numerics;
using System.Runtime.InteropServices;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- helpers --------------------------------------------------------------------------------------------------

    /// <summary>Linear(3→4), BatchNorm1d(4) (running stats are buffers), ReLU, Linear(4→outFeatures), then extra layers.</summary>
    private static Sequential<T> Model<T>(ulong seed, int outFeatures = 2, int extraLayers = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new Generator(seed);
        var model = new Sequential<T>(new Linear<T>(3, 4, g), new BatchNorm1d<T>(4), new ReLU<T>(), new Linear<T>(4, outFeatures, g));
        for (int i = 0; i < extraLayers; i++) model.Add(new Linear<T>(outFeatures, outFeatures, g));
        return model;
    }

    /// <summary>One Adam step on the mean squared error against fixed targets; <paramref name="batch"/> picks the data.</summary>
    private static void TrainStep<T>(Module<T> model, Optimizer<T> optimizer, ulong batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new Generator(1000 + batch);
        var x = Tensor.Randn<T>([5, 3], g);
        optimizer.ZeroGrad();
        var output = model.Forward(x);
        var y = Tensor.Randn<T>([.. output.Shape], g);
        (output - y).Square().Mean().Backward();
        optimizer.Step();
    }

    /// <summary>A model trained for three Adam steps, so that weights, running stats and Adam's moments are all non-trivial.</summary>
    private static (Sequential<T> Model, Adam<T> Optimizer) Trained<T>(ulong seed = 1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var model = Model<T>(seed);
        var adam = new Adam<T>(model.Parameters(), lr: 0.01);
        for (ulong s = 0; s < 3; s++) TrainStep(model, adam, s);
        return (model, adam);
    }

    private static void AssertEntry(string dtype, int[] shape, SafeTensorEntry entry)
    {
        Assert.Equal(dtype, entry.DType);
        Assert.Equal(shape, entry.Shape);
    }

    private static byte[] Bits<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Every model value and every optimizer value as raw bytes (doubles for the scalars), by name.</summary>
    private static SortedDictionary<string, byte[]> Snapshot<T>(Module<T> model, Optimizer<T>? optimizer = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var snapshot = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.StateDict()) snapshot[name] = Bits(tensor.ToArray());
        if (optimizer is null) return snapshot;
        var state = optimizer.StateDict();
        foreach (var (key, value) in state.Scalars) snapshot["optimizer." + key] = BitConverter.GetBytes(value);
        foreach (var (key, tensor) in state.Tensors) snapshot["optimizer." + key] = Bits(tensor.ToArray());
        return snapshot;
    }

    /// <summary>A trained target whose model and optimizer differ from <see cref="Trained"/>'s in every value.</summary>
    private static (Sequential<double> Model, Adam<double> Optimizer) Target(int outFeatures = 2, int extraLayers = 0)
    {
        var model = Model<double>(7, outFeatures, extraLayers);
        var adam = new Adam<double>(model.Parameters(), lr: 0.2);
        TrainStep(model, adam, 99);
        return (model, adam);
    }

    private string SaveTrained(string name = "ckpt.safetensors")
    {
        var (model, adam) = Trained<double>();
        string path = _dir.File(name);
        Checkpoint.Save(path, model, adam);
        return path;
    }

    /// <summary>Asserts that loading <paramref name="path"/> into a fresh target fails with <typeparamref name="TException"/>
    /// naming the file, and that the target's model and optimizer are unchanged bit for bit.</summary>
    private static string AssertRejectedUnchanged<TException>(string path, Sequential<double> model, Adam<double> adam)
        where TException : Exception
    {
        var before = Snapshot(model, adam);
        var error = Assert.Throws<TException>(() => Checkpoint.Load(path, model, adam));
        Assert.Contains(path, error.Message);
        Assert.Equal(before, Snapshot(model, adam));
        return error.Message;
    }

    // ---- round trip -----------------------------------------------------------------------------------------------

    [Fact]
    public void RoundTripIsBitExactAndResumesIdentically_Float() => RoundTripAndResume<float>();

    [Fact]
    public void RoundTripIsBitExactAndResumesIdentically_Double() => RoundTripAndResume<double>();

    private void RoundTripAndResume<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Oracle: the source's own values. A fresh model and optimizer (other seed, other learning rate) restored from
        // the file hold the same bytes, and one more identical step from both gives identical parameters.
        var (source, sourceAdam) = Trained<T>();
        string path = _dir.File("ckpt.safetensors");
        Checkpoint.Save(path, source, sourceAdam, new Dictionary<string, string> { ["epoch"] = "3" });

        var target = Model<T>(seed: 2);
        var targetAdam = new Adam<T>(target.Parameters(), lr: 0.5);
        Assert.NotEqual(Snapshot(source), Snapshot(target));
        var result = Checkpoint.Load(path, target, targetAdam);

        Assert.Equal(Snapshot(source, sourceAdam), Snapshot(target, targetAdam));
        Assert.Equal(3, targetAdam.StepCount);
        Assert.Equal(0.01, targetAdam.LearningRate);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal("3", result.Metadata["epoch"]);
        Assert.Equal("Adam", result.Metadata[Checkpoint.OptimizerKey]);
        Assert.Equal(typeof(T) == typeof(float) ? "float32" : "float64", result.Metadata[Checkpoint.DTypeKey]);

        TrainStep(source, sourceAdam, 3);
        TrainStep(target, targetAdam, 3);
        Assert.Equal(Snapshot(source, sourceAdam), Snapshot(target, targetAdam));
    }

    [Fact]
    public void SaveModelAndLoadModelRestoreTheModelAlone()
    {
        // Oracle: the source's values; a model-only file has no optimizer entries and no optimizer metadata.
        var (source, _) = Trained<float>();
        string path = _dir.File("model.safetensors");
        Checkpoint.SaveModel(path, source);
        Assert.DoesNotContain(SafeTensorsFile.Load(path).Tensors.Keys, k => k.StartsWith("optimizer.", StringComparison.Ordinal));
        Assert.False(Checkpoint.ReadMetadata(path).ContainsKey(Checkpoint.OptimizerKey));

        var target = Model<float>(5);
        Checkpoint.LoadModel(path, target);
        Assert.Equal(Snapshot(source), Snapshot(target));
    }

    [Fact]
    public void LoadModelIgnoresOptimizerStateInTheFile()
    {
        var (source, _) = Trained<double>();
        string path = SaveTrained();
        var target = Model<double>(5);
        var result = Checkpoint.LoadModel(path, target);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(Snapshot(source), Snapshot(target));
    }

    [Fact]
    public void LoadingAcrossElementTypesConvertsExplicitly()
    {
        // Oracle: float → double is exact (every float is a double); double → float rounds each value to nearest,
        // which is what the (float) cast does.
        var (floatModel, _) = Trained<float>();
        string floatPath = _dir.File("f32.safetensors");
        Checkpoint.SaveModel(floatPath, floatModel);
        var asDouble = Model<double>(4);
        Checkpoint.LoadModel(floatPath, asDouble);
        foreach (var (name, tensor) in floatModel.StateDict())
            Assert.Equal(Array.ConvertAll(tensor.ToArray(), v => (double)v), asDouble.StateDict()[name].ToArray());

        var (doubleModel, _) = Trained<double>();
        string doublePath = _dir.File("f64.safetensors");
        Checkpoint.SaveModel(doublePath, doubleModel);
        var asFloat = Model<float>(4);
        Checkpoint.LoadModel(doublePath, asFloat);
        foreach (var (name, tensor) in doubleModel.StateDict())
            Assert.Equal(Array.ConvertAll(tensor.ToArray(), v => (float)v), asFloat.StateDict()[name].ToArray());
    }

    // ---- file layout (the interoperability oracle) ----------------------------------------------------------------

    [Fact]
    public void FileLayoutIsPlainSafeTensorsWithModelNamesAndOptimizerEntries()
    {
        // Oracle: the low-level reader, which checks the format on its own; names and shapes from the model
        // (PyTorch's layout: Linear weight is [out, in]) and Adam's state dict; after 3 steps "step" is 3.
        var (model, adam) = Trained<float>();
        string path = _dir.File("ckpt.safetensors");
        Checkpoint.Save(path, model, adam, new Dictionary<string, string> { ["note"] = "hello" });
        var (tensors, metadata) = SafeTensorsFile.Load(path);

        // PyTorch's names; num_batches_tracked is an I64 scalar counting the 3 training batches.
        string[] modelKeys = ["0.bias", "0.weight", "1.bias", "1.num_batches_tracked", "1.running_mean", "1.running_var", "1.weight", "3.bias", "3.weight"];
        Assert.Equal(modelKeys, tensors.Keys.Where(k => !k.StartsWith("optimizer.", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        AssertEntry("F32", [4, 3], tensors["0.weight"]);
        AssertEntry("F32", [4], tensors["1.running_var"]);
        AssertEntry("I64", [], tensors["1.num_batches_tracked"]);
        Assert.Equal([3L], tensors["1.num_batches_tracked"].ToInt64());
        AssertEntry("F32", [2, 4], tensors["3.weight"]);
        Assert.Equal(Bits(((Linear<float>)model[0]).Weight.ToArray()), tensors["0.weight"].Data);
        Assert.Equal(Bits(((BatchNorm1d<float>)model[1]).RunningMean.ToArray()), tensors["1.running_mean"].Data);

        AssertEntry("F32", [4, 3], tensors["optimizer.state.0.exp_avg"]);
        AssertEntry("F32", [2], tensors["optimizer.state.5.exp_avg_sq"]);
        AssertEntry("F64", [], tensors["optimizer.step"]);
        Assert.Equal([3.0], tensors["optimizer.step"].ToDouble());
        Assert.Equal([0.01], tensors["optimizer.param_groups.0.lr"].ToDouble());
        Assert.Equal([6.0], tensors["optimizer.param_groups.0.num_params"].ToDouble());
        Assert.Equal([3.0], tensors["optimizer.state.0.step"].ToDouble());
        Assert.False(tensors.ContainsKey("optimizer.state.0.max_exp_avg_sq")); // AMSGrad off: no such buffer

        Assert.Equal("1", metadata[Checkpoint.VersionKey]);
        Assert.Equal("float32", metadata[Checkpoint.DTypeKey]);
        Assert.Equal("Sequential", metadata[Checkpoint.ModelKey]);
        Assert.Equal("Adam", metadata[Checkpoint.OptimizerKey]);
        Assert.Equal("hello", metadata["note"]);
    }

    [Fact]
    public void ReadTensorsGivesEveryEntryConverted()
    {
        // Oracle: the file holds the model's and the optimizer's values; reading as double widens the F32 ones exactly.
        var (model, adam) = Trained<float>();
        string path = _dir.File("ckpt.safetensors");
        Checkpoint.Save(path, model, adam);
        var tensors = Checkpoint.ReadTensors<double>(path);
        Assert.Equal(SafeTensorsFile.Load(path).Tensors.Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Array.ConvertAll(((Linear<float>)model[3]).Bias!.ToArray(), v => (double)v), tensors["3.bias"].ToArray());
        Assert.Equal([2, 4], tensors["optimizer.state.4.exp_avg"].Shape);
        Assert.Equal(3.0, tensors["optimizer.step"].Item());
    }

    [Fact]
    public void PlainSafeTensorsFileWithoutCheckpointMetadataLoadsAsWeights()
    {
        // Oracle: a file as another tool would write it (plain names, no metadata) carries the source's values.
        var (source, _) = Trained<float>();
        string path = _dir.File("plain.safetensors");
        var entries = source.StateDict().ToDictionary(kv => kv.Key, kv => SafeTensorEntry.FromSingle(kv.Value.ToArray(), [.. kv.Value.Shape]));
        SafeTensorsFile.Save(path, entries);
        var target = Model<float>(9);
        Checkpoint.LoadModel(path, target);
        Assert.Equal(Snapshot(source), Snapshot(target));

        var adam = new Adam<float>(target.Parameters());
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, target, adam));
        Assert.Contains("holds no optimizer state, but an optimizer (Adam) was given", error.Message);
    }

    // ---- rejected files leave model and optimizer unchanged --------------------------------------------------------

    [Fact]
    public void MissingKeyIsRejected()
    {
        // The target has a fifth layer that the file lacks: 4.weight [2, 2] and 4.bias [2].
        string path = SaveTrained();
        var (model, adam) = Target(extraLayers: 1);
        string message = AssertRejectedUnchanged<CheckpointException>(path, model, adam);
        Assert.Contains("missing key '4.weight' (model shape [2, 2])", message);
        Assert.Contains("missing key '4.bias' (model shape [2])", message);
        Assert.Contains("nothing was loaded", message);
    }

    [Fact]
    public void UnexpectedKeyIsRejectedWhenStrictAndReportedOtherwise()
    {
        // The target stops after the ReLU, so the file's 3.weight [2, 4] and 3.bias [2] have nowhere to go.
        string path = SaveTrained();
        var g = new Generator(7);
        var model = new Sequential<double>(new Linear<double>(3, 4, g), new BatchNorm1d<double>(4), new ReLU<double>());
        var adam = new Adam<double>(model.Parameters());
        var before = Snapshot(model, adam);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model, adam));
        Assert.Contains(path, error.Message);
        Assert.Contains("unexpected key '3.weight' (shape [2, 4]) is not in the model", error.Message);
        Assert.Equal(before, Snapshot(model, adam));

        // Oracle for non-strict loading: the source's values for the keys both share.
        var result = Checkpoint.LoadModel(path, model, strict: false);
        Assert.Equal(["3.bias", "3.weight"], result.UnexpectedKeys);
        Assert.Empty(result.MissingKeys);
        var source = Snapshot(Trained<double>().Model);
        foreach (var (name, bytes) in Snapshot(model)) Assert.Equal(source[name], bytes);
    }

    [Fact]
    public void WrongShapeIsRejected()
    {
        // The target's last layer has 3 outputs: 3.weight is [3, 4] where the file has [2, 4].
        string path = SaveTrained();
        var (model, adam) = Target(outFeatures: 3);
        string message = AssertRejectedUnchanged<CheckpointException>(path, model, adam);
        Assert.Contains("size mismatch for '3.weight': file has shape [2, 4], model has [3, 4]", message);
        Assert.Contains("size mismatch for '3.bias': file has shape [2], model has [3]", message);
    }

    [Fact]
    public void TruncatedFileIsRejected()
    {
        string path = SaveTrained();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var (model, adam) = Target();
        string message = AssertRejectedUnchanged<SafeTensorsFormatException>(path, model, adam);
        Assert.Contains("past the end", message);
    }

    [Fact]
    public void CorruptHeaderIsRejected()
    {
        string path = SaveTrained();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'['; // the header's opening '{'
        File.WriteAllBytes(path, bytes);
        var (model, adam) = Target();
        string message = AssertRejectedUnchanged<SafeTensorsFormatException>(path, model, adam);
        Assert.Contains("header must start with '{'", message);
    }

    [Fact]
    public void OptimizerOfAnotherKindIsRejected()
    {
        string path = SaveTrained();
        var model = Model<double>(7);
        var sgd = new SGD<double>(model.Parameters(), lr: 0.1);
        var before = Snapshot(model, sgd);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model, sgd));
        Assert.Contains(path, error.Message);
        Assert.Contains("holds Adam optimizer state, but the optimizer given is SGD", error.Message);
        Assert.Equal(before, Snapshot(model, sgd));
    }

    [Fact]
    public void OptimizerStateTheOptimizerRefusesLeavesTheModelUnchanged()
    {
        // The model fits but the optimizer splits the same parameters into two groups, which Adam's own
        // LoadStateDict refuses; that check runs before the model is touched.
        string path = SaveTrained();
        var model = Model<double>(7);
        var parameters = model.Parameters().ToList();
        var adam = new Adam<double>([new ParamGroup<double>(parameters[..3]), new ParamGroup<double>(parameters[3..])]);
        TrainStep(model, adam, 42);
        var before = Snapshot(model, adam);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model, adam));
        Assert.Contains(path, error.Message);
        Assert.Contains("optimizer state does not fit Adam", error.Message);
        Assert.Contains("group 0 had 6 parameters when saved but has 3 now", error.Message);
        Assert.Equal(before, Snapshot(model, adam));
    }

    [Fact]
    public void NewerFormatVersionIsRejected()
    {
        string path = _dir.File("future.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry>(), new Dictionary<string, string> { [Checkpoint.VersionKey] = "2" });
        var (model, adam) = Target();
        string message = AssertRejectedUnchanged<CheckpointException>(path, model, adam);
        Assert.Contains("format version '2' is not supported", message);
    }

    // ---- saving ---------------------------------------------------------------------------------------------------

    [Fact]
    public void SaveReplacesTheOldFileWholeAndLeavesNoTemporaryFile()
    {
        // Oracle: the directory listing (AtomicFile writes a hidden temp file and renames it) and the second model's values.
        string path = _dir.File("ckpt.safetensors");
        var (first, firstAdam) = Trained<double>(seed: 1);
        Checkpoint.Save(path, first, firstAdam);
        var second = Model<double>(seed: 2, extraLayers: 1);
        Checkpoint.SaveModel(path, second);
        Assert.Equal(["ckpt.safetensors"], _dir.FileNames());

        var (tensors, metadata) = SafeTensorsFile.Load(path);
        Assert.Equal(second.StateDict().Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        Assert.False(metadata.ContainsKey(Checkpoint.OptimizerKey));
        var restored = Model<double>(seed: 3, extraLayers: 1);
        Checkpoint.LoadModel(path, restored);
        Assert.Equal(Snapshot(second), Snapshot(restored));
    }

    [Fact]
    public void FailedSaveLeavesTheOldFileUntouched()
    {
        // A reserved metadata key is refused before anything is written: the old file keeps its exact bytes.
        string path = SaveTrained();
        byte[] before = File.ReadAllBytes(path);
        var model = Model<double>(2);
        var error = Assert.Throws<ArgumentException>(() =>
            Checkpoint.SaveModel(path, model, new Dictionary<string, string> { [Checkpoint.DTypeKey] = "int8" }));
        Assert.Contains("'autograd.dtype' is reserved", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["ckpt.safetensors"], _dir.FileNames());
    }
}
