using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Layer normalisation over the trailing dims <see cref="NormalizedShape"/>: y = (x − μ) / √(σ² + ε) · γ + β with
/// per-sample statistics, the same in training and evaluation (see <see cref="Functional.LayerNorm"/>).
/// </summary>
public sealed class LayerNorm<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[] _normalizedShape;

    /// <summary>The trailing dims normalised over, e.g. [hidden].</summary>
    public IReadOnlyList<int> NormalizedShape => _normalizedShape;

    /// <summary>ε added to the variance (default 1e-5).</summary>
    public double Eps { get; }

    /// <summary>Scale γ of <see cref="NormalizedShape"/> (ones at start), or null without elementwise affine.</summary>
    [Parameter]
    public Tensor<T>? Weight { get; }

    /// <summary>Shift β of <see cref="NormalizedShape"/> (zeros at start), or null without elementwise affine.</summary>
    [Parameter]
    public Tensor<T>? Bias { get; }

    /// <summary>Creates the layer over trailing dims <paramref name="normalizedShape"/>.</summary>
    public LayerNorm(int[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        ArgumentNullException.ThrowIfNull(normalizedShape);
        if (normalizedShape.Length == 0 || normalizedShape.Any(static d => d <= 0))
            throw new ArgumentException($"LayerNorm: normalized shape must be non-empty with positive sizes, got {TensorShape.Format(normalizedShape)}");
        _normalizedShape = (int[])normalizedShape.Clone();
        Eps = eps;
        if (elementwiseAffine)
        {
            Weight = Parameter(Tensor.Full(_normalizedShape, T.One));
            Bias = Parameter(Tensor.Full(_normalizedShape, T.Zero));
        }
    }

    /// <summary>Creates the layer over the last dim of size <paramref name="features"/>.</summary>
    public LayerNorm(int features, double eps = 1e-5, bool elementwiseAffine = true) : this([features], eps, elementwiseAffine) { }

    /// <summary>Normalises each sample's trailing block.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Functional.LayerNorm(input, _normalizedShape, Weight, Bias, Eps);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{TensorShape.Format(_normalizedShape)}, eps={Eps.ToString("G", CultureInfo.InvariantCulture).Replace('E', 'e')}, elementwiseAffine={(Weight is not null ? "true" : "false")}");
}
