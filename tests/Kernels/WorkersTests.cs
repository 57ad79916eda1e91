using Autograd.Kernels;
using Xunit;

namespace Autograd.Tests.Kernels;

[Collection(nameof(ProcessSettings))]
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
    public void For_AThreadStuckInItsBlockHasTheRestOfItTakenByTheOthers()
    {
        // Each thread owns a contiguous block of indices (the caller 0–3 of 8 with two threads) but must not keep it:
        // index 0 waits until every other index has run, which can only happen if another thread takes 1–3 as well.
        int old = Workers.ThreadCount;
        Workers.ThreadCount = 2;
        try
        {
            const int count = 8;
            int done = 0;
            bool othersFinished = false;
            Workers.For(count, i =>
            {
                if (i == 0) othersFinished = SpinWait.SpinUntil(() => Volatile.Read(ref done) == count - 1, TimeSpan.FromSeconds(20));
                else Interlocked.Increment(ref done);
            });
            Assert.True(othersFinished);
        }
        finally
        {
            Workers.ThreadCount = old;
        }
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

    [Fact]
    public void ThreadCount_OneAndTwoThreadsGiveTheSameBitsForAGemmAndAReduction()
    {
        // Oracle: work is chunked by size alone, so the thread count changes who runs a chunk, never what it computes.
        // A 256³ product and a 1M-element sum both pass the parallel thresholds.
        var g = new Generator(11);
        var a = Tensor.Randn<float>([256, 256], g);
        var b = Tensor.Randn<float>([256, 256], g);
        var x = Tensor.Randn<float>([4, 262_144], g);
        int before = Workers.ThreadCount;
        try
        {
            Workers.ThreadCount = 1;
            Assert.Equal(1, Workers.ThreadCount);
            float[] product1 = a.MatMul(b).ToArray(), sum1 = x.Sum(1).ToArray();
            float total1 = x.Sum().Item();
            Workers.ThreadCount = 2;
            Assert.Equal(2, Workers.ThreadCount);
            float[] product2 = a.MatMul(b).ToArray(), sum2 = x.Sum(1).ToArray();
            float total2 = x.Sum().Item();
            Assert.Equal(product1, product2);
            Assert.Equal(sum1, sum2);
            Assert.Equal(total1, total2);
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }

    [Fact]
    public void ThreadCount_OneAndTwoThreadsGiveTheSameBitsForRowKernels()
    {
        // Oracle: on one thread each row kernel runs over all rows in one call (as it did before the rows were chunked);
        // on two the rows go in chunks fixed by size, and each value is computed alone, so no bit may differ. The shapes
        // pass the parallel threshold: softmax and log-softmax over [2048, 65] (a character model's logits), LayerNorm
        // over [2048, 128], forward and backward.
        var g = new Generator(12);
        var logits = Tensor.Randn<float>([2048, 65], g, requiresGrad: true);
        var v = Tensor.Randn<float>([2048, 65], g);
        var x = Tensor.Randn<float>([2048, 128], g, requiresGrad: true);
        var w = Tensor.Randn<float>([128], g, requiresGrad: true);
        var u = Tensor.Randn<float>([2048, 128], g);
        float[][] Run()
        {
            var soft = logits.Softmax(1);
            var logSoft = logits.LogSoftmax(1);
            var norm = x.LayerNorm([128], w, null);
            var grads = Tensor.Grad([(soft * v).Sum() + (logSoft * v).Sum(), (norm * u).Sum()], [logits, x, w]);
            return [soft.ToArray(), logSoft.ToArray(), norm.ToArray(), .. grads.Select(t => t!.ToArray())];
        }
        AssertSameBitsOnOneAndTwoThreads(Run);
    }

    /// <summary>Runs <paramref name="run"/> on one thread and on two and asserts every array it returns is the same,
    /// bit for bit; the thread count is restored after.</summary>
    internal static void AssertSameBitsOnOneAndTwoThreads(Func<float[][]> run)
    {
        int before = Workers.ThreadCount;
        try
        {
            Workers.ThreadCount = 1;
            var one = run();
            Workers.ThreadCount = 2;
            var two = run();
            Assert.Equal(one.Length, two.Length);
            for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }

    [Fact]
    public void ThreadCount_BelowOneThrowsAndKeepsTheOldValue()
    {
        int before = Workers.ThreadCount;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Workers.ThreadCount = 0);
        Assert.Contains("ThreadCount", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Workers.ThreadCount = -3);
        Assert.Equal(before, Workers.ThreadCount);
    }

    [Fact]
    public void ThreadCount_AboveTheCoreCountStillRunsEveryIndexOnce()
    {
        int before = Workers.ThreadCount;
        try
        {
            Workers.ThreadCount = Environment.ProcessorCount + 2;
            var hits = new int[500];
            Workers.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }
}
