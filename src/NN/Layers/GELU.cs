using System.Numerics;

namespace Autograd.NN;

/// <summary>GELU y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), or with the tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
public sealed class GELU<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the tanh approximation is used.</summary>
    public bool TanhApproximation { get; }

    /// <summary>Creates the activation (exact erf form unless <paramref name="tanhApproximation"/>).</summary>
    public GELU(bool tanhApproximation = false) => TanhApproximation = tanhApproximation;

    /// <summary>GELU y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)), or with the tanh approximation 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Gelu(TanhApproximation);

    /// <inheritdoc />
    protected override string ExtraRepr() => TanhApproximation ? "approximate=tanh" : "";
}
