using System.Numerics;
using Autograd.Kernels;
using BenchmarkDotNet.Attributes;

namespace Autograd.Benchmarks.Micro;

/// <summary>Square C = A·B through <see cref="Gemm.Multiply{T}"/> on every kernel path this CPU supports, and through Tensor.MatMul.</summary>
[GenericTypeArguments(typeof(float))]
[GenericTypeArguments(typeof(double))]
public class GemmBenchmarks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private T[] _a = [], _b = [], _c = [];
    private Tensor<T> _ta = null!, _tb = null!;

    [Params(128, 512, 1024)]
    public int N { get; set; }

    [ParamsSource(nameof(Paths))]
    public KernelPath Path { get; set; }

    /// <summary>The explicit paths this machine can run (Auto is what MatMul uses).</summary>
    public static IEnumerable<KernelPath> Paths() =>
        new[] { KernelPath.Avx512, KernelPath.Avx2, KernelPath.Portable }.Where(KernelPaths.IsSupported);

    [GlobalSetup]
    public void Setup()
    {
        var g = new Generator(7);
        _ta = Tensor.Randn<T>([N, N], g);
        _tb = Tensor.Randn<T>([N, N], g);
        _a = _ta.ToArray();
        _b = _tb.ToArray();
        _c = new T[N * N];
    }

    [Benchmark]
    public void Multiply() => Gemm.Multiply(_a, 0, N, false, _b, 0, N, false, _c, 0, N, N, N, N, accumulate: false, Path);

    /// <summary>The same product as users get it (Auto path, fresh result tensor); identical across Path values.</summary>
    [Benchmark]
    public Tensor<T> TensorMatMul() => _ta.MatMul(_tb);
}
