using System.Numerics;
using System.Runtime.CompilerServices;

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
        if (chunks <= 1 || work < ParallelWork || Workers.ThreadCount == 1)
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

/// <summary>Runs unary and broadcasting binary kernels over strided operands, choosing the longest contiguous inner
/// runs, in parallel chunks for large outputs. Destinations are fully written, so they may be uninitialised.</summary>
internal static class Elementwise
{
    /// <summary>dst = kernel(x) elementwise, row-major, for x laid out by <paramref name="lx"/>.</summary>
    public static void Unary<T, TKernel>(T[] x, in Layout lx, TKernel kernel, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T>
    {
        if (lx.IsContiguous)
        {
            Unary(x, lx.Offset, kernel, dst);
            return;
        }
        // A strided operand is gathered into the destination first, then transformed in place.
        Strided.CopyTo<T>(x, lx, dst);
        Unary(dst, 0, kernel, dst);
    }

    /// <summary>dst = kernel(x) elementwise for x contiguous from <paramref name="offset"/> (no layout to walk). Below the
    /// parallel threshold the kernel is called directly: no closure is allocated on this per-op path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary<T, TKernel>(T[] x, int offset, TKernel kernel, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T>
    {
        if (dst.Length == 0) return; // some TensorPrimitives functions (Sigmoid) refuse empty spans
        if (dst.Length < Chunks.ParallelWork) kernel.Invoke(x.AsSpan(offset, dst.Length), dst);
        else UnaryChunked(x, offset, dst, kernel);
    }

    /// <summary>x = kernel(x) in place over <paramref name="length"/> elements from <paramref name="offset"/>, in parallel
    /// chunks when large (a kernel's span form accepts its destination as its source).</summary>
    public static void UnaryInPlace<T, TKernel>(T[] x, int offset, int length, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T>
    {
        if (length == 0) return;
        if (length < Chunks.ParallelWork) kernel.Invoke(x.AsSpan(offset, length), x.AsSpan(offset, length));
        else UnaryInPlaceChunked(x, offset, length, kernel);
    }

    // Apart from the entry point, so that its closure is allocated only on this path.
    private static void UnaryInPlaceChunked<T, TKernel>(T[] x, int offset, int length, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T> =>
        Chunks.For(length, Chunks.Grain, (s, e) => kernel.Invoke(x.AsSpan(offset + s, e - s), x.AsSpan(offset + s, e - s)));

    private static void UnaryChunked<T, TKernel>(T[] src, int offset, T[] result, TKernel kernel)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IUnaryKernel<T> =>
        Chunks.For(result.Length, Chunks.Grain, (s, e) => kernel.Invoke(src.AsSpan(offset + s, e - s), result.AsSpan(s, e - s)));

    /// <summary>dst = kernel(a, b) elementwise over <paramref name="shape"/>, the broadcast shape of the two layouts.</summary>
    public static void Binary<T, TKernel>(T[] a, in Layout la, T[] b, in Layout lb, int[] shape, TKernel kernel, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IBinaryKernel<T>
    {
        if (dst.Length == 0) return;
        // Small contiguous operands: call the kernel directly, without the closures of the chunked path.
        if (dst.Length < Chunks.ParallelWork && la.IsContiguous && lb.IsContiguous)
        {
            if (la.Size == dst.Length && lb.Size == dst.Length)
            {
                kernel.Invoke(a.AsSpan(la.Offset, dst.Length), b.AsSpan(lb.Offset, dst.Length), dst);
                return;
            }
            if (lb.Size == 1 && la.Size == dst.Length)
            {
                kernel.Invoke(a.AsSpan(la.Offset, dst.Length), b[lb.Offset], dst);
                return;
            }
            if (la.Size == 1 && lb.Size == dst.Length)
            {
                kernel.Invoke(a[la.Offset], b.AsSpan(lb.Offset, dst.Length), dst);
                return;
            }
        }
        BinaryChunked(a, la, b, lb, kernel, shape, dst);
    }

    private static void BinaryChunked<T, TKernel>(T[] da, Layout la, T[] db, Layout lb, TKernel kernel, int[] shape, T[] dst)
        where T : unmanaged, IFloatingPointIeee754<T> where TKernel : struct, IBinaryKernel<T>
    {
        if (dst.Length == 0) return;
        int oa0 = la.Offset, ob0 = lb.Offset;
        if (la.IsContiguous && lb.IsContiguous)
        {
            if (la.Size == dst.Length && lb.Size == dst.Length)
            {
                Chunks.For(dst.Length, Chunks.Grain, (s, e) =>
                    kernel.Invoke(da.AsSpan(oa0 + s, e - s), db.AsSpan(ob0 + s, e - s), dst.AsSpan(s, e - s)));
                return;
            }
            if (lb.Size == 1 && la.Size == dst.Length)
            {
                T y = db[ob0];
                Chunks.For(dst.Length, Chunks.Grain, (s, e) => kernel.Invoke(da.AsSpan(oa0 + s, e - s), y, dst.AsSpan(s, e - s)));
                return;
            }
            if (la.Size == 1 && lb.Size == dst.Length)
            {
                T x = da[oa0];
                Chunks.For(dst.Length, Chunks.Grain, (s, e) => kernel.Invoke(x, db.AsSpan(ob0 + s, e - s), dst.AsSpan(s, e - s)));
                return;
            }
        }
        // General broadcast: rows of the merged odometer (e.g. a per-channel bias [1, C, 1, 1] over [N, C, H, W] gives
        // N·C rows of H·W against one scalar each), chunked by rows; each chunk seeks its own odometer.
        var sa = Shapes.BroadcastStrides(la.Shape, la.Strides, shape);
        var sb = Shapes.BroadcastStrides(lb.Shape, lb.Strides, shape);
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
    }
}
