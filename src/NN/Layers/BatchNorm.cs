using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Shared state and forward pass of <see cref="BatchNorm1d{T}"/> and <see cref="BatchNorm2d{T}"/>:
/// y = (x − μ) / √(σ² + ε) · γ + β per channel (dim 1), with batch statistics in training and the running estimates
/// (buffers, updated with momentum and the unbiased variance) in evaluation. See <see cref="Functional.BatchNorm"/>.
/// </summary>
public abstract class BatchNorm<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of channels C.</summary>
    public int NumFeatures { get; }

    /// <summary>ε added to the variance (default 1e-5).</summary>
    public double Eps { get; }

    /// <summary>Weight of the newest batch in the running estimates (default 0.1).</summary>
    public double Momentum { get; }

    /// <summary>Scale γ of shape [C] (ones at start), or null without affine parameters.</summary>
    [Parameter]
    public Tensor<T>? Weight { get; }

    /// <summary>Shift β of shape [C] (zeros at start), or null without affine parameters.</summary>
    [Parameter]
    public Tensor<T>? Bias { get; }

    /// <summary>Running estimate of the per-channel mean (zeros at start).</summary>
    [Buffer]
    public Tensor<T> RunningMean { get; }

    /// <summary>Running estimate of the per-channel unbiased variance (ones at start).</summary>
    [Buffer]
    public Tensor<T> RunningVar { get; }

    /// <summary>Number of training batches seen (a 0-d counter, saved as I64 as PyTorch's "num_batches_tracked"); each
    /// forward pass in training mode adds one (exact up to 2²⁴ batches in float, 2⁵³ in double). The running estimates
    /// use <see cref="Momentum"/>, not this count.</summary>
    [Buffer(Integer = true)]
    public Tensor<T> NumBatchesTracked { get; }

    /// <summary>Creates the layer with γ = 1, β = 0, running mean 0 and running variance 1.</summary>
    protected BatchNorm(int numFeatures, double eps, double momentum, bool affine)
    {
        if (numFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(numFeatures), $"{TypeName}: numFeatures must be positive, got {numFeatures}");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"{TypeName}: eps must be non-negative, got {eps}");
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), $"{TypeName}: momentum must be in [0, 1], got {momentum}");
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        if (affine)
        {
            Weight = Parameter(Tensor.Full([numFeatures], T.One));
            Bias = Parameter(Tensor.Full([numFeatures], T.Zero));
        }
        RunningMean = Tensor.Zeros<T>(numFeatures);
        RunningVar = Tensor.Ones<T>(numFeatures);
        NumBatchesTracked = Tensor.Zeros<T>([]);
    }

    /// <summary>Whether <paramref name="rank"/> is an input rank this layer accepts.</summary>
    protected abstract bool AcceptsRank(int rank);

    /// <summary>The accepted input layouts, for error messages, e.g. "[N, C] or [N, C, L]".</summary>
    protected abstract string ExpectedLayout { get; }

    /// <summary>Normalises each channel with batch statistics (training) or running estimates (evaluation).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!AcceptsRank(input.Rank))
            throw new ArgumentException($"{TypeName}: expected input {ExpectedLayout}, got shape {TensorShape.Format(input.Shape)}");
        if (input.Shape[1] != NumFeatures)
            throw new ArgumentException($"{TypeName}: input has {input.Shape[1]} channels, expected {NumFeatures} (input shape {TensorShape.Format(input.Shape)})");
        var output = Functional.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, IsTraining, Momentum, Eps);
        if (IsTraining) NumBatchesTracked.AddInPlace(T.One);
        return output;
    }

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{NumFeatures}, eps={Eps.ToString("G", CultureInfo.InvariantCulture).Replace('E', 'e')}, momentum={Momentum}, affine={(Weight is not null ? "true" : "false")}");
}
