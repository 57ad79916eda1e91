using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Kernels;

/// <summary>AVX-512F micro-kernel: 12 rows × 2 Vector512 (12×32 floats, 12×16 doubles), 24 accumulators.</summary>
internal readonly unsafe struct Avx512Kernel<T> : IGemmMicroKernel<T> where T : unmanaged
{
    public static int MR => 12;
    public static int NR => 2 * Vector512<T>.Count;
    public static int MC => 12 * (48 / sizeof(T));
    public static int KC => 1024 / sizeof(T);
    public static int NC => 4096;

    /// <inheritdoc cref="IGemmMicroKernel{T}.RunEdge"/>
    /// <remarks>Up to 4 or 8 rows (a batch block of 16 or 32 rows ends in one) run a 4- or 8-row form, not the whole tile.</remarks>
    public static void RunEdge(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, int cols)
    {
        if (rows <= 4) Partial<Count4>(kc, a, rs, cs, b, 2 * Vector512<T>.Count, c, ldc, addC: false);
        else if (rows <= 8) Partial<Count8>(kc, a, rs, cs, b, 2 * Vector512<T>.Count, c, ldc, addC: false);
        else Run(kc, a, rs, cs, b, c, ldc, addC: false);
    }

    /// <inheritdoc cref="IGemmMicroKernel{T}.RunRows"/>
    public static bool RunRows(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, bool addC)
    {
        if (rows == 4) Partial<Count4>(kc, a, rs, cs, b, 2 * Vector512<T>.Count, c, ldc, addC);
        else if (rows == 8) Partial<Count8>(kc, a, rs, cs, b, 2 * Vector512<T>.Count, c, ldc, addC);
        else return false;
        return true;
    }

    /// <summary>
    /// <see cref="Run"/> on the first TRows rows only (4 or 8): the same multiply-add chain per element,
    /// compiled once per row count so the rows left out cost nothing. B's rows of two vectors are <paramref name="ldb"/>
    /// apart: 2·w in a packed panel, a matrix's row stride when the attention kernel reads B in place.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Partial<TRows>(int kc, T* a, nint rs, nint cs, T* b, nint ldb, T* c, nint ldc, bool addC) where TRows : struct, ICount
    {
        int w = Vector512<T>.Count;
        bool eight = TRows.Value == 8;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default;
        nint r2 = 2 * rs, r3 = 3 * rs;
        T* q0 = a, q1 = a + 4 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b), b1 = Vector512.Load(b + w);
            Vector512<T> a0 = Vector512.Create(q0[0]);
            c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            Vector512<T> a1 = Vector512.Create(q0[rs]);
            c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            Vector512<T> a2 = Vector512.Create(q0[r2]);
            c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            Vector512<T> a3 = Vector512.Create(q0[r3]);
            c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            if (eight)
            {
                Vector512<T> a4 = Vector512.Create(q1[0]);
                c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
                Vector512<T> a5 = Vector512.Create(q1[rs]);
                c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
                Vector512<T> a6 = Vector512.Create(q1[r2]);
                c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
                Vector512<T> a7 = Vector512.Create(q1[r3]);
                c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
            }
            q0 += cs; q1 += cs;
            b += ldb;
        }
        Store(c00, c01, c + 0 * ldc, w, addC);
        Store(c10, c11, c + 1 * ldc, w, addC);
        Store(c20, c21, c + 2 * ldc, w, addC);
        Store(c30, c31, c + 3 * ldc, w, addC);
        if (!eight) return;
        Store(c40, c41, c + 4 * ldc, w, addC);
        Store(c50, c51, c + 5 * ldc, w, addC);
        Store(c60, c61, c + 6 * ldc, w, addC);
        Store(c70, c71, c + 7 * ldc, w, addC);
    }

    /// <inheritdoc cref="IGemmMicroKernel{T}.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, bool addC)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default;
        Vector512<T> c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default;
        Vector512<T> c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default;
        Vector512<T> c70 = default, c71 = default;
        Vector512<T> c80 = default, c81 = default;
        Vector512<T> c90 = default, c91 = default;
        Vector512<T> c100 = default, c101 = default;
        Vector512<T> c110 = default, c111 = default;
        // Fetch the C tile now so its cache misses overlap the multiply-adds instead of stalling the stores.
        Prefetch(c + 0 * ldc, w);
        Prefetch(c + 1 * ldc, w);
        Prefetch(c + 2 * ldc, w);
        Prefetch(c + 3 * ldc, w);
        Prefetch(c + 4 * ldc, w);
        Prefetch(c + 5 * ldc, w);
        Prefetch(c + 6 * ldc, w);
        Prefetch(c + 7 * ldc, w);
        Prefetch(c + 8 * ldc, w);
        Prefetch(c + 9 * ldc, w);
        Prefetch(c + 10 * ldc, w);
        Prefetch(c + 11 * ldc, w);
        // Rows 3q..3q+2 from base q at offsets 0, rs, 2·rs: plain base + index addressing.
        nint r2 = 2 * rs;
        T* q0 = a, q1 = a + 3 * rs, q2 = a + 6 * rs, q3 = a + 9 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b), b1 = Vector512.Load(b + w);
            Vector512<T> a0 = Vector512.Create(q0[0]);
            c00 = Fma(a0, b0, c00); c01 = Fma(a0, b1, c01);
            Vector512<T> a1 = Vector512.Create(q0[rs]);
            c10 = Fma(a1, b0, c10); c11 = Fma(a1, b1, c11);
            Vector512<T> a2 = Vector512.Create(q0[r2]);
            c20 = Fma(a2, b0, c20); c21 = Fma(a2, b1, c21);
            Vector512<T> a3 = Vector512.Create(q1[0]);
            c30 = Fma(a3, b0, c30); c31 = Fma(a3, b1, c31);
            Vector512<T> a4 = Vector512.Create(q1[rs]);
            c40 = Fma(a4, b0, c40); c41 = Fma(a4, b1, c41);
            Vector512<T> a5 = Vector512.Create(q1[r2]);
            c50 = Fma(a5, b0, c50); c51 = Fma(a5, b1, c51);
            Vector512<T> a6 = Vector512.Create(q2[0]);
            c60 = Fma(a6, b0, c60); c61 = Fma(a6, b1, c61);
            Vector512<T> a7 = Vector512.Create(q2[rs]);
            c70 = Fma(a7, b0, c70); c71 = Fma(a7, b1, c71);
            Vector512<T> a8 = Vector512.Create(q2[r2]);
            c80 = Fma(a8, b0, c80); c81 = Fma(a8, b1, c81);
            Vector512<T> a9 = Vector512.Create(q3[0]);
            c90 = Fma(a9, b0, c90); c91 = Fma(a9, b1, c91);
            Vector512<T> a10 = Vector512.Create(q3[rs]);
            c100 = Fma(a10, b0, c100); c101 = Fma(a10, b1, c101);
            Vector512<T> a11 = Vector512.Create(q3[r2]);
            c110 = Fma(a11, b0, c110); c111 = Fma(a11, b1, c111);
            q0 += cs; q1 += cs; q2 += cs; q3 += cs;
            b += 2 * w;
        }

        Store(c00, c01, c + 0 * ldc, w, addC);
        Store(c10, c11, c + 1 * ldc, w, addC);
        Store(c20, c21, c + 2 * ldc, w, addC);
        Store(c30, c31, c + 3 * ldc, w, addC);
        Store(c40, c41, c + 4 * ldc, w, addC);
        Store(c50, c51, c + 5 * ldc, w, addC);
        Store(c60, c61, c + 6 * ldc, w, addC);
        Store(c70, c71, c + 7 * ldc, w, addC);
        Store(c80, c81, c + 8 * ldc, w, addC);
        Store(c90, c91, c + 9 * ldc, w, addC);
        Store(c100, c101, c + 10 * ldc, w, addC);
        Store(c110, c111, c + 11 * ldc, w, addC);
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Fma(Vector512<T> x, Vector512<T> y, Vector512<T> z)
    {
        // Without the instruction set (tests forcing this path elsewhere) the portable form gives the same, once-rounded result.
        if (typeof(T) == typeof(float))
            return Avx512F.IsSupported
                ? Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>()
                : Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Avx512F.IsSupported
                ? Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>()
                : Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
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
    private static void Store(Vector512<T> v0, Vector512<T> v1, T* c, int w, bool addC)
    {
        if (addC)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + w);
        }
        v0.Store(c);
        v1.Store(c + w);
    }
}
