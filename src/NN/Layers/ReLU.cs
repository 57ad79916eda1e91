using System.Numerics;

namespace Autograd.NN;

/// <summary>Rectified linear unit y = max(x, 0); dy/dx = 1 for x &gt; 0, else 0.</summary>
public sealed class ReLU<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Rectified linear unit y = max(x, 0); dy/dx = 1 for x &gt; 0, else 0.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Relu();
}
