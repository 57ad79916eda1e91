using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// 2-D convolution layer: y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] with W of shape [out, in/groups, kh, kw]
/// (see <see cref="Tensor{T}.Conv2d(Tensor{T}, Tensor{T}?, int, int, int)"/>; with <see cref="Groups"/> &gt; 1 output
/// channel o sees only the input channels of its group, as PyTorch's <c>groups</c>). Initialised as PyTorch does:
/// W by Kaiming-uniform with a = √5, i.e. U(−1/√fanIn, 1/√fanIn) with fanIn = (in/groups)·kh·kw, and
/// b ~ U(−1/√fanIn, 1/√fanIn).
/// </summary>
public sealed class Conv2d<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size (height, width).</summary>
    public (int H, int W) KernelSize { get; }

    /// <summary>Stride (vertical, horizontal).</summary>
    public (int H, int W) Stride { get; }

    /// <summary>Zero padding (rows, columns) on each side.</summary>
    public (int H, int W) Padding { get; }

    /// <summary>Dilation (vertical, horizontal).</summary>
    public (int H, int W) Dilation { get; }

    /// <summary>Groups the channels are split into (PyTorch's groups; 1 by default, in = out = groups is depthwise).</summary>
    public int Groups { get; }

    /// <summary>Weight of shape [out, in/groups, kh, kw].</summary>
    [Parameter]
    public Tensor<T> Weight { get; }

    /// <summary>Bias of shape [out], or null without bias.</summary>
    [Parameter]
    public Tensor<T>? Bias { get; }

    /// <summary>Creates a square-kernel convolution with the same stride, padding and dilation on both axes.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, Generator generator, int stride = 1, int padding = 0,
        int dilation = 1, bool bias = true, int groups = 1)
        : this(inChannels, outChannels, (kernelSize, kernelSize), generator, (stride, stride), (padding, padding), (dilation, dilation), bias, groups) { }

    /// <summary>Creates a convolution with per-axis kernel size, stride, padding and dilation.</summary>
    /// <exception cref="ArgumentException"><paramref name="groups"/> does not divide both channel counts.</exception>
    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, Generator generator, (int H, int W) stride,
        (int H, int W) padding, (int H, int W) dilation, bool bias = true, int groups = 1)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (inChannels <= 0 || outChannels <= 0 || kernelSize.H <= 0 || kernelSize.W <= 0)
            throw new ArgumentOutOfRangeException(nameof(inChannels), $"Conv2d: channels and kernel size must be positive, got in={inChannels}, out={outChannels}, kernel={kernelSize}");
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups must be at least 1 and divide in={inChannels} and out={outChannels}, got groups={groups}");
        InChannels = inChannels;
        Groups = groups;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Dilation = dilation;
        Weight = Parameter(Init.KaimingUniform(Tensor.Zeros<T>(outChannels, inChannels / groups, kernelSize.H, kernelSize.W), generator, a: Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inChannels / groups * kernelSize.H * kernelSize.W);
            Bias = Parameter(Init.Uniform(Tensor.Zeros<T>(outChannels), generator, -bound, bound));
        }
    }

    /// <summary>Convolves x of shape [N, in, H, W] into [N, out, H', W'].</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Conv2d(Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <inheritdoc />
    protected override string ExtraRepr() =>
        $"{InChannels}, {OutChannels}, kernelSize={KernelSize}, stride={Stride}, padding={Padding}" +
        (Dilation != (1, 1) ? $", dilation={Dilation}" : "") + (Groups != 1 ? $", groups={Groups}" : "") + (Bias is null ? ", bias=false" : "");
}
