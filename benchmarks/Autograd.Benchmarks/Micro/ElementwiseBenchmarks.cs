using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks.Micro;

/// <summary>Forward elementwise ops on float tensors: add with a broadcast row, exp, relu.</summary>
public class ElementwiseBenchmarks
{
    private Tensor<float> _x = null!, _row = null!, _y = null!;

    /// <summary>Number of elements: one tiny, one cache-resident, one beyond L2.</summary>
    [Params(1_024, 65_536, 1_048_576)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(8);
        int cols = 256;
        _x = Tensor.Randn<float>([Size / cols, cols], g);
        _y = Tensor.Randn<float>([Size / cols, cols], g);
        _row = Tensor.Randn<float>([cols], g);
    }

    [Benchmark]
    public Tensor<float> Add() => _x + _y;

    /// <summary>[rows, 256] + [256]: the bias add of a Linear layer.</summary>
    [Benchmark]
    public Tensor<float> AddBroadcast() => _x + _row;

    [Benchmark]
    public Tensor<float> Exp() => _x.Exp();

    [Benchmark]
    public Tensor<float> Relu() => _x.Relu();
}
