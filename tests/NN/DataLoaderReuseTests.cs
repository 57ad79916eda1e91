using Autograd.NN.Data;

namespace Autograd.Tests.NN;

/// <summary>A loader that reuses its buffers hands out the same batches as one that does not, in fewer arrays, and a
/// batch it took back throws when read; <see cref="TensorLease{T}"/> underneath.</summary>
public class DataLoaderReuseTests
{
    // Sample i = [i, 100 + i], label i % 3, so every value says where it came from.
    private static ArrayDataset<float> Numbered(int n) =>
        ArrayDataset<float>.Classification(
            Enumerable.Range(0, n).SelectMany(i => new float[] { i, 100 + i }).ToArray(), [2],
            Enumerable.Range(0, n).Select(i => i % 3).ToArray());

    /// <summary>Each batch's inputs and targets, copied out while the batch is valid.</summary>
    private static List<(float[] Inputs, float[] Targets)> Read(DataLoader<float> loader) =>
        [.. loader.Select(b => (b.Inputs.ToArray(), b.Targets.ToArray()))];

    [Fact]
    public void ReusingBuffersGivesTheSameBatchesAsNewArrays()
    {
        // Oracle: the same loader without reuse. Shuffled, with a last partial batch (23 = 5 · 4 + 3), over two epochs
        // (the generator moves on between them in both).
        var fresh = new DataLoader<float>(Numbered(23), 4, shuffle: true, generator: new Generator(3));
        var reused = new DataLoader<float>(Numbered(23), 4, shuffle: true, generator: new Generator(3), reuseBuffers: true);
        for (int epoch = 0; epoch < 2; epoch++)
        {
            var want = Read(fresh);
            var got = Read(reused);
            Assert.Equal(want.Count, got.Count);
            for (int b = 0; b < want.Count; b++)
            {
                Assert.Equal(want[b].Inputs, got[b].Inputs);
                Assert.Equal(want[b].Targets, got[b].Targets);
            }
        }
    }

    [Fact]
    public void ABatchTakenBackThrowsWhenReadAndTheNextReusesItsArrays()
    {
        var loader = new DataLoader<float>(Numbered(12), 4, reuseBuffers: true);
        using var batches = loader.GetEnumerator();
        Assert.True(batches.MoveNext());
        var first = batches.Current;
        var view = first.Inputs.Reshape([8]);
        float[] array = first.Inputs.Storage;
        Assert.Equal([0f, 100, 1, 101, 2, 102, 3, 103], view.ToArray());

        Assert.True(batches.MoveNext());
        var error = Assert.Throws<InvalidOperationException>(() => first.Inputs.ToArray());
        Assert.Contains("DataLoader", error.Message);
        Assert.Contains("Clone()", error.Message);
        Assert.Throws<InvalidOperationException>(() => view.ToArray());
        Assert.Throws<InvalidOperationException>(() => first.Labels());
        // The second batch is samples 4–7, in the first batch's array.
        Assert.Same(array, batches.Current.Inputs.Storage);
        Assert.Equal([4f, 100 + 4, 5, 105, 6, 106, 7, 107], batches.Current.Inputs.ToArray());
        Assert.Equal([1, 2, 0, 1], batches.Current.Labels());
    }

    [Fact]
    public void WithoutReuseEveryBatchStaysReadable()
    {
        // The default keeps PyTorch's behaviour: batches are new arrays, kept as long as they are held.
        var batches = new DataLoader<float>(Numbered(12), 4).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (float)i), batches.SelectMany(b => b.Inputs.ToArray().Where((_, k) => k % 2 == 0)));
    }

    [Fact]
    public void ArraysAreClearedBeforeAReusedBatchIsFilled()
    {
        // A dataset that writes only the first element of each sample, and a transform that adds 1 to the second, rely on
        // new arrays being zero: sample i is [i, 0 + 1]. A reused array not cleared first would give [i, 1 + 1].
        var loader = new DataLoader<float>(new FirstOnly(8), 4, transforms: [new AddOneToSecond()], reuseBuffers: true);
        var inputs = Read(loader).Select(b => b.Inputs).ToList();
        Assert.Equal([0f, 1, 1, 1, 2, 1, 3, 1], inputs[0]);
        Assert.Equal([4f, 1, 5, 1, 6, 1, 7, 1], inputs[1]);
    }

    private sealed class FirstOnly(int count) : IDataset<float>
    {
        public int Count => count;
        public int[] InputShape => [2];
        public int[] TargetShape => [];
        public void CopySample(int index, Span<float> input, Span<float> target) => input[0] = index;
    }

    private sealed class AddOneToSecond : ITransform<float>
    {
        public void Apply(Span<float> sample, int[] shape, Generator generator) => sample[1] += 1;
    }

    [Fact]
    public void ALeaseRevokedThrowsNamingItsOwnerAndReturnsTheArray()
    {
        double[] array = [1, 2, 3, 4, 5, 6];
        var lease = new TensorLease<double>(array, [2, 3], "the test's loader");
        var t = lease.Tensor;
        var column = t.Narrow(1, 2, 1); // a view: [[3], [6]]
        Assert.Equal([3.0, 6.0], column.ToArray());
        Assert.False(lease.IsRevoked);
        Assert.Same(array, lease.Revoke());
        Assert.True(lease.IsRevoked);
        Assert.Contains("the test's loader", Assert.Throws<InvalidOperationException>(() => t.ToArray()).Message);
        Assert.Throws<InvalidOperationException>(() => column.ToArray());
        Assert.Throws<InvalidOperationException>(() => t + 1.0);
        Assert.Same(array, lease.Revoke());
        // A shape that does not hold the array's elements is refused by name.
        Assert.Contains("TensorLease", Assert.Throws<ArgumentException>(() => new TensorLease<double>(array, [4, 2], "x")).Message);
    }
}
