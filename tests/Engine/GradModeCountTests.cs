using Autograd.Engine;

namespace Autograd.Tests.Engine;

/// <summary>Runs alone (after the parallel tests), so that no other test's backward changes the count meanwhile.</summary>
[CollectionDefinition(nameof(GradModeCount), DisableParallelization = true)]
public sealed class GradModeCount;

/// <summary>
/// GradMode keeps a count of the threads with recording off, which lets IsEnabled skip the thread-local flag while it is
/// zero. The count must be exact: one too few and a thread inside NoGrad would record.
/// </summary>
[Collection(nameof(GradModeCount))]
public class GradModeCountTests
{
    [Fact]
    public void The_count_follows_each_threads_switches_exactly()
    {
        // Counted relative to the start (a thread that ended inside NoGrad elsewhere stays counted, which is safe).
        int before = GradMode.DisabledThreads;
        using (Tensor.NoGrad())
        {
            Assert.Equal(before + 1, GradMode.DisabledThreads);
            using (Tensor.NoGrad()) Assert.Equal(before + 1, GradMode.DisabledThreads); // already off: not counted twice
            using (Tensor.EnableGrad()) Assert.Equal(before, GradMode.DisabledThreads);
            Assert.Equal(before + 1, GradMode.DisabledThreads);
            int onOtherThread = -1;
            var thread = new Thread(() =>
            {
                using (Tensor.NoGrad()) onOtherThread = GradMode.DisabledThreads;
            });
            thread.Start();
            thread.Join();
            Assert.Equal(before + 2, onOtherThread);
            Assert.Equal(before + 1, GradMode.DisabledThreads);
        }
        Assert.Equal(before, GradMode.DisabledThreads);
        // A backward turns recording off for its pass and back on after it.
        var x = Tensor.Scalar(2.0, requiresGrad: true);
        int during = -1;
        x.RegisterHook(g => { during = GradMode.DisabledThreads; return null; });
        (x * x).Backward();
        Assert.Equal(before + 1, during);
        Assert.Equal(before, GradMode.DisabledThreads);
    }
}
