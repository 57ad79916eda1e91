using Autograd.NN.Data;

namespace Autograd.Tests.NN;

public class DataLoaderTests
{
    // Ten samples of shape [2] whose values encode their index: sample i = [i, 100 + i], label i % 3.
    private static ArrayDataset<float> Numbered(int n = 10) =>
        ArrayDataset<float>.Classification(
            Enumerable.Range(0, n).SelectMany(i => new float[] { i, 100 + i }).ToArray(), [2],
            Enumerable.Range(0, n).Select(i => i % 3).ToArray());

    [Fact]
    public void BatchesCoverEverySampleInOrderWithoutShuffle()
    {
        // 10 samples in batches of 4 ⇒ sizes 4, 4, 2 and inputs in the original order.
        var loader = new DataLoader<float>(Numbered(), batchSize: 4);
        var batches = loader.ToList();
        Assert.Equal(3, loader.Count);
        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Size));
        Assert.Equal(new[] { 4, 2 }, batches[0].Inputs.Shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (float)i), batches.SelectMany(b => b.Inputs.ToArray().Where((_, k) => k % 2 == 0)));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 3), batches.SelectMany(b => b.Labels()));
    }

    [Fact]
    public void DropLastSkipsTheIncompleteBatch()
    {
        // floor(10 / 4) = 2 full batches.
        var loader = new DataLoader<float>(Numbered(), batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.Count);
        Assert.All(loader, b => Assert.Equal(4, b.Size));
    }

    [Fact]
    public void ShuffleIsAPermutationReproducibleFromTheSeedAndNewEachEpoch()
    {
        static List<int> Epoch(DataLoader<float> l) => l.SelectMany(b => b.Inputs.ToArray().Where((_, k) => k % 2 == 0).Select(v => (int)v)).ToList();
        var a = new DataLoader<float>(Numbered(), 3, shuffle: true, generator: new Generator(7));
        var b = new DataLoader<float>(Numbered(), 3, shuffle: true, generator: new Generator(7));
        var first = Epoch(a);
        Assert.Equal(first, Epoch(b));
        Assert.Equal(Enumerable.Range(0, 10), first.OrderBy(i => i));
        Assert.NotEqual(Enumerable.Range(0, 10), first);
        Assert.NotEqual(first, Epoch(a));
        // Sample pairs stay intact: the second value is always 100 + the first.
        Assert.All(a.SelectMany(batch => batch.Inputs.ToArray().Chunk(2)), p => Assert.Equal(p[0] + 100, p[1]));
    }

    [Fact]
    public void TrainValidationSplitIsDisjointAndComplete()
    {
        // 20% of 10 samples ⇒ 2 validation, 8 training, together every index once.
        var (train, validation) = Dataset.TrainValidationSplit(Numbered(), 0.2, new Generator(1));
        Assert.Equal(8, train.Count);
        Assert.Equal(2, validation.Count);
        Assert.Equal(Enumerable.Range(0, 10), train.Indices.Concat(validation.Indices).OrderBy(i => i));
    }

    [Fact]
    public void NormalizeAppliesThePerChannelFormula()
    {
        // (x − mean_c) / std_c on a [2, 1, 2] sample: channel 0 (1, 3) with mean 1, std 2 ⇒ (0, 1); channel 1 (5, 9) with mean 5, std 4 ⇒ (0, 1).
        var sample = new float[] { 1, 3, 5, 9 };
        new Normalize<float>([1, 5], [2, 4]).Apply(sample, [2, 1, 2], new Generator(0));
        Assert.Equal(new float[] { 0, 1, 0, 1 }, sample);
    }

    [Fact]
    public void HorizontalFlipWithProbabilityOneMirrorsRows()
    {
        var sample = new float[] { 1, 2, 3, 4, 5, 6 };
        new RandomHorizontalFlip<float>(p: 1).Apply(sample, [2, 3], new Generator(0));
        Assert.Equal(new float[] { 3, 2, 1, 6, 5, 4 }, sample);
    }

    [Fact]
    public void TranslateMovesPixelsAndFillsTheBorder()
    {
        // A single lit pixel at (1, 1) of a 3×3 image lands at (1 + dy, 1 + dx) for the drawn shift; the rest is fill.
        for (ulong seed = 0; seed < 20; seed++)
        {
            var sample = new float[9];
            sample[4] = 1;
            var gen = new Generator(seed);
            var probe = new Generator(seed);
            int dy = probe.NextInt(3) - 1, dx = probe.NextInt(3) - 1;
            new RandomTranslate<float>(1).Apply(sample, [1, 3, 3], gen);
            Assert.Equal(1f, sample.Sum());
            Assert.Equal(1f, sample[(1 + dy) * 3 + 1 + dx]);
        }
    }

    [Fact]
    public void MismatchedTargetCountIsRejectedByName()
    {
        var error = Assert.Throws<ArgumentException>(() => new ArrayDataset<float>(new float[6], [2], new float[2], []));
        Assert.Contains("ArrayDataset", error.Message);
    }
}
