using Autograd.Distributed;
using Autograd.NN;

namespace Autograd.Tests.Distributed;

/// <summary>DistributedDataParallel in one process: with the identity communicator, and with a fake second rank.</summary>
public sealed class DistributedDataParallelTests
{
    // Parameters in registration order: 0.weight [4, 3] (12), 0.bias (4), 2.weight [2, 4] (8), 2.bias (2).
    private static Sequential<double> Model() =>
        new(new Linear<double>(3, 4, new Generator(1)), new Tanh<double>(), new Linear<double>(4, 2, new Generator(2)));

    private static readonly Tensor<double> Input = Tensor.FromArray(new[] { 0.5, -1.0, 2.0, 1.5, 0.25, -0.75 }, [2, 3]);

    private static Tensor<double> Loss(Func<Tensor<double>, Tensor<double>> forward) => forward(Input).Square().Sum();

    private static Dictionary<string, double[]> PlainGradients(int backwardPasses = 1)
    {
        var model = Model();
        for (int i = 0; i < backwardPasses; i++) Loss(model.Forward).Backward();
        return model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToArray());
    }

    [Fact]
    public void SingleProcess_GradientsAreUnchanged()
    {
        // One rank: the mean over ranks of g is g, bit for bit (copied out and back, never scaled).
        var model = Model();
        using var ddp = new DistributedDataParallel<double>(model, Communicator.SingleProcess());
        Loss(ddp.Forward).Backward();
        ddp.FinishGradientSync();
        var expected = PlainGradients();
        foreach (var (name, p) in model.NamedParameters()) Assert.Equal(expected[name], p.Grad!.ToArray());
    }

    [Fact]
    public void Buckets_AreReverseRegistrationOrder_AndStartDuringBackward()
    {
        var model = Model();
        var firstWeight = ((Linear<double>)model[0]).Weight;
        var firstWeightHadGradient = new List<bool>();
        var fake = new FakeCollectives(otherFactor: 3, onStart: _ => firstWeightHadGradient.Add(firstWeight.Grad is not null));
        // Cap 10 doubles: [2.bias (2), 2.weight (8)] fill 10; 0.bias (4) starts a new bucket; 0.weight (12) would
        // overflow it, so it gets its own.
        using var ddp = new DistributedDataParallel<double>(model, new Communicator(fake), bucketCapMegabytes: 80 / (1024.0 * 1024));
        Assert.Equal([["2.bias", "2.weight"], ["0.bias"], ["0.weight"]], ddp.Buckets.Select(b => b.ToArray()).ToArray());

        Loss(ddp.Forward).Backward();
        // All three buckets started inside backward, in bucket order; the first before the first layer's weight had
        // a gradient, i.e. while backward was still running, the last after it.
        Assert.Equal([10L, 4L, 12L], fake.Started);
        Assert.False(firstWeightHadGradient[0]);
        Assert.True(firstWeightHadGradient[2]);

        ddp.FinishGradientSync();
        // The other rank's gradient is 3g, so the mean over the two ranks is (g + 3g)/2 = 2g.
        var expected = PlainGradients();
        foreach (var (name, p) in model.NamedParameters())
            Assert.Equal(expected[name].Select(g => 2 * g), p.Grad!.ToArray());
    }

    [Fact]
    public void NoSync_AccumulatesLocally_ThenTheNextBackwardAverages()
    {
        var model = Model();
        var fake = new FakeCollectives(otherFactor: 1);
        using var ddp = new DistributedDataParallel<double>(model, new Communicator(fake));
        using (ddp.NoSync()) Loss(ddp.Forward).Backward();
        Assert.Empty(fake.Started);
        Loss(ddp.Forward).Backward();
        ddp.FinishGradientSync();
        // Two backward passes accumulate g + g = 2g locally; the other rank has the same, so the mean is 2g. (Equal up
        // to rounding: a leaf with hooks sums its incoming contributions before accumulating, a plain leaf one by one.)
        var twice = PlainGradients(backwardPasses: 2);
        foreach (var (name, p) in model.NamedParameters())
            Assert.All(twice[name].Zip(p.Grad!.ToArray()), e => Assert.Equal(e.First, e.Second, 1e-14));
    }

    [Fact]
    public void SecondBackwardWithoutSync_ThrowsNamingTheParameter()
    {
        var model = Model();
        using var ddp = new DistributedDataParallel<double>(model, new Communicator(new FakeCollectives(0)), bucketCapMegabytes: 1);
        Loss(ddp.Forward).Backward();
        var e = Assert.Throws<InvalidOperationException>(() => Loss(ddp.Forward).Backward());
        Assert.Matches("parameter '2\\.(weight|bias)' received a second gradient before FinishGradientSync\\(\\)", e.Message);
    }

    [Fact]
    public void UnusedParameter_ContributesZeros_AndGetsAGradient()
    {
        // Only the first layer is used: the second gets no gradient on this rank, so it contributes zeros, and the
        // mean over the two ranks of 0 is 0.
        var model = Model();
        using var ddp = new DistributedDataParallel<double>(model, new Communicator(new FakeCollectives(1)));
        model[0].Forward(Input).Sum().Backward();
        ddp.FinishGradientSync();
        Assert.Equal(new double[8], ((Linear<double>)model[2]).Weight.Grad!.ToArray());
        Assert.NotNull(((Linear<double>)model[0]).Weight.Grad);
    }

    [Fact]
    public void FirstDifference_NamesTheEntry()
    {
        string a = DistributedDataParallel<double>.Signature(new Linear<double>(4, 3, new Generator(1)));
        string b = DistributedDataParallel<double>.Signature(new Linear<double>(4, 5, new Generator(1)));
        Assert.Equal("parameter weight [3, 4]\nparameter bias [3]\n", a);
        Assert.Equal("entry 0 is 'parameter weight [5, 4]' here but 'parameter weight [3, 4]' on rank 0",
            DistributedDataParallel<double>.FirstDifference(b, a));
        Assert.Equal("1 entries here, 2 on rank 0 (first missing: 'parameter bias [3]')",
            DistributedDataParallel<double>.FirstDifference("parameter weight [3, 4]\n", a));
    }
}
