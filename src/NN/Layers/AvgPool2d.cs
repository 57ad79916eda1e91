using System.Numerics;

namespace Autograd.NN;

/// <summary>2-D average pooling: y[n, c, i, j] = (1/k²) Σ over the k×k window (zero padding counted).</summary>
public sealed class AvgPool2d<T>(int kernelSize, int? stride = null, int padding = 0) : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Window size.</summary>
    public int KernelSize { get; } = kernelSize;

    /// <summary>Step between windows (defaults to the window size).</summary>
    public int Stride { get; } = stride ?? kernelSize;

    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; } = padding;

    /// <inheritdoc />
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.AvgPool2d(KernelSize, Stride, Padding);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"kernelSize={KernelSize}, stride={Stride}, padding={Padding}";
}
