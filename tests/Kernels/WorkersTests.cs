using Autograd.Kernels;
using Xunit;

namespace Autograd.Tests.Kernels;

public class WorkersTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    public void For_RunsEveryIndexExactlyOnce(int count)
    {
        var hits = new int[count];
        Workers.For(count, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void For_RethrowsTheBodysExceptionAfterTheOtherIndicesFinish()
    {
        var hits = new int[64];
        var e = Assert.Throws<InvalidOperationException>(() => Workers.For(64, i =>
        {
            Interlocked.Increment(ref hits[i]);
            if (i == 5) throw new InvalidOperationException("boom at 5");
        }));
        Assert.Equal("boom at 5", e.Message);
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void For_NestedCallThatThrows_StillRunsEveryIndexThenRethrows()
    {
        // The inline form (a nested call) keeps the contract of the parallel one.
        var hits = new int[8];
        var e = Assert.Throws<InvalidOperationException>(() => Workers.For(2, _ => Workers.For(8, i =>
        {
            Interlocked.Increment(ref hits[i]);
            if (i == 3) throw new InvalidOperationException("inner 3");
        })));
        Assert.Equal("inner 3", e.Message);
        Assert.All(hits, h => Assert.Equal(2, h)); // both outer indices ran all eight inner ones
    }

    [Fact]
    public void For_NestedCallsRunInlineAndComplete()
    {
        // 16 outer × 16 inner indices: every (i, j) pair is counted once, whatever thread runs it.
        var hits = new int[16 * 16];
        Workers.For(16, i => Workers.For(16, j => Interlocked.Increment(ref hits[i * 16 + j])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void For_ConcurrentCallersFromSeveralThreadsAllComplete()
    {
        // Four threads fork 200 jobs each; one owns the helpers at a time, the others run serially.
        var totals = new long[4];
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int rep = 0; rep < 200; rep++)
                Workers.For(10, i => Interlocked.Add(ref totals[t], i + 1));
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        // Σ_{i=1..10} i = 55 per job, 200 jobs per thread.
        Assert.All(totals, s => Assert.Equal(55L * 200, s));
    }

    [Fact]
    public void For_ResultsDoNotDependOnWhichThreadRunsAnIndex()
    {
        // Chunked sums combined in index order are bit-identical to the serial loop over the same chunks.
        var g = new Generator(3);
        var x = Tensor.Randn<float>([100_000], g).ToArray();
        float Serial()
        {
            var parts = new float[10];
            for (int c = 0; c < 10; c++)
                for (int i = c * 10_000; i < (c + 1) * 10_000; i++) parts[c] += x[i];
            return parts.Sum();
        }
        var parallel = new float[10];
        Workers.For(10, c => { for (int i = c * 10_000; i < (c + 1) * 10_000; i++) parallel[c] += x[i]; });
        Assert.Equal(Serial(), parallel.Sum());
    }
}
