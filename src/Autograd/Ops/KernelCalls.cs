using System.Numerics;
using System.Runtime.CompilerServices;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// How ops hand tensors to kernels: storage plus a Layout in, a result buffer from the pool out. Kernels never see a
// tensor; the result tensor is made here, on the Ops side.
public sealed partial class Tensor<T>
{
    /// <summary>Where this tensor's elements sit in <see cref="Storage"/>.</summary>
    internal Layout Layout => new(Dims, Strides, Offset, NumElements, IsContiguous);

    /// <summary>y = kernel(x) elementwise: a new contiguous tensor of x's shape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor<T> ApplyUnary<TKernel>(Tensor<T> x, TKernel kernel) where TKernel : struct, IUnaryKernel<T>
    {
        var y = Buffers.Rent<T>(clear: false, length: x.NumElements);
        if (x.IsContiguous) Elementwise.Unary(x.Storage, x.Offset, kernel, y);
        else Elementwise.Unary(x.Storage, x.Layout, kernel, y);
        return new Tensor<T>(y, x);
    }

    /// <summary>y = kernel(a, b) elementwise with broadcasting (<paramref name="op"/> names a shape mismatch).</summary>
    internal static Tensor<T> ApplyBinary<TKernel>(string op, Tensor<T> a, Tensor<T> b, TKernel kernel) where TKernel : struct, IBinaryKernel<T>
    {
        int[] shape = Shapes.Equal(a.Dims, b.Dims) ? a.Dims : Shapes.Broadcast(op, a.Dims, b.Dims);
        var y = Buffers.Rent<T>(clear: false, length: Shapes.Size(shape));
        Elementwise.Binary(a.Storage, a.Layout, b.Storage, b.Layout, shape, kernel, y);
        return new Tensor<T>(y, shape);
    }
}
