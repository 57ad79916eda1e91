using System.Numerics;

namespace Autograd.NN;

/// <summary>Leaky ReLU y = x for x &gt; 0, a·x otherwise (a = negative slope, default 0.01).</summary>
public sealed class LeakyReLU<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Slope a for negative inputs.</summary>
    public double NegativeSlope { get; }

    /// <summary>Creates the activation with slope <paramref name="negativeSlope"/> for negative inputs.</summary>
    public LeakyReLU(double negativeSlope = 0.01) => NegativeSlope = negativeSlope;

    /// <summary>Leaky ReLU y = x for x &gt; 0, a·x otherwise (a = negative slope, default 0.01).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.LeakyRelu(T.CreateChecked(NegativeSlope));

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"negativeSlope={NegativeSlope}");
}
