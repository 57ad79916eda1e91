using Autograd.Distributed;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;

namespace Autograd.DistributedRunner;

/// <summary>
/// A small deterministic data-parallel training in double: an MLP 4 → 16 → 3 on 96 seeded samples, SGD with
/// momentum, global batches of 8 for 3 epochs (36 steps). Each rank takes its share of every epoch from a
/// <see cref="DistributedSampler"/> and runs batches of 8/N, so 1 and N ranks see the same global batches.
/// </summary>
public static class SmallTraining
{
    public const int Samples = 96, GlobalBatch = 8, Epochs = 3;

    /// <summary>Trains on this rank's shares; returns the final parameters by name (equal on every rank).</summary>
    public static Dictionary<string, double[]> Run(Communicator communicator, Action<int>? beforeStep = null)
    {
        if (GlobalBatch % communicator.Size != 0)
            throw new ArgumentException($"SmallTraining: global batch {GlobalBatch} does not divide among {communicator.Size} ranks");
        var data = Data();
        // Each rank starts from its own seed: the broadcast from rank 0 must make them equal.
        var model = new Sequential<double>(
            new Linear<double>(4, 16, new Generator(10 + (ulong)communicator.Rank)), new Tanh<double>(),
            new Linear<double>(16, 3, new Generator(20 + (ulong)communicator.Rank)));
        // A tiny bucket cap (200 doubles ≈ 0.0015 MB) splits the 131 parameters into several buckets.
        using var ddp = new DistributedDataParallel<double>(model, communicator, bucketCapMegabytes: 200 * 8 / (1024.0 * 1024));
        var optimizer = new SGD<double>(model.Parameters(), lr: 0.2, momentum: 0.9);
        var sampler = new DistributedSampler(Samples, communicator, shuffle: true, seed: 7);
        int step = 0;
        for (int epoch = 0; epoch < Epochs; epoch++)
        {
            sampler.SetEpoch(epoch);
            foreach (var batch in new DataLoader<double>(sampler.Shard(data), GlobalBatch / communicator.Size))
            {
                beforeStep?.Invoke(step++);
                optimizer.ZeroGrad();
                Losses.CrossEntropy(ddp.Forward(batch.Inputs), batch.Labels()).Backward();
                ddp.FinishGradientSync();
                optimizer.Step();
            }
        }
        return model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray());
    }

    /// <summary>Three classes in 4-d: class c has mean 1.5·e_c plus unit-variance noise.</summary>
    private static ArrayDataset<double> Data()
    {
        var g = new Generator(3);
        var x = new double[Samples * 4];
        var y = new int[Samples];
        for (int i = 0; i < Samples; i++)
        {
            y[i] = i % 3;
            for (int j = 0; j < 4; j++) x[i * 4 + j] = g.NextNormal() + (j == y[i] ? 1.5 : 0);
        }
        return ArrayDataset<double>.Classification(x, [4], y);
    }
}
