using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks.Micro;

/// <summary>The quick benchmark's scalar chain: 30,000 recorded float32 nodes, forward and backward (graph overhead per node).</summary>
public class ScalarChainBenchmarks
{
    [Benchmark(OperationsPerInvoke = Workloads.ScalarChainNodes)]
    public float ForwardBackward() => Workloads.ScalarChain();

    /// <summary>The same arithmetic with nothing recorded: the cost of a tiny op without the graph.</summary>
    [Benchmark(OperationsPerInvoke = Workloads.ScalarChainNodes)]
    public float ForwardNoGrad()
    {
        var y = Tensor.Scalar(0.5f);
        for (int i = 0; i < Workloads.ScalarChainLength; i++) y = (y * 1.0001f + 0.001f).Tanh();
        return y.Item();
    }
}
