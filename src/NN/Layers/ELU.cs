using System.Numerics;

namespace Autograd.NN;

/// <summary>Exponential linear unit y = x for x &gt; 0, α(eˣ − 1) otherwise (default α = 1).</summary>
public sealed class ELU<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Scale α of the negative branch.</summary>
    public double Alpha { get; }

    /// <summary>Creates the activation with scale <paramref name="alpha"/>.</summary>
    public ELU(double alpha = 1.0) => Alpha = alpha;

    /// <summary>Exponential linear unit y = x for x &gt; 0, α(eˣ − 1) otherwise (default α = 1).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Elu(T.CreateChecked(Alpha));

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"alpha={Alpha}");
}
