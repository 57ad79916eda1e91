using System.Numerics;

namespace Autograd;

public static partial class Tensor
{
    /// <summary>
    /// A tensor of <paramref name="shape"/> over <paramref name="data"/> itself, not a copy (row-major): the tensor
    /// aliases the array, so writing to either changes both. For data that is built once and handed over, such as a
    /// batch assembled by a data loader, where <see cref="FromArray{T}(T[], int[], bool)"/> would copy it again.
    /// The caller must not change the array while the tensor is used in a recorded graph.
    /// </summary>
    public static Tensor<T> Wrap<T>(T[] data, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        Shapes.CheckShape("Wrap", shape);
        return FromArrayNoCopy(data, (int[])shape.Clone());
    }
}
