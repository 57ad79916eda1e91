using System.Numerics;

namespace Autograd.Kernels;

/// <summary>A unary kernel over contiguous spans (a small struct so calls devirtualise).</summary>
internal interface IUnaryKernel<T>
{
    void Invoke(ReadOnlySpan<T> x, Span<T> destination);
}

/// <summary>A binary kernel with the span/span, span/scalar and scalar/span forms TensorPrimitives offers.</summary>
internal interface IBinaryKernel<T>
{
    T Invoke(T x, T y);
    void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination);
    void Invoke(ReadOnlySpan<T> x, T y, Span<T> destination);
    void Invoke(T x, ReadOnlySpan<T> y, Span<T> destination);
}

/// <summary>Runs unary and broadcasting binary kernels over tensors, choosing the longest contiguous inner runs.</summary>
internal static class Elementwise
{
    public static Tensor<T> Unary<T, TKernel>(Tensor<T> x, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T>
    {
        var result = new T[x.NumElements];
        if (x.IsContiguous) kernel.Invoke(x.Storage.AsSpan(x.Offset, result.Length), result);
        else
        {
            Strided.CopyTo(x, result);
            kernel.Invoke(result, result);
        }
        return new Tensor<T>(result, (int[])x.Dims.Clone());
    }

    public static Tensor<T> Binary<T, TKernel>(string op, Tensor<T> a, Tensor<T> b, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IBinaryKernel<T>
    {
        int[] shape = Shapes.Equal(a.Dims, b.Dims) ? (int[])a.Dims.Clone() : Shapes.Broadcast(op, a.Dims, b.Dims);
        var dst = new T[Shapes.Size(shape)];
        if (dst.Length == 0) return new Tensor<T>(dst, shape);
        if (a.IsContiguous && b.IsContiguous)
        {
            if (a.NumElements == dst.Length && b.NumElements == dst.Length)
            {
                kernel.Invoke(a.Storage.AsSpan(a.Offset, dst.Length), b.Storage.AsSpan(b.Offset, dst.Length), dst);
                return new Tensor<T>(dst, shape);
            }
            if (b.NumElements == 1 && a.NumElements == dst.Length)
            {
                kernel.Invoke(a.Storage.AsSpan(a.Offset, dst.Length), b.Storage[b.Offset], dst);
                return new Tensor<T>(dst, shape);
            }
            if (a.NumElements == 1 && b.NumElements == dst.Length)
            {
                kernel.Invoke(a.Storage[a.Offset], b.Storage.AsSpan(b.Offset, dst.Length), dst);
                return new Tensor<T>(dst, shape);
            }
        }
        var sa = Shapes.BroadcastStrides(a.Dims, a.Strides, shape);
        var sb = Shapes.BroadcastStrides(b.Dims, b.Strides, shape);
        var loop = new StridedLoop(shape, sa, sb);
        int n = loop.InnerSize, ia = loop.InnerStrideA, ib = loop.InnerStrideB;
        T[] da = a.Storage, db = b.Storage;
        int pos = 0;
        for (long row = 0; row < loop.Rows; row++)
        {
            int oa = a.Offset + loop.OffsetA, ob = b.Offset + loop.OffsetB;
            var d = dst.AsSpan(pos, n);
            if (ia == 1 && ib == 1) kernel.Invoke(da.AsSpan(oa, n), db.AsSpan(ob, n), d);
            else if (ia == 1 && ib == 0) kernel.Invoke(da.AsSpan(oa, n), db[ob], d);
            else if (ia == 0 && ib == 1) kernel.Invoke(da[oa], db.AsSpan(ob, n), d);
            else for (int i = 0; i < n; i++) d[i] = kernel.Invoke(da[oa + i * ia], db[ob + i * ib]);
            pos += n;
            loop.Next();
        }
        return new Tensor<T>(dst, shape);
    }
}
