using System.Numerics;
using Autograd.NN.Data;

namespace Autograd.Distributed;

/// <summary>
/// Each rank's share of every epoch (PyTorch's <c>DistributedSampler</c>): the epoch's order (a permutation drawn
/// from seed + epoch when shuffling, otherwise 0, 1, …, n−1) is padded by repeating its beginning to a multiple of
/// the number of ranks N, or cut to one with <c>dropLast</c>; rank r takes positions r, r + N, r + 2N, … So every
/// rank gets the same number of samples, the shares are disjoint positions of one order, and their union is the
/// epoch (plus the few repeated samples of the padding). Global batch k of size B, spread as B/N samples per rank,
/// is then positions kB … (k+1)B−1 of the epoch's order, the same batch one process would see with N = 1.
/// Call <see cref="SetEpoch"/> at the start of each epoch, with the same value on every rank.
/// </summary>
public sealed class DistributedSampler
{
    /// <summary>A sampler over <paramref name="count"/> samples for rank <paramref name="rank"/> of <paramref name="replicas"/>.</summary>
    public DistributedSampler(int count, int replicas, int rank, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"DistributedSampler: count must be non-negative, got {count}");
        if (replicas < 1) throw new ArgumentOutOfRangeException(nameof(replicas), $"DistributedSampler: replicas must be at least 1, got {replicas}");
        if ((uint)rank >= (uint)replicas)
            throw new ArgumentOutOfRangeException(nameof(rank), $"DistributedSampler: rank {rank} is not in [0, {replicas})");
        (Count, Replicas, Rank, IsShuffled, Seed, DropLast) = (count, replicas, rank, shuffle, seed, dropLast);
        SamplesPerRank = dropLast ? count / replicas : (count + replicas - 1) / replicas;
    }

    /// <summary>The sampler of this rank of <paramref name="communicator"/>.</summary>
    public DistributedSampler(int count, Communicator communicator, bool shuffle = true, ulong seed = 0, bool dropLast = false)
        : this(count, communicator.Size, communicator.Rank, shuffle, seed, dropLast) { }

    /// <summary>Number of samples in the dataset.</summary>
    public int Count { get; }

    /// <summary>Number of ranks sharing each epoch.</summary>
    public int Replicas { get; }

    /// <summary>This rank.</summary>
    public int Rank { get; }

    /// <summary>Whether each epoch has its own random order.</summary>
    public bool IsShuffled { get; }

    /// <summary>Seed shared by all ranks; the epoch's order is drawn from seed + epoch.</summary>
    public ulong Seed { get; }

    /// <summary>Whether the tail that does not divide evenly is dropped instead of padded.</summary>
    public bool DropLast { get; }

    /// <summary>The current epoch (set by <see cref="SetEpoch"/>).</summary>
    public int Epoch { get; private set; }

    /// <summary>Samples each rank gets per epoch: ⌈n/N⌉, or ⌊n/N⌋ with dropLast.</summary>
    public int SamplesPerRank { get; }

    /// <summary>Selects the epoch whose order <see cref="Indices"/> returns.</summary>
    public void SetEpoch(int epoch) => Epoch = epoch;

    /// <summary>The epoch's order over all ranks, padded or cut to N × <see cref="SamplesPerRank"/> positions.</summary>
    public int[] EpochOrder()
    {
        var order = Enumerable.Range(0, Count).ToArray();
        if (IsShuffled) new Generator(unchecked(Seed + (ulong)Epoch)).Shuffle<int>(order);
        int total = SamplesPerRank * Replicas;
        if (total <= Count) return order[..total];
        var padded = new int[total];
        for (int i = 0; i < total; i++) padded[i] = order[i % Count];
        return padded;
    }

    /// <summary>This rank's dataset indices for the current epoch: positions Rank, Rank + N, … of <see cref="EpochOrder"/>.</summary>
    public int[] Indices()
    {
        var order = EpochOrder();
        var mine = new int[SamplesPerRank];
        for (int i = 0; i < mine.Length; i++) mine[i] = order[Rank + i * Replicas];
        return mine;
    }

    /// <summary>This rank's share of <paramref name="dataset"/> for the current epoch, in order: iterate it with a
    /// DataLoader that does not shuffle.</summary>
    public Subset<T> Shard<T>(IDataset<T> dataset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (dataset.Count != Count)
            throw new ArgumentException($"DistributedSampler: dataset has {dataset.Count} samples, the sampler was made for {Count}", nameof(dataset));
        return new Subset<T>(dataset, Indices());
    }
}
