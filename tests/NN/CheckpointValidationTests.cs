using System.Runtime.InteropServices;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

// Issue 14: every field of a checkpoint is validated on load against what it can mean; a violation is an error naming
// the key, and nothing changes. Oracle for "nothing changes": the bytes of every model and optimizer value before and
// after the failed load. Oracle for each rejection: the domain of the field, stated beside its case.
public sealed class CheckpointValidationTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- helpers --------------------------------------------------------------------------------------------------

    private static Sequential<double> Model(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential<double>(new Linear<double>(3, 4, g), new ReLU<double>(), new Linear<double>(4, 2, g));
    }

    private static void TrainStep(Module<double> model, Optimizer<double> optimizer, ulong batch)
    {
        var g = new Generator(1000 + batch);
        var x = Tensor.Randn<double>([5, 3], g);
        optimizer.ZeroGrad();
        var output = model.Forward(x);
        (output - Tensor.Randn<double>([.. output.Shape], g)).Square().Mean().Backward();
        optimizer.Step();
    }

    /// <summary>A model and optimizer trained for <paramref name="steps"/> steps (all state non-trivial).</summary>
    private static (Sequential<double> Model, Optimizer<double> Optimizer) Trained(Func<IEnumerable<Tensor<double>>, Optimizer<double>> make, ulong seed, int steps)
    {
        var model = Model(seed);
        var optimizer = make(model.Parameters());
        for (int s = 0; s < steps; s++) TrainStep(model, optimizer, (ulong)s + seed);
        return (model, optimizer);
    }

    private static Optimizer<double> MakeAdam(IEnumerable<Tensor<double>> p) => new Adam<double>(p, lr: 0.01);

    private static byte[] Bits(double[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Every model value and every optimizer value (scalars and buffers) as raw bytes, by name.</summary>
    private static SortedDictionary<string, byte[]> Snapshot(Module<double> model, Optimizer<double> optimizer)
    {
        var snapshot = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (name, tensor) in model.StateDict()) snapshot[name] = Bits(tensor.ToArray());
        var state = optimizer.StateDict();
        foreach (var (key, value) in state.Scalars) snapshot["optimizer." + key] = BitConverter.GetBytes(value);
        foreach (var (key, tensor) in state.Tensors) snapshot["optimizer." + key] = Bits(tensor.ToArray());
        snapshot["optimizer.StepCount"] = BitConverter.GetBytes(optimizer.StepCount);
        return snapshot;
    }

    private static SortedDictionary<string, byte[]> Snapshot(Optimizer<double> optimizer)
    {
        var snapshot = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var state = optimizer.StateDict();
        foreach (var (key, value) in state.Scalars) snapshot[key] = BitConverter.GetBytes(value);
        foreach (var (key, tensor) in state.Tensors) snapshot[key] = Bits(tensor.ToArray());
        return snapshot;
    }

    /// <summary>Saves a trained Adam checkpoint (3 steps), lets <paramref name="mutate"/> edit its raw entries, writes it back.</summary>
    private string SaveMutated(Action<Dictionary<string, SafeTensorEntry>, Dictionary<string, string>> mutate,
        Func<IEnumerable<Tensor<double>>, Optimizer<double>>? make = null)
    {
        var (model, optimizer) = Trained(make ?? MakeAdam, seed: 1, steps: 3);
        string path = _dir.File($"ckpt-{Guid.NewGuid():N}.safetensors");
        Checkpoint.Save(path, model, optimizer);
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        mutate(tensors, metadata);
        SafeTensorsFile.Save(path, tensors, metadata);
        return path;
    }

    private static SafeTensorEntry Scalar(double value) => SafeTensorEntry.FromDouble([value], []);

    /// <summary>Loading <paramref name="path"/> into a trained target fails with a CheckpointException naming the file
    /// and <paramref name="key"/>; the target's model and optimizer are unchanged bit for bit.</summary>
    private static string AssertRejectedUnchanged(string path, string key, Func<IEnumerable<Tensor<double>>, Optimizer<double>>? make = null)
    {
        var (model, optimizer) = Trained(make ?? MakeAdam, seed: 7, steps: 1);
        var before = Snapshot(model, optimizer);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, model, optimizer));
        Assert.Contains(path, error.Message);
        Assert.True(error.Message.Contains(key, StringComparison.Ordinal), $"the error does not name '{key}': {error.Message}");
        Assert.Equal(before, Snapshot(model, optimizer));
        return error.Message;
    }

    // ---- step counts ----------------------------------------------------------------------------------------------

    [Fact]
    public void AHugeStepCountWouldHaveTurnedTheWeightsIntoNaN()
    {
        // The bug this guards against, reproduced by hand: "state.0.step" = +∞ (or 1e300) used to load saturated to
        // long.MaxValue; the next Step() incremented it to long.MinValue, so β₂ᵗ = 0.999^(−2⁶³) = +∞, 1 − β₂ᵗ = −∞ and
        // Adam's 1/√(1 − β₂ᵗ) = NaN, which multiplied into every weight.
        double saved = double.PositiveInfinity;
        long t = unchecked((long)saved + 1);                       // (long)+∞ saturates to long.MaxValue; + 1 wraps
        Assert.Equal(long.MinValue, t);
        Assert.True(double.IsNaN(1 / Math.Sqrt(1 - Math.Pow(0.999, t))));
        // Now the load refuses it, naming the key, and the weights stay finite.
        string path = SaveMutated((t, _) => t["optimizer.state.0.step"] = Scalar(double.PositiveInfinity));
        string message = AssertRejectedUnchanged(path, "state.0.step");
        Assert.Contains("must be a whole number in [1, 3]", message);
    }

    public static TheoryData<string, double> BadStepCounts => new()
    {
        // "step": a whole number in [0, 2⁵³] (2⁵³ is the last whole number a double holds exactly).
        { "step", double.NaN }, { "step", double.PositiveInfinity }, { "step", double.NegativeInfinity },
        { "step", -1 }, { "step", 2.5 }, { "step", 1e300 }, { "step", 9007199254740992.0 * 2 },
        // "state.{i}.step": a parameter with state had at least one update and no more than the optimizer's 3 steps.
        { "state.0.step", double.NaN }, { "state.0.step", double.NegativeInfinity }, { "state.0.step", 0 },
        { "state.0.step", -3 }, { "state.0.step", 1.5 }, { "state.0.step", 4 }, { "state.3.step", 1e300 },
    };

    [Theory]
    [MemberData(nameof(BadStepCounts))]
    public void StepCountsOutOfTheirDomainAreRejectedNamingTheKey(string key, double value)
    {
        string path = SaveMutated((t, _) => t["optimizer." + key] = Scalar(value));
        string message = AssertRejectedUnchanged(path, $"\"{key}\"");
        Assert.Contains("must be a whole number", message);
    }

    [Fact]
    public void TheLargestStepCountLoads()
    {
        // Oracle: 2⁵³ is in range for both the optimizer and a parameter; it loads exactly, and the next step keeps
        // every weight finite (β^(2⁵³ + 1) underflows to 0, so the bias corrections are 1 − 0 = 1).
        var (model, adam) = Trained(MakeAdam, seed: 1, steps: 1);
        var dict = adam.StateDict();
        dict.Scalars["step"] = 9007199254740992.0;
        dict.Scalars["state.0.step"] = 9007199254740992.0;
        Assert.Empty(adam.LoadStateDict(dict));
        Assert.Equal(9007199254740992L, adam.StepCount);
        TrainStep(model, adam, 5);
        foreach (var (name, p) in model.StateDict())
            Assert.True(p.ToArray().All(double.IsFinite), $"'{name}' is not finite after a step from step count 2^53");
    }

    // ---- hyper-parameters -----------------------------------------------------------------------------------------

    public static TheoryData<string, string, double> BadOptions => new()
    {
        // Adam: lr finite ≥ 0; β₁, β₂ in [0, 1); ε finite > 0; weight decay finite ≥ 0.
        { "Adam", "lr", double.NaN }, { "Adam", "lr", double.PositiveInfinity }, { "Adam", "lr", -0.1 },
        { "Adam", "beta1", 1 }, { "Adam", "beta1", -0.1 }, { "Adam", "beta1", double.NaN },
        { "Adam", "beta2", 1 }, { "Adam", "beta2", double.PositiveInfinity },
        { "Adam", "eps", 0 }, { "Adam", "eps", -1e-8 }, { "Adam", "eps", double.NaN }, { "Adam", "eps", double.PositiveInfinity },
        { "Adam", "weight_decay", -1 }, { "Adam", "weight_decay", double.NaN },
        // SGD: momentum, dampening, weight decay finite ≥ 0.
        { "SGD", "momentum", -0.9 }, { "SGD", "momentum", double.NaN }, { "SGD", "dampening", double.PositiveInfinity },
        { "SGD", "weight_decay", double.NegativeInfinity },
        // RMSprop: α in [0, 1); ε > 0; momentum ≥ 0.
        { "RMSprop", "alpha", 1 }, { "RMSprop", "alpha", double.NaN }, { "RMSprop", "eps", 0 }, { "RMSprop", "momentum", -1 },
        // Adagrad: lr decay and initial accumulator ≥ 0; ε > 0.
        { "Adagrad", "lr_decay", -1 }, { "Adagrad", "initial_accumulator_value", double.NaN }, { "Adagrad", "eps", 0 },
    };

    private static Func<IEnumerable<Tensor<double>>, Optimizer<double>> Maker(string name) => name switch
    {
        "Adam" => MakeAdam,
        "SGD" => p => new SGD<double>(p, lr: 0.1, momentum: 0.9),
        "RMSprop" => p => new RMSprop<double>(p, lr: 0.01, momentum: 0.5, centered: true),
        "Adagrad" => p => new Adagrad<double>(p, lr: 0.1),
        _ => throw new ArgumentException($"no optimizer '{name}' in this test"),
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void OptionsOutOfTheirDomainAreRejectedNamingTheKey(string optimizer, string option, double value)
    {
        var make = Maker(optimizer);
        string key = $"param_groups.0.{option}";
        // Adam's β₁ and β₂ are one PyTorch option in the file, "betas" = [β₁, β₂]: the bad value goes into its slot.
        string path = option is "beta1" or "beta2"
            ? SaveMutated((t, _) => t["optimizer.param_groups.0.betas"] = SafeTensorEntry.FromDouble(option == "beta1" ? [value, 0.999] : [0.9, value], [2]), make)
            : SaveMutated((t, _) => t["optimizer." + key] = Scalar(value), make);
        AssertRejectedUnchanged(path, $"\"{key}\"", make);
    }

    [Fact]
    public void ANesterovGroupLoadedWithDampeningIsRejectedNamingTheGroup()
    {
        // Nesterov momentum needs μ > 0 and τ = 0 (a rule across two options, so the error names the group).
        var make = (IEnumerable<Tensor<double>> p) => (Optimizer<double>)new SGD<double>(p, lr: 0.1, momentum: 0.9, nesterov: true);
        string path = SaveMutated((t, _) => t["optimizer.param_groups.0.dampening"] = Scalar(0.5), make);
        string message = AssertRejectedUnchanged(path, "\"param_groups.0\": SGD(nesterov): Nesterov momentum needs momentum > 0 and dampening = 0", make);
        Assert.Contains("dampening 0.5", message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-8)]
    public void EpsMustBePositiveAtConstructionAsOnLoad(double eps)
    {
        // One domain for construction and load, so that no optimizer can save a checkpoint it cannot load.
        Tensor<double>[] p = [Tensor.FromArray([1.0, 2], [2], requiresGrad: true)];
        foreach (var make in new Func<Optimizer<double>>[]
                 { () => new Adam<double>(p, eps: eps), () => new AdamW<double>(p, eps: eps), () => new RMSprop<double>(p, eps: eps), () => new Adagrad<double>(p, eps: eps) })
            Assert.Contains($"eps must be a finite positive number, got {eps}", Assert.Throws<ArgumentOutOfRangeException>(make).Message);
    }

    [Fact]
    public void AGroupSizeThatIsNotAWholeNumberIsRejected()
    {
        // Oracle: the model has 4 parameters in one group; NaN is not 4.
        string path = SaveMutated((t, _) => t["optimizer.param_groups.0.num_params"] = Scalar(double.NaN));
        AssertRejectedUnchanged(path, "param_groups.0.num_params");
    }

    [Fact]
    public void AnIndexSpelledWithALeadingZeroIsNotAKey()
    {
        // "state.01.step" would otherwise overwrite "state.1.step"; one spelling per index.
        string path = SaveMutated((t, _) => t["optimizer.state.01.step"] = Scalar(1));
        string message = AssertRejectedUnchanged(path, "\"state.01.step\"");
        Assert.Contains("unexpected scalar", message);
    }

    // ---- buffers: presence, values, dtypes, shapes ----------------------------------------------------------------

    [Fact]
    public void AMissingMomentIsAnErrorWhenStrict()
    {
        // The bug: without "state.2.exp_avg_sq" parameter 2 used to load with v = 0, so its next Adam step divided
        // by √((1 − β₂)g²)/√(1 − β₂ᵗ) instead of the saved running average. Now strict loading refuses, naming it.
        string path = SaveMutated((t, _) => t.Remove("optimizer.state.2.exp_avg_sq"));
        string message = AssertRejectedUnchanged(path, "\"state.2.exp_avg_sq\"");
        Assert.Contains("missing", message);
    }

    [Fact]
    public void AMissingMomentIsReportedWhenNotStrict()
    {
        // Oracle: the saved source; everything but the missing buffer round-trips, and the result names the missing key.
        var (source, sourceAdam) = Trained(MakeAdam, seed: 1, steps: 3);
        string path = _dir.File("ckpt.safetensors");
        Checkpoint.Save(path, source, sourceAdam);
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        tensors.Remove("optimizer.state.2.exp_avg_sq");
        SafeTensorsFile.Save(path, tensors, metadata);

        var (model, adam) = Trained(MakeAdam, seed: 7, steps: 1);
        var result = Checkpoint.Load(path, model, adam, strict: false);
        Assert.Equal(["optimizer.state.2.exp_avg_sq"], result.MissingOptimizerKeys);
        var expected = Snapshot(source, sourceAdam);
        expected.Remove("optimizer.state.2.exp_avg_sq");
        Assert.Equal(expected, Snapshot(model, adam));
    }

    [Fact]
    public void AStrictLoadOfAValidCheckpointReportsNothingMissing()
    {
        string path = SaveMutated((_, _) => { });
        var (model, adam) = Trained(MakeAdam, seed: 7, steps: 1);
        Assert.Empty(Checkpoint.Load(path, model, adam).MissingOptimizerKeys);
    }

    public static TheoryData<string, string> BadBufferValues => new()
    {
        // Every buffer is finite; running averages of squares (Adam's v) are ≥ 0 (√v of a negative is NaN).
        { "state.0.exp_avg", "NaN" }, { "state.1.exp_avg", "+inf" }, { "state.0.exp_avg_sq", "-1" }, { "state.3.exp_avg_sq", "NaN" },
    };

    [Theory]
    [MemberData(nameof(BadBufferValues))]
    public void BufferValuesOutOfTheirDomainAreRejected(string key, string value)
    {
        float bad = value switch { "NaN" => float.NaN, "+inf" => float.PositiveInfinity, _ => float.Parse(value, System.Globalization.CultureInfo.InvariantCulture) };
        string path = SaveMutated((t, _) =>
        {
            var entry = t["optimizer." + key];
            var values = entry.ToDouble();
            values[0] = bad;
            t["optimizer." + key] = SafeTensorEntry.FromDouble(values, entry.Shape);
        });
        string message = AssertRejectedUnchanged(path, $"\"{key}\"");
        Assert.Contains("element 0", message);
    }

    [Fact]
    public void OptimizerEntriesOfTheWrongDTypeAreRejected()
    {
        // The checkpoint is float64 ("autograd.dtype"): its buffers are F64, its scalars always F64.
        string path = SaveMutated((t, _) =>
        {
            t["optimizer.state.0.exp_avg"] = SafeTensorEntry.FromSingle(t["optimizer.state.0.exp_avg"].ToSingle(), t["optimizer.state.0.exp_avg"].Shape);
            t["optimizer.step"] = SafeTensorEntry.FromSingle([3f], []);
        });
        string message = AssertRejectedUnchanged(path, "'optimizer.state.0.exp_avg' has dtype F32; expected F64");
        Assert.Contains("'optimizer.step' has dtype F32; expected F64", message);
    }

    [Fact]
    public void AnUnknownCheckpointDTypeIsRejectedWithOptimizerState()
    {
        string path = SaveMutated((_, m) => m[Checkpoint.DTypeKey] = "int8");
        AssertRejectedUnchanged(path, $"'{Checkpoint.DTypeKey}' is 'int8'");
    }

    [Fact]
    public void ABufferOfTheWrongShapeIsRejected()
    {
        // Parameter 1 (the first bias) has shape [4].
        string path = SaveMutated((t, _) => t["optimizer.state.1.exp_avg"] = SafeTensorEntry.FromDouble([1, 2, 3], [3]));
        AssertRejectedUnchanged(path, "\"state.1.exp_avg\" has shape [3] but parameter 1 has shape [4]");
    }

    // ---- which buffers each optimizer keeps (LoadStateDict directly) ----------------------------------------------

    public static TheoryData<string, string> KeptBuffers => new()
    {
        { "SGD(momentum)", "momentum_buffer" },
        { "RMSprop(centered, momentum)", "square_avg" }, { "RMSprop(centered, momentum)", "grad_avg" }, { "RMSprop(centered, momentum)", "momentum_buffer" },
        { "Adagrad", "sum" },
        { "Adam(amsgrad)", "exp_avg" }, { "Adam(amsgrad)", "max_exp_avg_sq" },
    };

    private static Optimizer<double> Make(string name, IEnumerable<Tensor<double>> p) => name switch
    {
        "SGD(momentum)" => new SGD<double>(p, lr: 0.1, momentum: 0.9),
        "SGD" => new SGD<double>(p, lr: 0.1),
        "RMSprop(centered, momentum)" => new RMSprop<double>(p, momentum: 0.5, centered: true),
        "RMSprop" => new RMSprop<double>(p),
        "Adagrad" => new Adagrad<double>(p),
        "Adam(amsgrad)" => new Adam<double>(p, amsgrad: true),
        "Adam" => new Adam<double>(p),
        _ => throw new ArgumentException($"no optimizer '{name}' in this test"),
    };

    [Theory]
    [MemberData(nameof(KeptBuffers))]
    public void EveryKeptBufferMustBePresentWhenStrict(string optimizer, string buffer)
    {
        var (_, source) = Trained(p => Make(optimizer, p), seed: 1, steps: 2);
        var dict = source.StateDict();
        Assert.True(dict.Tensors.Remove($"state.1.{buffer}"), $"{optimizer} saved no state.1.{buffer}");
        var (_, target) = Trained(p => Make(optimizer, p), seed: 7, steps: 1);
        var before = Snapshot(target);
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(dict));
        Assert.Contains($"missing \"state.1.{buffer}\"", error.Message);
        Assert.Equal(before, Snapshot(target));
        // Not strict: loads, reports the key, and every other entry round-trips.
        Assert.Equal([$"state.1.{buffer}"], target.LoadStateDict(dict, strict: false));
        Assert.Equal(Snapshot(source).Where(kv => kv.Key != $"state.1.{buffer}"), Snapshot(target));
    }

    [Theory]
    [InlineData("SGD", "momentum_buffer")]             // μ = 0: SGD keeps no momentum buffer
    [InlineData("RMSprop", "grad_avg")]                // not centered: no ḡ
    [InlineData("RMSprop", "momentum_buffer")]         // μ = 0: no b
    [InlineData("Adam", "max_exp_avg_sq")]             // AMSGrad off: no v̂
    public void BuffersAnOptimizerDoesNotKeepAreNotRequired(string optimizer, string buffer)
    {
        var (_, source) = Trained(p => Make(optimizer, p), seed: 1, steps: 2);
        var dict = source.StateDict();
        Assert.False(dict.Tensors.ContainsKey($"state.1.{buffer}"));
        var (_, target) = Trained(p => Make(optimizer, p), seed: 7, steps: 1);
        Assert.Empty(target.LoadStateDict(dict));
        Assert.Equal(Snapshot(source), Snapshot(target));
    }

    [Fact]
    public void AnOptionErrorFromLoadStateDictNamesTheGroupKey()
    {
        var (_, adam) = Trained(MakeAdam, seed: 1, steps: 1);
        var dict = adam.StateDict();
        dict.Scalars["param_groups.0.beta2"] = 1;
        var before = Snapshot(adam);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => adam.LoadStateDict(dict));
        Assert.StartsWith("Adam.LoadStateDict: \"param_groups.0.beta2\": Adam: beta2 must lie in [0, 1), got 1", error.Message);
        Assert.Equal(before, Snapshot(adam));
    }
}
