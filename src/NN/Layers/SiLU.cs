using System.Numerics;

namespace Autograd.NN;

/// <summary>SiLU (swish) y = x·σ(x); dy/dx = σ(x)(1 + x(1 − σ(x))).</summary>
public sealed class SiLU<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>SiLU (swish) y = x·σ(x); dy/dx = σ(x)(1 + x(1 − σ(x))).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Silu();
}
