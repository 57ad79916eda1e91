using Autograd.NN;
using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks.Micro;

/// <summary>Softmax forward, and cross-entropy forward + backward, over [128, classes] logits.</summary>
public class SoftmaxBenchmarks
{
    private Tensor<float> _logits = null!, _leaf = null!;
    private int[] _labels = [];

    [Params(10, 1000)]
    public int Classes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(9);
        _logits = Tensor.Randn<float>([128, Classes], g);
        _leaf = Tensor.Randn<float>([128, Classes], g, requiresGrad: true);
        _labels = [.. Enumerable.Range(0, 128).Select(_ => g.NextInt(Classes))];
    }

    [Benchmark]
    public Tensor<float> Softmax() => _logits.Softmax(1);

    [Benchmark]
    public Tensor<float> CrossEntropyForwardBackward()
    {
        _leaf.Grad = null;
        Losses.CrossEntropy(_leaf, _labels).Backward();
        return _leaf.Grad!;
    }
}
