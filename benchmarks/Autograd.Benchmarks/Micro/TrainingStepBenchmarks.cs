using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks.Micro;

/// <summary>One training step (zero-grad, forward, cross-entropy, backward, Adam) of the quick benchmark's MLP and CNN.</summary>
public class TrainingStepBenchmarks
{
    private Trainer _mlp = null!, _cnn = null!;
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        _mlp = Trainer.Mlp(samples: Workloads.MlpBatch * 32);
        _cnn = Trainer.Cnn();
    }

    /// <summary>Batch of 128 through Linear 784→256→128→10.</summary>
    [Benchmark]
    public float MlpStep() => _mlp.Step(_step++);

    /// <summary>Batch of 64 1×28×28 images through two conv/relu/pool stages and a Linear 3136→10.</summary>
    [Benchmark]
    public float CnnStep() => _cnn.Step(_step++);
}
