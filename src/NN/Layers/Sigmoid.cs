using System.Numerics;

namespace Autograd.NN;

/// <summary>Logistic sigmoid y = σ(x) = 1 / (1 + e⁻ˣ); dy/dx = y(1 − y).</summary>
public sealed class Sigmoid<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Logistic sigmoid y = σ(x) = 1 / (1 + e⁻ˣ); dy/dx = y(1 − y).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Sigmoid();
}
