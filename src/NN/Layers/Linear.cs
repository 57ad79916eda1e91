using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with W of shape [out, in] and b of shape [out] (see <see cref="Functional.Linear"/>).
/// Initialised as PyTorch does: W by Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in), and b ~ U(−1/√in, 1/√in).
/// </summary>
public sealed class Linear<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of input features (the last dim of the input).</summary>
    public int InFeatures { get; }

    /// <summary>Number of output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight W of shape [out, in].</summary>
    [Parameter]
    public Tensor<T> Weight { get; }

    /// <summary>Bias b of shape [out], or null without bias.</summary>
    [Parameter]
    public Tensor<T>? Bias { get; }

    /// <summary>Creates the layer and initialises its parameters from <paramref name="generator"/>.</summary>
    public Linear(int inFeatures, int outFeatures, Generator generator, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear: feature counts must be positive, got in={inFeatures}, out={outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter(Init.KaimingUniform(Tensor.Zeros<T>(outFeatures, inFeatures), generator, a: Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Bias = Parameter(Init.Uniform(Tensor.Zeros<T>(outFeatures), generator, -bound, bound));
        }
    }

    /// <summary>y = x·Wᵀ + b for x of shape [*, in].</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Functional.Linear(input, Weight, Bias);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"inFeatures={InFeatures}, outFeatures={OutFeatures}, bias={(Bias is not null ? "true" : "false")}";
}
