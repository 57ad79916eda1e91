using System.Numerics;

namespace Autograd.NN;

/// <summary>Shape checks and reductions shared by the losses.</summary>
internal static class LossHelpers
{
    /// <summary>Throws unless input and target have the same shape, naming the loss and both shapes.</summary>
    public static void CheckSameShape<T>(string loss, Tensor<T> input, Tensor<T> target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(target);
        if (!input.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException($"{loss}: input shape {TensorShape.Format(input.Shape)} differs from target shape {TensorShape.Format(target.Shape)}");
    }

    /// <summary>Mean, sum or nothing over every element of <paramref name="pointwise"/>; BatchMean is rejected (KLDivLoss handles it itself).</summary>
    public static Tensor<T> Reduce<T>(string loss, Tensor<T> pointwise, Reduction reduction) where T : unmanaged, IFloatingPointIeee754<T> =>
        reduction switch
        {
            Reduction.Mean => pointwise.Mean(),
            Reduction.Sum => pointwise.Sum(),
            Reduction.None => pointwise,
            Reduction.BatchMean => throw new ArgumentException($"{loss}: reduction BatchMean is only defined for KLDivLoss; use Mean, Sum or None"),
            _ => throw new ArgumentOutOfRangeException(nameof(reduction), $"{loss}: unknown reduction {reduction}"),
        };

    /// <summary>Throws unless <paramref name="weight"/> (if given) broadcasts to <paramref name="shape"/>.</summary>
    public static void CheckBroadcastable<T>(string loss, string what, Tensor<T>? weight, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (weight is null) return;
        try
        {
            var result = TensorShape.Broadcast([.. weight.Shape], shape);
            if (!result.AsSpan().SequenceEqual(shape)) throw new ArgumentException("grows the input");
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"{loss}: {what} of shape {TensorShape.Format(weight.Shape)} does not broadcast to the input shape {TensorShape.Format(shape)}");
        }
    }
}
