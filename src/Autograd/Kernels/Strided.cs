using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Walks strided views: copies them into contiguous buffers and adds them into contiguous buffers.</summary>
internal static class Strided
{
    /// <summary>dst = the elements of <paramref name="src"/> laid out by <paramref name="layout"/> (possibly strided or
    /// broadcast), in row-major order.</summary>
    public static void CopyTo<T>(ReadOnlySpan<T> src, in Layout layout, Span<T> dst) where T : unmanaged
    {
        // An empty view may sit past its array's end (an empty Narrow at the end of a strided dim): nothing to read.
        if (dst.IsEmpty) return;
        if (layout.IsContiguous)
        {
            src.Slice(layout.Offset, dst.Length).CopyTo(dst);
            return;
        }
        var loop = new StridedLoop(layout.Shape, layout.Strides, layout.Strides);
        Rows<T, CopyRun<T>>(src, layout.Offset, ref loop, 0, loop.Rows, dst);
    }

    /// <summary><see cref="CopyTo{T}(ReadOnlySpan{T}, in Layout, Span{T})"/> in parallel chunks when large (a copy: the
    /// split changes no bit). A head split or merge of a transformer copies megabytes here, which on one core left the
    /// others idle.</summary>
    public static void CopyTo<T>(T[] src, in Layout layout, T[] dst) where T : unmanaged
    {
        int n = dst.Length, offset = layout.Offset;
        if (n < Chunks.ParallelWork)
        {
            CopyTo<T>(src, layout, dst.AsSpan());
            return;
        }
        if (layout.IsContiguous)
        {
            Chunks.For(n, Chunks.Grain, (i0, i1) => src.AsSpan(offset + i0, i1 - i0).CopyTo(dst.AsSpan(i0, i1 - i0)));
            return;
        }
        InParallel<T, CopyRun<T>>(src, layout, dst, 0, n);
    }

    /// <summary>
    /// dst[dstStart..+length) op= the elements of <paramref name="src"/> laid out by the strided <paramref name="layout"/>,
    /// in parallel chunks: by rows of the walk, each chunk with its own odometer, or, when the walk is one run (a scalar
    /// broadcast over a megabyte, say), by pieces of that run. Each element is one operation, so the split changes no bit.
    /// </summary>
    private static void InParallel<T, TRun>(T[] src, in Layout layout, T[] dst, int dstStart, int length)
        where T : unmanaged where TRun : IRun<T>
    {
        var whole = new StridedLoop(layout.Shape, layout.Strides, layout.Strides);
        int inner = whole.InnerSize, stride = whole.InnerStrideA, start = layout.Offset;
        if (whole.Rows == 1)
        {
            Chunks.For(length, Chunks.Grain, (i0, i1) => TRun.Run(src, start + i0 * stride, stride, dst.AsSpan(dstStart + i0, i1 - i0)));
            return;
        }
        int[] shape = layout.Shape, strides = layout.Strides;
        Chunks.ForItems((int)whole.Rows, inner, (r0, r1) =>
        {
            var loop = new StridedLoop(shape, strides, strides);
            loop.Seek(r0);
            Rows<T, TRun>(src, start, ref loop, r0, r1, dst.AsSpan(dstStart + r0 * inner, (r1 - r0) * inner));
        });
    }

    /// <summary>Applies <typeparamref name="TRun"/> to outer rows [<paramref name="r0"/>, <paramref name="r1"/>) of the
    /// walk, the odometer standing at row r0, with <paramref name="dst"/> from its start.</summary>
    private static void Rows<T, TRun>(ReadOnlySpan<T> src, int offset, ref StridedLoop loop, long r0, long r1, Span<T> dst)
        where T : unmanaged where TRun : IRun<T>
    {
        int inner = loop.InnerSize, stride = loop.InnerStrideA, pos = 0;
        for (long row = r0; row < r1; row++)
        {
            TRun.Run(src, offset + loop.OffsetA, stride, dst.Slice(pos, inner));
            pos += inner;
            loop.Next();
        }
    }

    /// <summary>What a strided walk does with one run: d[i] op= src[start + i·stride] for every i of d.</summary>
    private interface IRun<T> where T : unmanaged
    {
        static abstract void Run(ReadOnlySpan<T> src, int start, int stride, Span<T> d);
    }

    /// <summary>d[i] = src[start + i·stride].</summary>
    private readonly struct CopyRun<T> : IRun<T> where T : unmanaged
    {
        public static void Run(ReadOnlySpan<T> src, int start, int stride, Span<T> d)
        {
            if (stride == 1) src.Slice(start, d.Length).CopyTo(d);
            else if (stride == 0) d.Fill(src[start]);
            else for (int i = 0; i < d.Length; i++) d[i] = src[start + i * stride];
        }
    }

