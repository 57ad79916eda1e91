using Autograd.NN;
using Autograd.NN.Optimizers;

namespace Autograd.Benchmarks;

/// <summary>
/// The workloads shared by the quick benchmark and the BenchmarkDotNet classes, built exactly as the libtorch anchor
/// (shared/anchors/TsBench/Program.cs) builds them, so that the two sides time the same arithmetic.
/// </summary>
internal static class Workloads
{
    public const int MlpSamples = 60_000, MlpBatch = 128, MlpFeatures = 784, Classes = 10;
    public const int CnnBatch = 64, CnnBatches = 40;
    public const int ScalarChainLength = 10_000, ScalarChainNodes = 3 * ScalarChainLength;

    /// <summary>y = tanh(y·1.0001 + 0.001) repeated <see cref="ScalarChainLength"/> times from a float32 leaf, then
    /// backward: 3 recorded nodes per link (Mul, Add, Tanh). Returns the leaf's gradient so nothing is dead code.</summary>
    public static float ScalarChain()
    {
        var x = Tensor.Scalar(0.5f, requiresGrad: true);
        var y = x;
        for (int i = 0; i < ScalarChainLength; i++) y = (y * 1.0001f + 0.001f).Tanh();
        y.Backward();
        return x.Grad!.Item();
    }

    /// <summary>Linear 784→256, ReLU, Linear 256→128, ReLU, Linear 128→10.</summary>
    public static Sequential<float> Mlp(Generator g) => new(
        new Linear<float>(MlpFeatures, 256, g), new ReLU<float>(),
        new Linear<float>(256, 128, g), new ReLU<float>(),
        new Linear<float>(128, Classes, g));

    /// <summary>Conv 1→32 3×3 pad 1, ReLU, MaxPool 2, Conv 32→64 3×3 pad 1, ReLU, MaxPool 2, Flatten, Linear 3136→10.</summary>
    public static Sequential<float> Cnn(Generator g) => new(
        new Conv2d<float>(1, 32, 3, g, padding: 1), new ReLU<float>(), new MaxPool2d<float>(2),
        new Conv2d<float>(32, 64, 3, g, padding: 1), new ReLU<float>(), new MaxPool2d<float>(2),
        new Flatten<float>(), new Linear<float>(64 * 7 * 7, Classes, g));

    /// <summary>Random standard-normal inputs of <paramref name="shape"/> and uniform labels in [0, 10), one label per row.</summary>
    public static (Tensor<float> X, int[] Labels) RandomData(Generator g, params int[] shape)
    {
        var x = Tensor.Randn<float>(shape, g);
        var labels = new int[shape[0]];
        for (int i = 0; i < labels.Length; i++) labels[i] = g.NextInt(Classes);
        return (x, labels);
    }

    /// <summary>Labels cut into consecutive batches of <paramref name="batch"/> (the tail that does not fill one is dropped).</summary>
    public static int[][] SliceLabels(int[] labels, int batch) =>
        [.. Enumerable.Range(0, labels.Length / batch).Select(b => labels.AsSpan(b * batch, batch).ToArray())];

    /// <summary>
    /// One training step: clear the gradients to null (as the anchor's zero_grad(); ZeroGrad takes the engine's gradient
    /// buffers back for the backward, so nothing is reallocated), forward, cross-entropy, backward, Adam update, inside
    /// a <see cref="Tensor.Scope"/> so the step's buffers are recycled (as the anchor's NewDisposeScope frees its tensors).
    /// Returns the loss.
    /// </summary>
    public static float TrainStep(Module<float> model, Adam<float> optimizer, Tensor<float> inputs, int[] labels)
    {
        using var scope = Tensor.Scope();
        optimizer.ZeroGrad();
        var loss = Losses.CrossEntropy(model.Forward(inputs), labels);
        loss.Backward();
        optimizer.Step();
        return loss.Item();
    }
}

/// <summary>A model with its optimizer and pre-generated data, ready to step through batch by batch.</summary>
internal sealed class Trainer
{
    private readonly Module<float> _model;
    private readonly Adam<float> _optimizer;
    private readonly Tensor<float> _inputs;
    private readonly int[][] _labels;
    private readonly int _batch;

    private Trainer(Module<float> model, Tensor<float> inputs, int[] labels, int batch)
    {
        _model = model;
        _optimizer = new Adam<float>(model.Parameters(), lr: 1e-3);
        _inputs = inputs;
        _labels = Workloads.SliceLabels(labels, batch);
        _batch = batch;
    }

    /// <summary>Number of whole batches in one pass over the data.</summary>
    public int Batches => _labels.Length;

    /// <summary>The MLP workload over <paramref name="samples"/> random 784-feature samples in batches of 128.</summary>
    public static Trainer Mlp(int samples = Workloads.MlpSamples, ulong seed = 0)
    {
        var g = new Generator(seed);
        var model = Workloads.Mlp(g);
        var (x, y) = Workloads.RandomData(g, samples, Workloads.MlpFeatures);
        return new Trainer(model, x, y, Workloads.MlpBatch);
    }

    /// <summary>The CNN workload over 40 random batches of 64 single-channel 28×28 images.</summary>
    public static Trainer Cnn(ulong seed = 0)
    {
        var g = new Generator(seed);
        var model = Workloads.Cnn(g);
        var (x, y) = Workloads.RandomData(g, Workloads.CnnBatch * Workloads.CnnBatches, 1, 28, 28);
        return new Trainer(model, x, y, Workloads.CnnBatch);
    }

    /// <summary>Inputs of batch <paramref name="b"/>: a Narrow view of the pre-generated data, as the anchor does.</summary>
    public Tensor<float> Inputs(int b) => _inputs.Narrow(0, b * _batch, _batch);

    /// <summary>Labels of batch <paramref name="b"/>.</summary>
    public int[] Labels(int b) => _labels[b];

    /// <summary>One training step on batch <paramref name="b"/> (wrapping around).</summary>
    public float Step(int b)
    {
        b %= Batches;
        return Workloads.TrainStep(_model, _optimizer, Inputs(b), _labels[b]);
    }

    /// <summary>One pass over every batch.</summary>
    public void Epoch()
    {
        for (int b = 0; b < Batches; b++) Step(b);
    }

    /// <summary>The model and optimizer, for the phase breakdown.</summary>
    public (Module<float> Model, Adam<float> Optimizer) Parts => (_model, _optimizer);
}
