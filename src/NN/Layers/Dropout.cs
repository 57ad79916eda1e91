using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Inverted dropout (see <see cref="Functional.Dropout"/>): in training each element is zeroed with probability p and
/// the rest scaled by 1/(1 − p); in evaluation mode it is the identity.
/// </summary>
public sealed class Dropout<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Generator _generator;

    /// <summary>Probability of zeroing an element.</summary>
    public double P { get; }

    /// <summary>Creates the layer; masks are drawn from <paramref name="generator"/>.</summary>
    public Dropout(double p, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}");
        P = p;
        _generator = generator;
    }

    /// <summary>x ⊙ m / (1 − p) in training, x in evaluation.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Functional.Dropout(input, P, IsTraining, _generator);

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"p={P}");
}
