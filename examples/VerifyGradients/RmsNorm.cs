using Autograd;
using Autograd.NN;

namespace VerifyGradients;

/// <summary>
/// A custom layer: root-mean-square normalisation over the last dim with a learned gain,
/// y = x / √(mean(x²) + ε) ⊙ γ (Zhang &amp; Sennrich 2019). Written with built-in ops, so its backward is the engine's;
/// the property verifies the composition, with respect to the input and to the gain.
/// </summary>
public sealed class RmsNorm : Module<double>
{
    /// <summary>ε inside the root, for inputs near 0.</summary>
    public const double Eps = 1e-6;

    /// <summary>The gain γ of shape [features], initialised to ones.</summary>
    [Parameter]
    public Tensor<double> Weight { get; }

    /// <summary>Creates the layer for inputs whose last dim has <paramref name="features"/> elements.</summary>
    public RmsNorm(int features) => Weight = Parameter(Tensor.Ones<double>(features));

    /// <summary>The functional form: y = x / √(mean over the last dim of x² + ε) ⊙ γ.</summary>
    public static Tensor<double> Apply(Tensor<double> x, Tensor<double> weight) =>
        x / (x.Square().Mean(-1, keepDim: true) + Eps).Sqrt() * weight;

    /// <inheritdoc />
    protected override Tensor<double> ForwardCore(Tensor<double> input) => Apply(input, Weight);
}
