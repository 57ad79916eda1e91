using Autograd.Distributed;
using Autograd.NN.Data;

namespace Autograd.Tests.Distributed;

public sealed class DistributedSamplerTests
{
    private static int[][] Shares(int count, int replicas, ulong seed, int epoch, bool shuffle = true, bool dropLast = false) =>
        Enumerable.Range(0, replicas).Select(r =>
        {
            var s = new DistributedSampler(count, replicas, r, shuffle, seed, dropLast);
            s.SetEpoch(epoch);
            return s.Indices();
        }).ToArray();

    [Theory]
    [InlineData(12, 3)]
    [InlineData(100, 4)]
    [InlineData(7, 1)]
    public void Shares_AreDisjointAndTheirUnionIsTheEpoch(int count, int replicas)
    {
        var shares = Shares(count, replicas, seed: 5, epoch: 2);
        // count divisible by replicas: no padding, so each index appears exactly once over all ranks.
        Assert.All(shares, s => Assert.Equal(count / replicas, s.Length));
        Assert.Equal(Enumerable.Range(0, count), shares.SelectMany(s => s).Order());
    }

    [Fact]
    public void Shares_InterleaveTheEpochOrder_SoGlobalBatchesMatchOneRank()
    {
        // Rank r holds positions r, r + N, …; so positions kB … (k+1)B−1 of one rank's order are, for N = 2 and
        // per-rank batch B/2, rank 0's and rank 1's k-th batches together.
        var one = Shares(20, 1, seed: 9, epoch: 1)[0];
        var two = Shares(20, 2, seed: 9, epoch: 1);
        for (int k = 0; k < 5; k++)
        {
            var global = one[(4 * k)..(4 * k + 4)].Order();
            var split = two[0][(2 * k)..(2 * k + 2)].Concat(two[1][(2 * k)..(2 * k + 2)]).Order();
            Assert.Equal(global, split);
        }
    }

    [Fact]
    public void Order_IsSeededPerEpoch()
    {
        // Same seed and epoch: the same order on every rank and every run; another epoch or seed: another permutation.
        Assert.Equal(Shares(50, 2, 1, 0), Shares(50, 2, 1, 0));
        Assert.NotEqual(Shares(50, 1, 1, 0)[0], Shares(50, 1, 1, 1)[0]);
        Assert.NotEqual(Shares(50, 1, 1, 0)[0], Shares(50, 1, 2, 0)[0]);
        // Without shuffling the order is 0 … n−1, dealt round-robin.
        Assert.Equal([[0, 3, 6], [1, 4, 7], [2, 5, 8]], Shares(9, 3, 1, 0, shuffle: false));
    }

    [Fact]
    public void Padding_RepeatsTheStartOfTheOrder_DropLastCutsTheTail()
    {
        // 10 samples on 3 ranks: ⌈10/3⌉ = 4 each, 12 positions, the last 2 repeating order[0] and order[1] (PyTorch's rule).
        var sampler = new DistributedSampler(10, 3, 0, shuffle: true, seed: 4);
        var order = sampler.EpochOrder();
        Assert.Equal(12, order.Length);
        Assert.Equal(order[..2], order[10..]);
        Assert.Equal(Enumerable.Range(0, 10), order[..10].Order());
        var padded = Shares(10, 3, 4, 0);
        Assert.All(padded, s => Assert.Equal(4, s.Length));
        Assert.Equal(order, Enumerable.Range(0, 12).Select(i => padded[i % 3][i / 3]));
        // dropLast: ⌊10/3⌋ = 3 each, 9 distinct samples, one left out.
        var cut = Shares(10, 3, 4, 0, dropLast: true);
        Assert.All(cut, s => Assert.Equal(3, s.Length));
        Assert.Equal(9, cut.SelectMany(s => s).Distinct().Count());
    }

    [Fact]
    public void Shard_IsTheSubsetOfThisRank_AndChecksTheCount()
    {
        var data = ArrayDataset<double>.Classification(Enumerable.Range(0, 8).Select(i => (double)i).ToArray(), [1], new int[8]);
        var sampler = new DistributedSampler(8, 2, 1, shuffle: false);
        Assert.Equal([1, 3, 5, 7], sampler.Shard(data).Indices);
        var e = Assert.Throws<ArgumentException>(() => new DistributedSampler(9, 2, 1).Shard(data));
        Assert.Contains("dataset has 8 samples, the sampler was made for 9", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(8, 2, 2));
    }
}
