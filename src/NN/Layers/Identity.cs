using System.Numerics;

namespace Autograd.NN;

/// <summary>The identity y = x (a placeholder, e.g. for a skipped projection).</summary>
public sealed class Identity<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The identity y = x (a placeholder, e.g. for a skipped projection).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => input;
}
