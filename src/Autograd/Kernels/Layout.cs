namespace Autograd.Kernels;

/// <summary>
/// Where an operand's elements sit in its storage: element (i₀, …, iₙ₋₁) is at
/// <see cref="Offset"/> + Σ_d i_d·<see cref="Strides"/>[d]. Kernels receive storage and a layout, never a tensor, so a
/// second backend can implement them over its own memory. The arrays are shared, not copied: never mutate them.
/// </summary>
internal readonly struct Layout
{
    /// <summary>Size of each dimension.</summary>
    public readonly int[] Shape;

    /// <summary>Storage distance between neighbours along each dimension (0 along a broadcast one).</summary>
    public readonly int[] Strides;

    /// <summary>Index of the first element in the storage.</summary>
    public readonly int Offset;

    /// <summary>Number of elements, Π shape.</summary>
    public readonly int Size;

    /// <summary>Whether the elements are row-major without gaps from <see cref="Offset"/>.</summary>
    public readonly bool IsContiguous;

    /// <summary>A layout whose size and contiguity the caller already knows (a tensor computes them once).</summary>
    public Layout(int[] shape, int[] strides, int offset, int size, bool isContiguous)
    {
        Shape = shape;
        Strides = strides;
        Offset = offset;
        Size = size;
        IsContiguous = isContiguous;
    }

    /// <summary>A row-major layout of <paramref name="shape"/> starting at <paramref name="offset"/>.</summary>
    public static Layout Contiguous(int[] shape, int offset = 0) =>
        new(shape, Shapes.ContiguousStrides(shape), offset, Shapes.Size(shape), true);

    /// <summary>This layout's elements viewed with <paramref name="shape"/> by broadcasting (stride 0 along new or size-1 dims).</summary>
    public Layout BroadcastTo(int[] shape) =>
        new(shape, Shapes.BroadcastStrides(Shape, Strides, shape), Offset, Shapes.Size(shape), Shapes.Equal(shape, Shape) && IsContiguous);
}
