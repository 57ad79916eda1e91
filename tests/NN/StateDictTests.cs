using Autograd.NN;

namespace Autograd.Tests.NN;

public class StateDictTests
{
    private static Sequential<double> Model(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential<double>(new Linear<double>(3, 4, g), new BatchNorm1d<double>(4), new ReLU<double>(), new Linear<double>(4, 2, g));
    }

    private static Dictionary<string, double[]> Snapshot(Module<double> m) =>
        m.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());

    [Fact]
    public void StateDictHoldsParametersThenBuffers()
    {
        // Oracle: the model's layers; BatchNorm contributes weight, bias (parameters) and running stats and the batch
        // counter (buffers), under PyTorch's names.
        var state = Model(1).StateDict();
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"], state.Keys.ToArray());
        Assert.Equal([4, 3], state["0.weight"].Shape);
        Assert.False(state["0.weight"].RequiresGrad); // detached, as PyTorch's state_dict()
    }

    [Fact]
    public void LoadStateDictCopiesEveryValueIncludingBuffers()
    {
        // Oracle: after loading, every entry equals the source's entry element for element.
        var source = Model(1);
        source.Forward(Tensor.Randn<double>([6, 3], new Generator(9))); // moves the running stats away from 0 and 1
        var target = Model(2);
        var result = target.LoadStateDict(source.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        var expected = Snapshot(source);
        foreach (var (name, values) in Snapshot(target)) Assert.Equal(expected[name], values);
        Assert.True(target[0] is Linear<double> { Weight.RequiresGrad: true }); // still a trainable parameter
    }

    [Fact]
    public void MissingKeyIsRejectedAndNothingChanges()
    {
        // Oracle: strict loading needs every key; validation happens before any copy, so the values stay as they were.
        var target = Model(2);
        var before = Snapshot(target);
        var state = Model(1).StateDict();
        state.Remove("3.bias");
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
        Assert.Contains("missing key '3.bias'", error.Message);
        foreach (var (name, values) in Snapshot(target)) Assert.Equal(before[name], values);
    }

    [Fact]
    public void WrongShapeIsRejectedEvenWhenNotStrictAndNothingChanges()
    {
        // Oracle: 3.weight has shape [2, 4]; a [4, 2] tensor must be refused and no other entry loaded.
        var target = Model(2);
        var before = Snapshot(target);
        var state = Model(1).StateDict();
        state["3.weight"] = Tensor.Zeros<double>(4, 2);
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state, strict: false));
        Assert.Contains("size mismatch for '3.weight'", error.Message);
        Assert.Contains("[4, 2]", error.Message);
        Assert.Contains("[2, 4]", error.Message);
        foreach (var (name, values) in Snapshot(target)) Assert.Equal(before[name], values);
    }

    [Fact]
    public void UnexpectedKeyFailsWhenStrictAndIsReportedOtherwise()
    {
        // Oracle: PyTorch's load_state_dict semantics for strict=True / strict=False.
        var target = Model(2);
        var state = Model(1).StateDict();
        state.Add("extra.weight", Tensor.Zeros<double>(1));
        state.Remove("0.bias");
        Assert.Contains("unexpected key 'extra.weight'", Assert.Throws<ArgumentException>(() => target.LoadStateDict(state)).Message);
        var result = target.LoadStateDict(state, strict: false);
        Assert.Equal(["0.bias"], result.MissingKeys);
        Assert.Equal(["extra.weight"], result.UnexpectedKeys);
        Assert.Equal(state["0.weight"].ToArray(), ((Linear<double>)target[0]).Weight.ToArray());
    }
}
