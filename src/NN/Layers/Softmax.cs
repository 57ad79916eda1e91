using System.Numerics;

namespace Autograd.NN;

/// <summary>Softmax along Dim: yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ).</summary>
public sealed class Softmax<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The dim the probabilities sum to 1 along.</summary>
    public int Dim { get; }

    /// <summary>Creates the layer normalising along <paramref name="dim"/>.</summary>
    public Softmax(int dim) => Dim = dim;

    /// <summary>Softmax along Dim: yᵢ = exp(xᵢ) / Σⱼ exp(xⱼ).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Softmax(Dim);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"dim={Dim}";
}
