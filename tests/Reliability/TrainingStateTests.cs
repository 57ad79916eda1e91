using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;
using Autograd.Tests.NN;

namespace Autograd.Tests.Reliability;

/// <summary>
/// The pieces of crash-safe resume one by one: a generator's state, a data loader's position, and the training state
/// a checkpoint carries (round trip, and refusal of every malformed field with the model left as it was). The oracle
/// is always the uninterrupted stream: the same generator, loader or file used without stopping.
/// </summary>
public sealed class TrainingStateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Generator_SetState_ContinuesTheSameStream_CachedNormalIncluded()
    {
        var g = new Generator(7);
        for (int i = 0; i < 5; i++) g.NextDouble();
        g.NextNormal(); // Box–Muller makes a pair: the second is cached and must travel with the state.
        var state = g.GetState();
        Assert.NotNull(state.SpareNormal);
        double[] expected = [g.NextNormal(), g.NextDouble(), g.NextInt(1000), g.NextNormal()];
        var other = new Generator(12345);
        other.SetState(state);
        double[] continued = [other.NextNormal(), other.NextDouble(), other.NextInt(1000), other.NextNormal()];
        Assert.Equal(expected, continued);
    }

    [Fact]
    public void Generator_SetState_RefusesTheAllZeroState()
    {
        var e = Assert.Throws<ArgumentException>(() => new Generator(1).SetState(new GeneratorState(0, 0, 0, 0, null)));
        Assert.Contains("Generator.SetState", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public void DataLoader_Resume_HandsOutTheRestOfTheEpochThenTheSameLaterEpochs(int stopAfter)
    {
        // 10 samples in batches of 3 (4 batches per epoch), shuffled, with random flips: two epochs uninterrupted are
        // the oracle; the interrupted loader stops after stopAfter batches of the first epoch and a new loader, with
        // a generator seeded otherwise, resumes from the position.
        var uninterrupted = Loader(seed: 3);
        var expected = uninterrupted.Concat(uninterrupted).Select(Bits).ToList();
        var first = Loader(seed: 3);
        var seen = first.Take(stopAfter).Select(Bits).ToList();
        var resumed = Loader(seed: 999);
        resumed.Resume(first.Position);
        seen.AddRange(resumed.Concat(resumed).Select(Bits));
        Assert.Equal(expected, seen);
    }

    [Fact]
    public void DataLoader_Resume_RefusesABatchOutsideTheEpoch()
    {
        var loader = Loader(seed: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => loader.Resume(loader.Position with { Batch = 5 }));
        Assert.Contains("batch 5 is outside [0, 4]", e.Message);
    }

    [Fact]
    public void Checkpoint_TrainingState_RoundTripsEveryBit()
    {
        var (model, optimizer) = ModelAndOptimizer();
        var dropout = new Generator(5);
        dropout.NextNormal();
        var loader = Loader(seed: 2);
        using (var batches = loader.GetEnumerator()) batches.MoveNext();
        var state = new TrainingState(17, 3, loader.Position, new Dictionary<string, GeneratorState> { ["dropout"] = dropout.GetState() });
        string path = _dir.File("c.safetensors");
        Checkpoint.Save(path, model, optimizer, training: state);
        var read = Checkpoint.Load(path, model, optimizer).Training;
        Assert.NotNull(read);
        Assert.Equal((17L, 3, loader.Position), (read.Step, read.Epoch, read.Loader));
        Assert.Equal(dropout.GetState(), Assert.Single(read.Generators, kv => kv.Key == "dropout").Value);
        Assert.Null(Checkpoint.Load(Save(model, optimizer, training: null), model, optimizer).Training);
    }

    [Fact]
    public void Checkpoint_PlateauState_ResumesAsIfUninterrupted()
    {
        // Oracle: the uninterrupted run. Metrics 5, 4, 4, 4 with patience 2 and factor 0.5: after three epochs the plateau
        // is two bad epochs long. One scheduler goes on; a second, fresh one restores the checkpoint's state and goes on;
        // both see 4, 4 next, cut the rate on the first of them, and agree on every field. The best value's bits
        // round-trip, and so does the initial +∞ of a scheduler that never stepped.
        var (model, optimizer) = ModelAndOptimizer();
        var plateau = new Autograd.NN.Schedules.ReduceLROnPlateau(optimizer, factor: 0.5, patience: 2, threshold: 0,
            thresholdMode: Autograd.NN.Schedules.ThresholdMode.Absolute, cooldown: 1);
        foreach (double m in new[] { 5.0, 4.0, 4.0, 4.0 }) plateau.Step(m);
        var state = new TrainingState(4, 4, null, new Dictionary<string, GeneratorState>(), plateau.State);
        string path = Save(model, optimizer, state);

        var (fresh, freshOptimizer) = ModelAndOptimizer(seed: 3);
        var read = Checkpoint.Load(path, fresh, freshOptimizer).Training!;
        Assert.Equal(plateau.State, read.Plateau);
        var resumed = new Autograd.NN.Schedules.ReduceLROnPlateau(freshOptimizer, factor: 0.5, patience: 2, threshold: 0,
            thresholdMode: Autograd.NN.Schedules.ThresholdMode.Absolute, cooldown: 1);
        resumed.Restore(read.Plateau!);
        // A scheduler that forgot the plateau would not cut on the first 4 (its bad epochs would start again from 0).
        var cuts = new[] { 4.0, 4.0 }.Select(m => (plateau.Step(m), resumed.Step(m))).ToArray();
        Assert.Equal([(true, true), (false, false)], cuts);
        Assert.Equal(plateau.State, resumed.State);
        Assert.Equal(optimizer.GetLearningRate(0), freshOptimizer.GetLearningRate(0));

        var untouched = new Autograd.NN.Schedules.ReduceLROnPlateau(optimizer).State;
        var again = Checkpoint.Load(Save(model, optimizer, state with { Plateau = untouched }), model, optimizer).Training!;
        Assert.Equal(double.PositiveInfinity, again.Plateau!.Best);
        Assert.Throws<ArgumentException>(() => { resumed.Restore(untouched with { BadEpochs = -1 }); });
    }

    [Fact]
    public void Checkpoint_EarlyStoppingState_ResumesAsIfUninterrupted()
    {
        // Oracle: the uninterrupted run. Losses 0.5, 0.3, 0.4, 0.35 with patience 3: the best is epoch 1 (0.3) and two bad
        // epochs follow. One instance goes on; a fresh one restores the checkpoint's counts and goes on; both see 0.31
        // next, whose third bad epoch stops both, and agree on every field. The best loss's bits round-trip.
        var (model, optimizer) = ModelAndOptimizer();
        var stopping = new Autograd.NN.Schedules.EarlyStopping<float>(model.Parameters(), patience: 3);
        foreach (double loss in new[] { 0.5, 0.3, 0.4, 0.35 }) stopping.Step(loss);
        Assert.Equal(new Autograd.NN.Schedules.EarlyStoppingState(0.3, 1, 4, 2), stopping.State);
        var state = new TrainingState(4, 4, null, new Dictionary<string, GeneratorState>(), EarlyStopping: stopping.State);
        string path = Save(model, optimizer, state);

        var (fresh, freshOptimizer) = ModelAndOptimizer(seed: 3);
        var read = Checkpoint.Load(path, fresh, freshOptimizer).Training!;
        Assert.Equal(stopping.State, read.EarlyStopping);
        var resumed = new Autograd.NN.Schedules.EarlyStopping<float>(fresh.Parameters(), patience: 3);
        resumed.Restore(read.EarlyStopping!);
        // One that forgot the two bad epochs would not stop on 0.31 (its count would start again from 0).
        Assert.Equal((true, true), (stopping.Step(0.31), resumed.Step(0.31)));
        Assert.Equal(stopping.State, resumed.State);

        // The counts come back without the weights: restoring them is refused, naming the epoch, until an improvement.
        Assert.False(resumed.HasBestWeights);
        var e = Assert.Throws<InvalidOperationException>(resumed.RestoreBestWeights);
        Assert.Contains("best epoch (1)", e.Message);
        resumed.Step(0.1);
        Assert.True(resumed.HasBestWeights);
        resumed.RestoreBestWeights();

        // With no parameters to watch there is nothing to hold: an improvement is enough.
        var empty = new Autograd.NN.Schedules.EarlyStopping<float>([], patience: 1);
        Assert.False(empty.HasBestWeights);
        empty.Step(1.0);
        Assert.True(empty.HasBestWeights);
    }

    [Theory]
    [InlineData(double.NaN, -1, 0, 0)] // NaN best loss
    [InlineData(0.3, -1, 2, 2)] // best epoch −1 with a finite best loss
    [InlineData(double.PositiveInfinity, 0, 2, 1)] // a best epoch with the initial +∞
    [InlineData(0.3, 2, 2, 0)] // best epoch not yet recorded
    [InlineData(0.3, 0, 3, 1)] // 3 epochs after a best at 0 means 2 bad epochs, not 1
    public void EarlyStopping_Restore_RefusesAnInconsistentState(double best, int bestEpoch, int epochs, int bad)
    {
        // Oracle: Step's invariants, stated on EarlyStoppingState: bad epochs = epochs − 1 − best epoch, and best epoch
        // −1 exactly when the best loss is +∞.
        var stopping = new Autograd.NN.Schedules.EarlyStopping<float>([Tensor.Zeros<float>(2)], patience: 2);
        var state = new Autograd.NN.Schedules.EarlyStoppingState(best, bestEpoch, epochs, bad);
        Assert.Throws<ArgumentException>(() => stopping.Restore(state));
        Assert.Throws<ArgumentException>(() => new TrainingState(0, 0, null, new Dictionary<string, GeneratorState>(), EarlyStopping: state).ToMetadata());
        Assert.Equal(new Autograd.NN.Schedules.EarlyStoppingState(double.PositiveInfinity, -1, 0, 0), stopping.State);
    }

    [Theory]
    [InlineData("autograd.training.plateau", "7ff8000000000000;0;0;0", "expected the best value's 16 hex digits")]
    [InlineData("autograd.training.plateau", "3ff0000000000000;1;0", "expected the best value's 16 hex digits")]
    [InlineData("autograd.training.plateau", "3ff0000000000000;-1;0;0", "expected the best value's 16 hex digits")]
    [InlineData("autograd.training.early_stopping", "3fd3333333333333;1;4", "expected the best loss's 16 hex digits")]
    [InlineData("autograd.training.early_stopping", "3fd3333333333333;x;4;2", "expected the best loss's 16 hex digits")]
    [InlineData("autograd.training.early_stopping", "3fd3333333333333;1;4;1", "inconsistent state: the bad epochs")]
    [InlineData("autograd.training.early_stopping", "7ff0000000000000;1;4;2", "inconsistent state: the best epoch is −1 exactly")]
    [InlineData("autograd.training.step", "-1", "expected a whole number in [0, 9223372036854775807]")]
    [InlineData("autograd.training.step", "1e3", "expected a whole number")]
    [InlineData("autograd.training.epoch", "2147483648", "expected a whole number in [0, 2147483647]")]
    [InlineData("autograd.training.loader", "x;0000000000000001;0;0;0;-", "expected a batch index")]
    [InlineData("autograd.training.loader", "1;0000000000000000;0000000000000000;0000000000000000;0000000000000000;-", "invalid generator state")]
    [InlineData("autograd.training.generator.dropout", "0000000000000001;0000000000000002", "invalid generator state")]
    [InlineData("autograd.training.generator.dropout", "0000000000000001;0000000000000002;0000000000000003;0000000000000004;7ff0000000000000", "invalid generator state")]
    [InlineData("autograd.training.seed", "1", "unknown training-state key")]
    public void Checkpoint_MalformedTrainingState_IsRefusedNamingTheKey_AndNothingChanges(string key, string value, string problem)
    {
        // Domains: step ∈ [0, long.MaxValue] and epoch ∈ [0, int.MaxValue] as plain decimals; a generator state is four
        // 16-digit hex words, not all zero (xoshiro would be stuck at zero), and a finite cached normal or '-'.
        var (model, optimizer) = ModelAndOptimizer();
        var state = new TrainingState(4, 1, null, new Dictionary<string, GeneratorState> { ["dropout"] = new Generator(1).GetState() });
        string path = Save(model, optimizer, state);
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        metadata[key] = value;
        SafeTensorsFile.Save(path, tensors, metadata);

        var (fresh, freshOptimizer) = ModelAndOptimizer(seed: 9);
        string before = Autograd.ReproRunner.ReproTraining.StateHash(fresh);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path, fresh, freshOptimizer));
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(problem, e.Message);
        Assert.Equal(before, Autograd.ReproRunner.ReproTraining.StateHash(fresh));
    }

    private string Save(Module<float> model, Optimizer<float> optimizer, TrainingState? training)
    {
        string path = _dir.File($"{Guid.NewGuid():N}.safetensors");
        Checkpoint.Save(path, model, optimizer, training: training);
        return path;
    }

    private static (Module<float>, Optimizer<float>) ModelAndOptimizer(ulong seed = 1)
    {
        var model = new Sequential<float>(new Linear<float>(4, 3, new Generator(seed)));
        return (model, new Adam<float>(model.Parameters()));
    }

    private static DataLoader<float> Loader(ulong seed)
    {
        var data = Enumerable.Range(0, 10 * 4).Select(i => (float)i).ToArray();
        var dataset = ArrayDataset<float>.Classification(data, [1, 1, 4], [.. Enumerable.Range(0, 10).Select(i => i % 3)]);
        return new DataLoader<float>(dataset, 3, shuffle: true, generator: new Generator(seed), transforms: [new RandomHorizontalFlip<float>()]);
    }

    private static string Bits(Batch<float> b) => string.Join(",", b.Inputs.ToArray().Concat(b.Targets.ToArray()));
}
