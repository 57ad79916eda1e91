using Autograd.Distributed;

namespace Autograd.Tests.Distributed;

/// <summary>The single-process communicator: rank 0 of 1, every collective the identity.</summary>
public sealed class CommunicatorTests
{
    [Fact]
    public void SingleProcess_IsRankZeroOfOne_AndCollectivesAreIdentity()
    {
        using var c = Communicator.SingleProcess();
        Assert.Equal((0, 1, true, "single process"), (c.Rank, c.Size, c.IsMain, c.Transport));
        // With one rank the sum over ranks of x is x itself, and a broadcast from rank 0 leaves rank 0's data.
        float[] f = [1.5f, -2f, 3.25f];
        c.AllReduceSum(f.AsSpan());
        Assert.Equal([1.5f, -2f, 3.25f], f);
        double[] d = [0.1, 1e300];
        c.AllReduceSum(d.AsSpan());
        Assert.Equal([0.1, 1e300], d);
        long[] bytes = [42, -7];
        c.Broadcast(bytes.AsSpan());
        Assert.Equal([42L, -7L], bytes);
        c.Barrier();
        // Sum over one rank is the value; the mean divides by Size = 1; the weighted mean is (v·w)/w = v.
        Assert.Equal(2.5, c.Sum(2.5));
        Assert.Equal(2.5, c.Mean(2.5));
        Assert.Equal(0.75, c.WeightedMean(0.75, 8));
        Assert.Equal(0, c.WeightedMean(0.75, 0));
    }

    [Fact]
    public void BadArguments_AreNamed()
    {
        using var c = Communicator.SingleProcess();
        var root = Assert.Throws<ArgumentOutOfRangeException>(() => c.Broadcast(new double[2].AsSpan(), root: 1));
        Assert.Contains("root 1 is not a rank of this job (size 1)", root.Message);
        var type = Assert.Throws<NotSupportedException>(() => c.AllReduceSum(new int[2].AsSpan()));
        Assert.Contains("float and double, not Int32", type.Message);
    }

    [Fact]
    public void Initialize_WithoutMpirun_IsSingleProcess()
    {
        if (Communicator.LaunchedByMpirun()) return; // the test process itself was started by mpirun: nothing to check
        using var c = Communicator.Initialize();
        Assert.Equal((0, 1, "single process"), (c.Rank, c.Size, c.Transport));
    }

    [Fact]
    public void Chunks_SplitCountsAboveIntMaxValue()
    {
        // 2·(2³¹−1) + 5 elements: two full chunks of 2³¹−1 and one of 5, at offsets 0, 2³¹−1, 2·(2³¹−1).
        long n = 2L * int.MaxValue + 5;
        Assert.Equal([(0L, int.MaxValue), (int.MaxValue, int.MaxValue), (2L * int.MaxValue, 5)], OpenMpi.Chunks(n).ToArray());
        Assert.Equal([(0L, 7)], OpenMpi.Chunks(7).ToArray());
        Assert.Empty(OpenMpi.Chunks(0));
    }
}
