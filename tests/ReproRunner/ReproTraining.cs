using System.Security.Cryptography;
using Autograd.Kernels;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.NN.Schedules;
using Autograd.NN.Serialization;

namespace Autograd.ReproRunner;

/// <summary>What to train and how: the model ("mlp" or "cnn"), the total number of optimizer steps, the seed, and
/// optionally the worker-thread count, periodic checkpoints, resuming from the last one, and a pause after each step
/// (so that a test can kill the process while it trains).</summary>
public sealed record ReproOptions(string Model, int Steps, ulong Seed = 1, int? Threads = null, string? CheckpointDir = null,
    int CheckpointEvery = 0, bool Resume = false, int StepDelayMs = 0)
{
    /// <summary>The checkpoint file inside <see cref="CheckpointDir"/>, rewritten atomically at every checkpoint.</summary>
    public string CheckpointPath => Path.Combine(CheckpointDir ?? throw new InvalidOperationException("no checkpoint directory"), "last.safetensors");
}

/// <summary>The outcome: SHA-256 of the final parameters and last gradients, and each step's loss bits by step number
/// (only the steps this process ran).</summary>
public sealed record ReproResult(string StateHash, IReadOnlyList<(long Step, uint LossBits)> Losses)
{
    /// <summary>SHA-256 of the loss bits in step order.</summary>
    public string LossHash => Hash(Losses.SelectMany(l => BitConverter.GetBytes(l.Step).Concat(BitConverter.GetBytes(l.LossBits))).ToArray());

    internal static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));
}

/// <summary>
/// A short Fashion-MNIST-shaped training: 200 synthetic 1×28×28 images in 10 classes, shuffled batches of 32 with a
/// random horizontal flip, an MLP with dropout or a small CNN, cross-entropy, Adam with a step schedule (γ = 0.5 each
/// epoch). Everything random comes from generators seeded from <see cref="ReproOptions.Seed"/>: the data, the
/// initial weights, dropout, and the loader (its own generator, as resuming requires).
/// </summary>
public static class ReproTraining
{
    private const int Samples = 200, BatchSize = 32;

    /// <summary>Runs (or resumes) the training; <paramref name="log"/> hears "checkpoint {step}" after each checkpoint.</summary>
    public static ReproResult Run(ReproOptions options, Action<string>? log = null)
    {
        if (options.Threads is int threads) Workers.ThreadCount = threads;
        var dataset = SyntheticImages(new Generator(options.Seed));
        var dropout = new Generator(options.Seed + 2);
        var model = Build(options.Model, new Generator(options.Seed + 1), dropout);
        var optimizer = new Adam<float>(model.Parameters(), lr: 2e-3);
        var schedule = new StepLR(optimizer, stepSize: 1, gamma: 0.5);
        var loader = new DataLoader<float>(dataset, BatchSize, shuffle: true, generator: new Generator(options.Seed + 3),
            transforms: [new RandomHorizontalFlip<float>()]);
        long step = 0;
        if (options.Resume)
        {
            var training = Checkpoint.Load(options.CheckpointPath, model, optimizer).Training
                ?? throw new InvalidOperationException($"{options.CheckpointPath}: no training state");
            step = training.Step;
            schedule.SetEpoch(training.Epoch);
            loader.Resume(training.Loader ?? throw new InvalidOperationException("no loader position"));
            dropout.SetState(training.Generators["dropout"]);
        }
        var losses = new List<(long, uint)>();
        while (step < options.Steps)
        {
            foreach (var batch in loader)
            {
                var loss = Losses.CrossEntropy(model.Forward(batch.Inputs), batch.Labels());
                optimizer.ZeroGrad();
                loss.Backward();
                optimizer.Step();
                losses.Add((++step, BitConverter.SingleToUInt32Bits(loss.Item())));
                if (options.CheckpointEvery > 0 && step % options.CheckpointEvery == 0)
                {
                    var state = new TrainingState(step, schedule.Epoch, loader.Position,
                        new Dictionary<string, GeneratorState> { ["dropout"] = dropout.GetState() });
                    Checkpoint.Save(options.CheckpointPath, model, optimizer, training: state);
                    log?.Invoke($"checkpoint {step}");
                }
                if (step == options.Steps) break;
                if (options.StepDelayMs > 0) Thread.Sleep(options.StepDelayMs);
            }
            if (step < options.Steps) schedule.Step();
        }
        return new ReproResult(StateHash(model), losses);
    }

    /// <summary>
    /// SHA-256 of exp, log |x|, sin, cos, tanh and sigmoid, in double then float, of 4099 fixed values (3 × standard
    /// normal): called first thing in a fresh process it shows that the first calls give the bits of warmed-up code.
    /// </summary>
    public static string MathHash()
    {
        using var bytes = new MemoryStream();
        var x = Tensor.Randn<double>([4099], new Generator(1)) * 3.0;
        foreach (var y in new[] { x.Exp(), x.Abs().Log(), x.Sin(), x.Cos(), x.Tanh(), x.Sigmoid() })
            foreach (double v in y.ToArray()) bytes.Write(BitConverter.GetBytes(v));
        var xf = Tensor.FromArray(x.ToArray().Select(v => (float)v).ToArray());
        foreach (var y in new[] { xf.Exp(), xf.Abs().Log(), xf.Sin(), xf.Cos(), xf.Tanh(), xf.Sigmoid() })
            foreach (float v in y.ToArray()) bytes.Write(BitConverter.GetBytes(v));
        return ReproResult.Hash(bytes.ToArray());
    }

    /// <summary>SHA-256 over every parameter's name, value bits and gradient bits, in state-dict order.</summary>
    public static string StateHash(Module<float> model)
    {
        using var bytes = new MemoryStream();
        foreach (var (name, p) in model.NamedParameters())
        {
            bytes.Write(System.Text.Encoding.UTF8.GetBytes(name));
            foreach (float v in p.ToArray()) bytes.Write(BitConverter.GetBytes(v));
            foreach (float g in p.Grad?.ToArray() ?? []) bytes.Write(BitConverter.GetBytes(g));
        }
        return ReproResult.Hash(bytes.ToArray());
    }

    /// <summary>"mlp": 784 → 64 → dropout 0.2 → 10; "cnn": conv 1→4 (3×3), ReLU, 2×2 max-pool, flatten, 676 → 10.</summary>
    public static Module<float> Build(string model, Generator init, Generator dropout) => model switch
    {
        "mlp" => new Sequential<float>(new Flatten<float>(), new Linear<float>(784, 64, init), new ReLU<float>(),
            new Dropout<float>(0.2, dropout), new Linear<float>(64, 10, init)),
        "cnn" => new Sequential<float>(new Conv2d<float>(1, 4, 3, init), new ReLU<float>(), new MaxPool2d<float>(2),
            new Flatten<float>(), new Linear<float>(4 * 13 * 13, 10, init)),
        _ => throw new ArgumentException($"ReproTraining: model '{model}' is not mlp or cnn"),
    };

    /// <summary>Images whose class sets the brightness of one of ten horizontal bands, plus uniform noise.</summary>
    private static ArrayDataset<float> SyntheticImages(Generator generator)
    {
        var images = new float[Samples * 784];
        var labels = new int[Samples];
        for (int s = 0; s < Samples; s++)
        {
            labels[s] = generator.NextInt(10);
            for (int i = 0; i < 784; i++)
                images[s * 784 + i] = (float)(0.3 * generator.NextDouble() + (i / 28 / 3 == labels[s] ? 0.7 : 0));
        }
        return ArrayDataset<float>.Classification(images, [1, 28, 28], labels);
    }
}
