using System.Diagnostics;
using System.Globalization;
using Autograd;
using Autograd.Distributed;
using Autograd.Kernels;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.NN.Schedules;

namespace FashionMnist;

/// <summary>
/// <c>--distributed</c>: data-parallel training under mpirun (or alone, as one rank). Every rank takes a disjoint
/// share of each epoch from a <see cref="DistributedSampler"/> and runs batches of (batch size)/(ranks), so
/// <c>--batch-size</c> is the global batch and the steps equal a single process's on the same batches. Gradients
/// are averaged by <see cref="DistributedDataParallel{T}"/>; rank 0 prints, evaluates the test share sums and saves.
/// Prints the time per step and the share of it spent in the gradient all-reduce.
/// </summary>
internal static class Distributed
{
    public static int Run(Options options)
    {
        using var world = Communicator.Initialize();
        // The ranks of one machine share its cores: each rank's kernels get its part of them.
        Workers.ThreadCount = Math.Max(1, Environment.ProcessorCount / world.Size);
        if (options.BatchSize % world.Size != 0)
            throw new ArgumentException($"--batch-size {options.BatchSize} does not divide among {world.Size} ranks");
        void Say(string line) { if (world.IsMain) Console.WriteLine(line); }

        FashionMnistData data;
        if (FashionMnistFiles.TryFind(options.DataDir, out _, out string message)) data = FashionMnistFiles.Load(options.DataDir);
        else
        {
            Say($"{message}\nFalling back to the small synthetic data set.");
            data = SyntheticData.Create(train: 6000, test: 1000, options.Seed);
        }
        int trainCount = Math.Min(options.Limit ?? data.TrainCount, data.TrainCount);
        int[] imageShape = [1, data.Rows, data.Cols];
        var train = ArrayDataset<float>.Classification(data.TrainImages[..(trainCount * 784)], imageShape, data.TrainLabels[..trainCount]);
        var test = ArrayDataset<float>.Classification(data.TestImages, imageShape, data.TestLabels);
        var normalize = new Normalize<float>(0.2860f, 0.3530f);
        ITransform<float>[] augment = options.Model == "cnn" ? [new RandomHorizontalFlip<float>(), normalize] : [normalize];

        var model = options.Model == "mlp" ? Models.Mlp(new Generator(options.Seed)) : Models.Cnn(new Generator(options.Seed));
        using var ddp = new DistributedDataParallel<float>(model, world);
        var optimizer = new Adam<float>(model.Parameters(), lr: options.LearningRate);
        var schedule = new CosineAnnealingLR(optimizer, options.Epochs);
        var sampler = new DistributedSampler(train.Count, world, shuffle: true, seed: options.Seed);
        // Dropout and flips draw from a generator of each rank's own, so ranks do not repeat each other's masks.
        var generator = new Generator(options.Seed + 1000 + (ulong)world.Rank);
        int localBatch = options.BatchSize / world.Size;
        Say($"Training {options.Model} on {train.Count} images with {world.Size} rank(s) ({world.Transport}), global batch " +
            $"{options.BatchSize} ({localBatch} per rank), {options.Epochs} epochs, {Workers.ThreadCount} kernel thread(s) per rank");

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            model.Train();
            sampler.SetEpoch(epoch);
            var loader = new DataLoader<float>(sampler.Shard(train), localBatch, generator: generator, transforms: augment,
                reuseBuffers: true);
            double lossSum = 0, correct = 0, seen = 0;
            int steps = 0;
            var communication = ddp.CommunicationTime;
            var clock = Stopwatch.StartNew();
            foreach (var batch in loader)
            {
                using var scope = Tensor.Scope();
                var labels = batch.Labels();
                var logits = ddp.Forward(batch.Inputs);
                var loss = Losses.CrossEntropy(logits, labels);
                optimizer.ZeroGrad(setToNull: false);
                loss.Backward();
                ddp.FinishGradientSync();
                optimizer.Step();
                lossSum += loss.Item() * batch.Size;
                correct += Matches(logits.ArgmaxIndices(1), labels);
                seen += batch.Size;
                steps++;
            }
            double seconds = clock.Elapsed.TotalSeconds, allReduce = (ddp.CommunicationTime - communication).TotalSeconds;
            // Logged values are over all ranks' samples; the timings are rank 0's.
            double trainLoss = world.WeightedMean(lossSum / Math.Max(seen, 1), seen);
            double accuracy = world.Sum(correct) / world.Sum(seen);
            Say(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch,2}/{options.Epochs}  train loss {trainLoss:F4} acc {accuracy:F4}  lr {optimizer.LearningRate:G3}  " +
                $"{seconds:F1}s, {1000 * seconds / Math.Max(steps, 1):F1} ms/step, all-reduce {100 * allReduce / seconds:F1}% of it"));
            schedule.Step();
        }
        if (options.Save is not null)
        {
            ddp.SaveCheckpoint(options.Save, optimizer);
            Say($"Saved model and optimizer state to {options.Save} (rank 0)");
        }
        double testCorrect = world.Sum(EvaluateShare(model, test, normalize, world));
        Say(string.Create(CultureInfo.InvariantCulture, $"test_accuracy={testCorrect / test.Count:F4}"));
        return 0;
    }

    /// <summary>Correct predictions on test samples r, r + N, r + 2N, … (each sample on exactly one rank).</summary>
    private static double EvaluateShare(Module<float> model, IDataset<float> test, ITransform<float> normalize, Communicator world)
    {
        model.Eval();
        var mine = Enumerable.Range(0, test.Count).Where(i => i % world.Size == world.Rank).ToArray();
        double correct = 0;
        using (Tensor.NoGrad())
            foreach (var batch in new DataLoader<float>(new Subset<float>(test, mine), 1000, transforms: [normalize], reuseBuffers: true))
            {
                using var scope = Tensor.Scope();
                correct += Matches(model.Forward(batch.Inputs).ArgmaxIndices(1), batch.Labels());
            }
        return correct;
    }

    private static int Matches(int[] predicted, int[] labels) => predicted.Zip(labels).Count(p => p.First == p.Second);
}