    /// <summary>d[i] += src[start + i·stride].</summary>
    private readonly struct AddRun<T> : IRun<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static void Run(ReadOnlySpan<T> src, int start, int stride, Span<T> d)
        {
            if (stride == 1) TensorPrimitives.Add(d, src.Slice(start, d.Length), d);
            else if (stride == 0) TensorPrimitives.Add(d, src[start], d);
            else for (int i = 0; i < d.Length; i++) d[i] += src[start + i * stride];
        }
    }

    /// <summary>Writes the row-major values <paramref name="src"/> into the elements of <paramref name="dst"/> laid out by
    /// <paramref name="layout"/> (the inverse of <see cref="CopyTo{T}(ReadOnlySpan{T}, in Layout, Span{T})"/>; the layout must not broadcast).</summary>
    public static void CopyFrom<T>(ReadOnlySpan<T> src, Span<T> dst, in Layout layout) where T : unmanaged
    {
        if (layout.Size == 0) return;
        if (layout.IsContiguous)
        {
            src.Slice(0, layout.Size).CopyTo(dst.Slice(layout.Offset, layout.Size));
            return;
        }
        var loop = new StridedLoop(layout.Shape, layout.Strides, layout.Strides);
        int inner = loop.InnerSize, stride = loop.InnerStrideA, pos = 0;
        for (long row = 0; row < loop.Rows; row++)
        {
            int o = layout.Offset + loop.OffsetA;
            if (stride == 1) src.Slice(pos, inner).CopyTo(dst.Slice(o, inner));
            else for (int i = 0; i < inner; i++) dst[o + i * stride] = src[pos + i];
            pos += inner;
            loop.Next();
        }
    }

    /// <summary>
    /// dst[dstOffset..+length) += the elements of <paramref name="src"/> laid out by <paramref name="layout"/>, in parallel
    /// chunks when large (each element is one addition, so the split changes no bit); a large strided or broadcast source
    /// (the gradient of a Sum, a scalar expanded over a megabyte, added into .Grad) too.
    /// </summary>
    public static void AddInto<T>(T[] src, in Layout layout, T[] dst, int dstOffset, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (layout.IsContiguous)
        {
            int srcOffset = layout.Offset;
            Chunks.For(length, Chunks.Grain, (i0, i1) =>
                TensorPrimitives.Add(dst.AsSpan(dstOffset + i0, i1 - i0), src.AsSpan(srcOffset + i0, i1 - i0), dst.AsSpan(dstOffset + i0, i1 - i0)));
        }
        else if (length < Chunks.ParallelWork) AddInto(src, layout, dst.AsSpan(dstOffset, length));
        else InParallel<T, AddRun<T>>(src, layout, dst, dstOffset, length);
    }

    /// <summary>dst += the elements of <paramref name="src"/> laid out by <paramref name="layout"/> (row-major), for
    /// accumulating gradients in place; strided sources are walked row by row.</summary>
    public static void AddInto<T>(ReadOnlySpan<T> src, in Layout layout, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (layout.IsContiguous)
        {
            TensorPrimitives.Add(dst, src.Slice(layout.Offset, dst.Length), dst);
            return;
        }
        var loop = new StridedLoop(layout.Shape, layout.Strides, layout.Strides);
        Rows<T, AddRun<T>>(src, layout.Offset, ref loop, 0, loop.Rows, dst);
    }
}

/// <summary>
/// Odometer over all but the innermost dimension of up to two strided operands, after merging
/// dimensions that are contiguous in both and dropping size-1 dimensions, so the inner run is as long as possible.
/// </summary>
internal struct StridedLoop
{
    private readonly int[] _shape;
    private readonly int[] _stridesA;
    private readonly int[] _stridesB;
    private readonly int[] _index;
    public readonly int InnerSize;
    public readonly int InnerStrideA;
    public readonly int InnerStrideB;
    public readonly long Rows;
    public int OffsetA;
    public int OffsetB;

    public StridedLoop(int[] shape, int[] stridesA, int[] stridesB)
    {
        var dims = new List<(int Size, int A, int B)>(shape.Length);
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (dims.Count > 0)
            {
                var last = dims[^1];
                // Merge dim i into the previous one when both operands step through them as one run.
                if (last.A == stridesA[i] * shape[i] && last.B == stridesB[i] * shape[i])
                {
                    dims[^1] = (last.Size * shape[i], stridesA[i], stridesB[i]);
                    continue;
                }
            }
            dims.Add((shape[i], stridesA[i], stridesB[i]));
        }
        if (dims.Count == 0) dims.Add((Shapes.Size(shape), 1, 1));
        var inner = dims[^1];
        InnerSize = inner.Size;
        InnerStrideA = inner.A;
        InnerStrideB = inner.B;
        int outer = dims.Count - 1;
        _shape = new int[outer];
        _stridesA = new int[outer];
        _stridesB = new int[outer];
        _index = new int[outer];
        long rows = 1;
        for (int i = 0; i < outer; i++)
        {
            _shape[i] = dims[i].Size;
            _stridesA[i] = dims[i].A;
            _stridesB[i] = dims[i].B;
            rows *= dims[i].Size;
        }
        Rows = InnerSize == 0 ? 0 : rows;
        OffsetA = 0;
        OffsetB = 0;
    }

    /// <summary>Positions the odometer at outer row <paramref name="row"/> (rows counted from 0), so chunks of rows can run independently.</summary>
    public void Seek(long row)
    {
        OffsetA = 0;
        OffsetB = 0;
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            int i = (int)(row % _shape[d]);
            row /= _shape[d];
            _index[d] = i;
            OffsetA += i * _stridesA[d];
            OffsetB += i * _stridesB[d];
        }
    }

    public void Next()
    {
        for (int d = _shape.Length - 1; d >= 0; d--)
        {
            OffsetA += _stridesA[d];
            OffsetB += _stridesB[d];
            if (++_index[d] < _shape[d]) return;
            OffsetA -= _stridesA[d] * _shape[d];
            OffsetB -= _stridesB[d] * _shape[d];
            _index[d] = 0;
        }
    }
}
