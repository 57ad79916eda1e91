using System.Numerics;
using Autograd.Engine;

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

/// <summary>
/// Splits [0, n) into chunks of a fixed grain and runs them on all cores. Chunk boundaries depend only on n and the
/// grain, never on the number of threads or on scheduling, so reductions that combine per-chunk results in chunk order
/// are bit-for-bit deterministic.
/// </summary>
internal static class Chunks
{
    /// <summary>Elements per chunk for memory-bound passes (64K).</summary>
    public const int Grain = 1 << 16;

    /// <summary>
    /// Work (in elements) below which a pass runs on the calling thread. With the polling <see cref="Workers"/> a fork
    /// costs a few microseconds, so passes from 256K elements (about 0.1 ms of streaming) go parallel; measured on the
    /// shared 2-core machine: a bias add over [64, 32, 28, 28] 0.54 → 0.17–0.21 ms, a ReLU 0.38 → 0.18–0.21 ms (best of
    /// 200, threshold 4M vs 256K). Chunk boundaries do not depend on it, so neither do results.
    /// </summary>
    public const long ParallelWork = 1 << 18;

    /// <summary>Runs body(start, end) over [0, n) in chunks of <paramref name="grain"/>, in parallel when there are several.</summary>
    public static void For(long n, long grain, Action<int, int> body) => For(n, grain, n, body);

    /// <summary>As <see cref="For(long, long, Action{int, int})"/>, with the total <paramref name="work"/> deciding whether to go parallel.</summary>
    public static void For(long n, long grain, long work, Action<int, int> body)
    {
        long chunks = (n + grain - 1) / Math.Max(grain, 1);
        if (chunks <= 1 || work < ParallelWork || Workers.Threads == 1)
        {
            if (n > 0) body(0, (int)n);
            return;
        }
        Workers.For((int)chunks, c => body((int)(c * grain), (int)Math.Min(n, (c + 1) * grain)));
    }

    /// <summary>Runs body(start, end) over [0, n) items costing <paramref name="itemCost"/> elements each, about
    /// <see cref="Grain"/> elements per chunk.</summary>
    public static void ForItems(int n, long itemCost, Action<int, int> body) =>
        For(n, Math.Max(1, Grain / Math.Max(itemCost, 1)), n * Math.Max(itemCost, 1), body);
}

/// <summary>Runs unary and broadcasting binary kernels over tensors, choosing the longest contiguous inner runs,
/// in parallel chunks for large tensors. Outputs are fully written, so they are allocated uninitialised.</summary>
internal static class Elementwise
{
    public static Tensor<T> Unary<T, TKernel>(Tensor<T> x, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T>
    {
        var result = Buffers.Rent<T>(clear: false, length: x.NumElements);
        var src = x.Storage;
        int offset = x.Offset;
        if (!x.IsContiguous)
        {
            Strided.CopyTo(x, result);
            src = result;
            offset = 0;
        }
        // Below the parallel threshold call the kernel directly: no closure is allocated on this (per-op) path.
        if (result.Length < Chunks.ParallelWork) kernel.Invoke(src.AsSpan(offset, result.Length), result);
        else UnaryChunked(src, offset, result, kernel);
        return new Tensor<T>(result, x);
    }

    private static void UnaryChunked<T, TKernel>(T[] src, int offset, T[] result, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T> =>
        Chunks.For(result.Length, Chunks.Grain, (s, e) => kernel.Invoke(src.AsSpan(offset + s, e - s), result.AsSpan(s, e - s)));

    public static Tensor<T> Binary<T, TKernel>(string op, Tensor<T> a, Tensor<T> b, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IBinaryKernel<T>
    {
        int[] shape = Shapes.Equal(a.Dims, b.Dims) ? a.Dims : Shapes.Broadcast(op, a.Dims, b.Dims);
        var dst = Buffers.Rent<T>(clear: false, length: Shapes.Size(shape));
        // Small contiguous operands: call the kernel directly, without the closures of the chunked path.
        if (dst.Length < Chunks.ParallelWork && a.IsContiguous && b.IsContiguous)
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
        return BinaryChunked(a, b, kernel, shape, dst);
    }

    private static Tensor<T> BinaryChunked<T, TKernel>(Tensor<T> a, Tensor<T> b, TKernel kernel, int[] shape, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IBinaryKernel<T>
    {
        if (dst.Length == 0) return new Tensor<T>(dst, shape);
        T[] da = a.Storage, db = b.Storage;
        int oa0 = a.Offset, ob0 = b.Offset;
        if (a.IsContiguous && b.IsContiguous)
        {
            if (a.NumElements == dst.Length && b.NumElements == dst.Length)
            {
                Chunks.For(dst.Length, Chunks.Grain, (s, e) =>
                    kernel.Invoke(da.AsSpan(oa0 + s, e - s), db.AsSpan(ob0 + s, e - s), dst.AsSpan(s, e - s)));
                return new Tensor<T>(dst, shape);
            }
            if (b.NumElements == 1 && a.NumElements == dst.Length)
            {
                T y = db[ob0];
                Chunks.For(dst.Length, Chunks.Grain, (s, e) => kernel.Invoke(da.AsSpan(oa0 + s, e - s), y, dst.AsSpan(s, e - s)));
                return new Tensor<T>(dst, shape);
            }
            if (a.NumElements == 1 && b.NumElements == dst.Length)
            {
                T x = da[oa0];
                Chunks.For(dst.Length, Chunks.Grain, (s, e) => kernel.Invoke(x, db.AsSpan(ob0 + s, e - s), dst.AsSpan(s, e - s)));
                return new Tensor<T>(dst, shape);
            }
        }
        // General broadcast: rows of the merged odometer (e.g. a per-channel bias [1, C, 1, 1] over [N, C, H, W] gives
        // N·C rows of H·W against one scalar each), chunked by rows; each chunk seeks its own odometer.
        var sa = Shapes.BroadcastStrides(a.Dims, a.Strides, shape);
        var sb = Shapes.BroadcastStrides(b.Dims, b.Strides, shape);
        var probe = new StridedLoop(shape, sa, sb);
        int n = probe.InnerSize;
        Chunks.ForItems((int)probe.Rows, n, (r0, r1) =>
        {
            var loop = new StridedLoop(shape, sa, sb);
            loop.Seek(r0);
            int ia = loop.InnerStrideA, ib = loop.InnerStrideB;
            for (int row = r0; row < r1; row++)
            {
                int oa = oa0 + loop.OffsetA, ob = ob0 + loop.OffsetB;
                var d = dst.AsSpan(row * n, n);
                if (ia == 1 && ib == 1) kernel.Invoke(da.AsSpan(oa, n), db.AsSpan(ob, n), d);
                else if (ia == 1 && ib == 0) kernel.Invoke(da.AsSpan(oa, n), db[ob], d);
                else if (ia == 0 && ib == 1) kernel.Invoke(da[oa], db.AsSpan(ob, n), d);
                else for (int i = 0; i < n; i++) d[i] = kernel.Invoke(da[oa + i * ia], db[ob + i * ib]);
                loop.Next();
            }
        });
        return new Tensor<T>(dst, shape);
    }
}
