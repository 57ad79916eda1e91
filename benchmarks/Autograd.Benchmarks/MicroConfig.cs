using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;

namespace Autograd.Benchmarks;

/// <summary>BenchmarkDotNet defaults plus allocation counts; pass <c>--job short</c> for a faster, rougher run.</summary>
internal sealed class MicroConfig : ManualConfig
{
    public MicroConfig()
    {
        Add(DefaultConfig.Instance);
        AddDiagnoser(MemoryDiagnoser.Default);
    }
}
