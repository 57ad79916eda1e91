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


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> x, Vector256<T> y, Vector256<T> z)
    {
        if (typeof(T) == typeof(float))
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), z.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), z.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(T* row, int w)
    {
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
