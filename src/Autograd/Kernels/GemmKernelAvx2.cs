using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Kernels;

/// <summary>AVX2 + FMA3 micro-kernel: 6 rows × 2 Vector256 (6×16 floats, 6×8 doubles), 12 accumulators.</summary>
internal readonly unsafe struct Avx2Kernel<T> : IGemmMicroKernel<T> where T : unmanaged
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;
    public static int MC => 6 * (96 / sizeof(T));
    public static int KC => 256;
    public static int NC => 4096;

    /// <inheritdoc cref="IGemmMicroKernel{T}.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, bool addC)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default;
        Vector256<T> c10 = default, c11 = default;
        Vector256<T> c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default;
        Vector256<T> c40 = default, c41 = default;
        Vector256<T> c50 = default, c51 = default;
        // Fetch the C tile now so its cache misses overlap the multiply-adds instead of stalling the stores.
        Prefetch(c + 0 * ldc, w);
        Prefetch(c + 1 * ldc, w);
        Prefetch(c + 2 * ldc, w);
        Prefetch(c + 3 * ldc, w);
        Prefetch(c + 4 * ldc, w);
        Prefetch(c + 5 * ldc, w);
        // Rows 0-2 from a, rows 3-5 from a3, each at offsets 0, rs, 2·rs: plain base + index addressing.
        nint r2 = 2 * rs;
        T* a3 = a + 3 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b), b1 = Vector256.Load(b + w);
            Vector256<T> a0 = Vector256.Create(a[0]);
            c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            Vector256<T> a1 = Vector256.Create(a[rs]);
            c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            Vector256<T> a2 = Vector256.Create(a[r2]);
            c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            Vector256<T> a3v = Vector256.Create(a3[0]);
            c30 = Fma(a3v, b0, c30); c31 = Fma(a3v, b1, c31);
            Vector256<T> a4 = Vector256.Create(a3[rs]);
            c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            Vector256<T> a5 = Vector256.Create(a3[r2]);
            c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            a += cs;
            a3 += cs;
            b += 2 * w;
        }
        Store(c00, c01, c + 0 * ldc, w, addC);
        Store(c10, c11, c + 1 * ldc, w, addC);
        Store(c20, c21, c + 2 * ldc, w, addC);
        Store(c30, c31, c + 3 * ldc, w, addC);
        Store(c40, c41, c + 4 * ldc, w, addC);
        Store(c50, c51, c + 5 * ldc, w, addC);
    }


    /// <inheritdoc cref="IGemmMicroKernel{T}.RunEdge"/>
    public static void RunEdge(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, int cols)
    {
        if (cols > Vector256<T>.Count)
            Rows<Count2>(kc, a, rs, cs, b, c, ldc, rows);
        else
            Rows<Count1>(kc, a, rs, cs, b, c, ldc, rows);
    }

    private static void Rows<TVectors>(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows)
        where TVectors : struct, ICount
    {
        switch (rows)
        {
            case 1: Partial<Count1, TVectors>(kc, a, rs, cs, b, c, ldc); break;
            case 2: Partial<Count2, TVectors>(kc, a, rs, cs, b, c, ldc); break;
            case 3: Partial<Count3, TVectors>(kc, a, rs, cs, b, c, ldc); break;
            case 4: Partial<Count4, TVectors>(kc, a, rs, cs, b, c, ldc); break;
            case 5: Partial<Count5, TVectors>(kc, a, rs, cs, b, c, ldc); break;
            default: Partial<Count6, TVectors>(kc, a, rs, cs, b, c, ldc); break;
        }
    }

    /// <summary>
    /// <see cref="Run"/> (addC false) restricted to the first TRows rows and TVectors of the two vectors of columns:
    /// the same multiply-add chain per element, compiled once per shape so the unused rows and vector cost nothing.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Partial<TRows, TVectors>(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc)
        where TRows : struct, ICount where TVectors : struct, ICount
    {
        int w = Vector256<T>.Count;
        bool two = TVectors.Value == 2;
        int rows = TRows.Value;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint r2 = 2 * rs;
        T* a3 = a + 3 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b), b1 = two ? Vector256.Load(b + w) : default;
            Accumulate(a[0], b0, b1, two, ref c00, ref c01);
            if (rows > 1) Accumulate(a[rs], b0, b1, two, ref c10, ref c11);
            if (rows > 2) Accumulate(a[r2], b0, b1, two, ref c20, ref c21);
            if (rows > 3) Accumulate(a3[0], b0, b1, two, ref c30, ref c31);
            if (rows > 4) Accumulate(a3[rs], b0, b1, two, ref c40, ref c41);
            if (rows > 5) Accumulate(a3[r2], b0, b1, two, ref c50, ref c51);
            a += cs;
            a3 += cs;
            b += 2 * w;
        }
        StorePartial(c00, c01, c, two);
        if (rows > 1) StorePartial(c10, c11, c + ldc, two);
        if (rows > 2) StorePartial(c20, c21, c + 2 * ldc, two);
        if (rows > 3) StorePartial(c30, c31, c + 3 * ldc, two);
        if (rows > 4) StorePartial(c40, c41, c + 4 * ldc, two);
        if (rows > 5) StorePartial(c50, c51, c + 5 * ldc, two);
    }

    /// <summary>One row of A times the B row: c0 += a·b0 and, with two vectors, c1 += a·b1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate(T a, Vector256<T> b0, Vector256<T> b1, bool two, ref Vector256<T> c0, ref Vector256<T> c1)
    {
        Vector256<T> av = Vector256.Create(a);
        c0 = Fma(av, b0, c0);
        if (two) c1 = Fma(av, b1, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePartial(Vector256<T> v0, Vector256<T> v1, T* c, bool two)
    {
        v0.Store(c);
        if (two) v1.Store(c + Vector256<T>.Count);
    }

    /// <summary>x·y + z rounded once (also the recurrent cells' fused multiply-add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        // Without the instruction set (tests forcing this path elsewhere) the portable form gives the same, once-rounded result.
        if (typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Fma.IsSupported
                ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>()
                : Vector256.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return System.Runtime.Intrinsics.X86.Fma.IsSupported
                ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>()
                : Vector256.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(T* row, int w)
    {
        if (!Sse.IsSupported) return;
        Sse.Prefetch0(row);
        Sse.Prefetch0(row + 2 * w - 1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<T> v0, Vector256<T> v1, T* c, int w, bool addC)
    {
        if (addC)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + w);
        }
        v0.Store(c);
        v1.Store(c + w);
    }
}
