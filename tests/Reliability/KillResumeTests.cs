using Autograd.NN.Serialization;
using Autograd.ReproRunner;

namespace Autograd.Tests.Reliability;

/// <summary>
/// Crash-safe resume: a child process training with a checkpoint every 5 steps (model, Adam state, schedule epoch,
/// data-loader position, dropout generator) is killed with SIGKILL at a random moment after its first checkpoint; a
/// new process resumes from the last checkpoint on disk and finishes the run. The oracle is the same run without
/// interruption, in this process: identical final parameters and last gradients, and identical losses for every step
/// the resumed process ran.
/// </summary>
public class KillResumeTests
{
    private const int Steps = 60;

    [Fact]
    public void KilledWhileTraining_ResumesToTheBitsOfAnUninterruptedRun()
    {
        // The MLP: it has dropout, so its generator's state matters as well as the loader's.
        const string model = "mlp";
        using var dir = new Autograd.Tests.NN.TempDirectory();
        // 150 ms after each step: the run takes at least 55 · 150 ms = 8.25 s after its first checkpoint (step 5), so a
        // kill within 0.4 s of seeing that checkpoint lands mid-run (asserted below) even when this process reads the
        // child's line late on a loaded machine. Margins that were not enough: 24 steps of 40 ms (0.76 s after the
        // checkpoint), and later 55 steps of 40 ms (2.2 s), while the rest of the suite kept both cores busy. The kill
        // comes within about 0.4 s of the line, so the longer steps cost the test about 0.6 s.
        int delay = Random.Shared.Next(400);
        string[] args = ["--model", model, "--steps", Steps.ToString(), "--checkpoint-dir", dir.Path];
        using (var child = ReproChild.Start([.. args, "--checkpoint-every", "5", "--step-delay-ms", "150"]))
        {
            Assert.True(child.WaitForLine("checkpoint "), $"no checkpoint was written: {child.Output}");
            Thread.Sleep(delay);
            child.KillHard();
            Assert.False(child.Finished, $"the run ended before the kill {delay} ms after its first checkpoint: {child.Output}");
        }
        var saved = Checkpoint.ReadMetadata(Path.Combine(dir.Path, "last.safetensors"));
        long at = long.Parse(saved["autograd.training.step"]);
        Assert.InRange(at, 5, Steps - 1);

        var resumed = ReproChild.Run([.. args, "--resume"]);
        var whole = ReproTraining.Run(new ReproOptions(model, Steps));
        string context = $"killed {delay} ms after the first checkpoint, resumed from step {at}";
        Assert.True(whole.StateHash == resumed.State, $"{context}: final parameters or gradients differ");
        Assert.Equal(whole.Losses.Where(l => l.Step > at).Select(l => $"{l.Step} {l.LossBits:x8}"), resumed.Losses);
    }
}
