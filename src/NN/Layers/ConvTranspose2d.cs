using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// 2-D transposed convolution layer (PyTorch's <c>nn.ConvTranspose2d</c>; see
/// <see cref="Tensor{T}.ConvTranspose2d(Tensor{T}, Tensor{T}?, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int})"/>):
/// each input pixel scatters x[n, c]·W[c, o] into the output, which is (H − 1)·s − 2·pad + d·(k − 1) + outputPadding + 1
/// high (and as wide). W has PyTorch's shape [in, out/groups, kh, kw]; with groups the input channels of group k scatter
/// only into its output channels (see the grouped
/// <see cref="Tensor{T}.ConvTranspose2d(Tensor{T}, Tensor{T}?, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, int)"/>).
/// Initialised as PyTorch does: W by Kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn) with
/// fanIn = (out/groups)·kh·kw (the weight's second dim times the kernel, as PyTorch computes it for this layout), and
/// b ~ U(−1/√fanIn, 1/√fanIn).
/// </summary>
public sealed class ConvTranspose2d<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size (height, width).</summary>
    public (int H, int W) KernelSize { get; }

    /// <summary>Stride (vertical, horizontal).</summary>
    public (int H, int W) Stride { get; }

    /// <summary>Padding (rows, columns) taken off each side of the full output.</summary>
    public (int H, int W) Padding { get; }

    /// <summary>Rows and columns added at the bottom and right (below the stride), to pick the output size.</summary>
    public (int H, int W) OutputPadding { get; }

    /// <summary>Dilation (vertical, horizontal).</summary>
    public (int H, int W) Dilation { get; }

    /// <summary>Groups the channels are split into (PyTorch's groups; 1 by default).</summary>
    public int Groups { get; }

    /// <summary>Weight of shape [in, out/groups, kh, kw].</summary>
    [Parameter]
    public Tensor<T> Weight { get; }

    /// <summary>Bias of shape [out], or null without bias.</summary>
    [Parameter]
    public Tensor<T>? Bias { get; }

    /// <summary>Creates a square-kernel transposed convolution with the same stride, padding, output padding and dilation on both axes.</summary>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int outputPadding = 0, bool bias = true, int dilation = 1, int groups = 1)
        : this(inChannels, outChannels, (kernelSize, kernelSize), generator, (stride, stride), (padding, padding),
            (outputPadding, outputPadding), (dilation, dilation), bias, groups) { }

    /// <summary>Creates a transposed convolution with per-axis kernel size, stride, padding, output padding and dilation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A channel count or kernel size is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide both channel counts.</exception>
    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, Generator generator, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) outputPadding, (int H, int W) dilation, bool bias = true, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inChannels <= 0 || outChannels <= 0 || kernelSize.H <= 0 || kernelSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"ConvTranspose2d: channels and kernel size must be positive, got in={inChannels}, out={outChannels}, kernel={kernelSize}");
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"ConvTranspose2d: groups must be at least 1 and divide in={inChannels} and out={outChannels}, got groups={groups}");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        OutputPadding = outputPadding;
        Dilation = dilation;
        Groups = groups;
        Weight = Parameter(Init.KaimingUniform(Tensor.Zeros<T>(inChannels, outChannels / groups, kernelSize.H, kernelSize.W), generator, a: Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(outChannels / groups * kernelSize.H * kernelSize.W);
            Bias = Parameter(Init.Uniform(Tensor.Zeros<T>(outChannels), generator, -bound, bound));
        }
    }

    /// <summary>Maps x of shape [N, in, H, W] to [N, out, H', W'].</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) =>
        input.ConvTranspose2d(Weight, Bias, Stride, Padding, OutputPadding, Dilation, Groups);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernelSize={KernelSize}, stride={Stride}, padding={Padding}" +
        (OutputPadding != (0, 0) ? $", outputPadding={OutputPadding}" : "") + (Dilation != (1, 1) ? $", dilation={Dilation}" : "") +
        (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=false" : "");
}
