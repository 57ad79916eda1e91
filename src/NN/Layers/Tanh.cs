using System.Numerics;

namespace Autograd.NN;

/// <summary>Hyperbolic tangent y = tanh x; dy/dx = 1 − y².</summary>
public sealed class Tanh<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Hyperbolic tangent y = tanh x; dy/dx = 1 − y².</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Tanh();
}
