using Autograd.ReproRunner;

namespace Autograd.Tests.Reliability;

/// <summary>
/// The same short Fashion-MNIST-shaped training (tests/ReproRunner: synthetic 1×28×28 images, shuffled batches with
/// random flips, Adam with a step schedule) with the same seed gives the same bits in two separate processes, in this
/// process, and with any number of worker threads: SHA-256 of the final parameters and last gradients, and every
/// step's loss. The oracle is the other run; a different seed must change the hash, so the hash can tell runs apart.
/// </summary>
public class ProcessReproducibilityTests
{
    private const string Steps = "10";

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void SameSeed_TwoProcesses_SameParametersGradientsAndLosses(string model)
    {
        using var first = ReproChild.Start("--model", model, "--steps", Steps);
        using var second = ReproChild.Start("--model", model, "--steps", Steps);
        var a = first.Finish();
        var b = second.Finish();
        Assert.Equal(a.State, b.State);
        Assert.Equal(a.Losses, b.Losses);
        Assert.Equal(int.Parse(Steps), a.Losses.Count);

        // A third run, in this process, whose pooled buffers were warmed (and placed) by whatever ran before it.
        var here = ReproTraining.Run(new ReproOptions(model, int.Parse(Steps)));
        Assert.Equal(a.State, here.StateHash);
        Assert.Equal(a.Losses, here.Losses.Select(l => $"{l.Step} {l.LossBits:x8}"));

        var otherSeed = ReproTraining.Run(new ReproOptions(model, int.Parse(Steps), Seed: 2));
        Assert.NotEqual(a.State, otherSeed.StateHash);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void WorkerThreadCount_DoesNotChangeAnyBit(string model)
    {
        // Workers.ThreadCount is process-wide, so each count gets its own process.
        using var one = ReproChild.Start("--model", model, "--steps", Steps, "--threads", "1");
        using var three = ReproChild.Start("--model", model, "--steps", Steps, "--threads", "3");
        var a = one.Finish();
        var b = three.Finish();
        Assert.Equal(a.State, b.State);
        Assert.Equal(a.Losses, b.Losses);
    }
}
