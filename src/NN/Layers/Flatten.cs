using System.Numerics;

namespace Autograd.NN;

/// <summary>Collapses dims <see cref="StartDim"/>..<see cref="EndDim"/> into one: [N, C, H, W] → [N, C·H·W] by default.</summary>
public sealed class Flatten<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>First dim to collapse (default 1, keeping the batch dim).</summary>
    public int StartDim { get; }

    /// <summary>Last dim to collapse (default −1, the last).</summary>
    public int EndDim { get; }

    /// <summary>Creates the layer.</summary>
    public Flatten(int startDim = 1, int endDim = -1)
    {
        StartDim = startDim;
        EndDim = endDim;
    }

    /// <summary>x.Flatten(start, end); the gradient is reshaped back.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input.Flatten(StartDim, EndDim);

    /// <inheritdoc />
    protected override string ExtraRepr() => $"startDim={StartDim}, endDim={EndDim}";
}
