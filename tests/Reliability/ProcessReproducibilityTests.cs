using Autograd.ReproRunner;

namespace Autograd.Tests.Reliability;

/// <summary>
/// The same short Fashion-MNIST-shaped training (tests/ReproRunner: synthetic 1×28×28 images, shuffled batches with
/// random flips, Adam with a step schedule) with the same seed gives the same bits in separate processes, in this
/// process, and with any number of worker threads: SHA-256 of the final parameters and last gradients, and every
/// step's loss. The oracle is the other run; a different seed must change the hash, so the hash can tell runs apart.
/// </summary>
public class ProcessReproducibilityTests
{
    private const int Steps = 10;

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void SameSeed_SeparateProcessesAndThreadCounts_SameParametersGradientsAndLosses(string model)
    {
        // Three processes: the default thread count (one per core), then 1 and 3 worker threads (Workers.ThreadCount
        // is process-wide, so each count gets its own process).
        string[] args = ["--model", model, "--steps", Steps.ToString()];
        using var byDefault = ReproChild.Start(args);
        using var one = ReproChild.Start([.. args, "--threads", "1"]);
        using var three = ReproChild.Start([.. args, "--threads", "3"]);
        var a = byDefault.Finish();
        Assert.Equal(Steps, a.Losses.Count);
        foreach (var (threads, other) in new[] { (1, one.Finish()), (3, three.Finish()) })
        {
            Assert.True(a.State == other.State, $"{model}: {threads} worker threads gave other parameters or gradients than {Environment.ProcessorCount}");
            Assert.Equal(a.Losses, other.Losses);
        }

        // A fourth run, in this process, whose pooled buffers were warmed (and placed) by whatever ran before it.
        var here = ReproTraining.Run(new ReproOptions(model, Steps));
        Assert.Equal(a.State, here.StateHash);
        Assert.Equal(a.Losses, here.Losses.Select(l => $"{l.Step} {l.LossBits:x8}"));

        var otherSeed = ReproTraining.Run(new ReproOptions(model, Steps, Seed: 2));
        Assert.NotEqual(a.State, otherSeed.StateHash);
    }

    [Fact]
    public void ElementwiseMath_FirstCallsInAFreshProcess_GiveTheBitsOfWarmedUpCode()
    {
        // exp, log, sin, cos, tanh and sigmoid, double and float, called first thing in a new process (its code not yet
        // re-compiled by the tiered JIT), against the same calls here after 30 warm-up rounds. Without the kernels'
        // fully optimised loops, sin and cos of double differed in the first calls.
        using var child = ReproChild.Start("--math");
        for (int i = 0; i < 30; i++) ReproTraining.MathHash();
        Assert.Equal(ReproTraining.MathHash(), child.Finish().State);
    }
}
