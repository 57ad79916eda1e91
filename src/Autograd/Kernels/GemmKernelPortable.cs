using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Kernels;

/// <summary>
/// Portable micro-kernel on <see cref="Vector{T}"/>: 4 rows × 2 vectors, separate multiply and add
/// (no fused multiply-add, so results do not depend on the hardware).
/// </summary>
internal readonly unsafe struct PortableKernel<T> : IGemmMicroKernel<T> where T : unmanaged
{
    public static int MR => 4;
    public static int NR => 2 * Vector<T>.Count;
    public static int MC => 4 * (128 / sizeof(T));
    public static int KC => 1024 / sizeof(T);
    public static int NC => 4096;

    /// <inheritdoc cref="IGemmMicroKernel{T}.RunEdge"/>
    public static void RunEdge(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, int cols) =>
        Run(kc, a, rs, cs, b, c, ldc, addC: false);

    /// <inheritdoc cref="IGemmMicroKernel{T}.Run"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, bool addC)
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default;
        Vector<T> c10 = default, c11 = default;
        Vector<T> c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default;
        nint r2 = 2 * rs, r3 = 3 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector<T> b0 = Load(b), b1 = Load(b + w);
            Vector<T> a0 = new Vector<T>(a[0]);
            c00 = MulAdd(a0, b0, c00); c01 = MulAdd(a0, b1, c01);
            Vector<T> a1 = new Vector<T>(a[rs]);
            c10 = MulAdd(a1, b0, c10); c11 = MulAdd(a1, b1, c11);
            Vector<T> a2 = new Vector<T>(a[r2]);
            c20 = MulAdd(a2, b0, c20); c21 = MulAdd(a2, b1, c21);
            Vector<T> a3 = new Vector<T>(a[r3]);
            c30 = MulAdd(a3, b0, c30); c31 = MulAdd(a3, b1, c31);
            a += cs;
            b += 2 * w;
        }
        Store(c00, c01, c + 0 * ldc, w, addC);
        Store(c10, c11, c + 1 * ldc, w, addC);
        Store(c20, c21, c + 2 * ldc, w, addC);
        Store(c30, c31, c + 3 * ldc, w, addC);
    }


    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> MulAdd(Vector<T> x, Vector<T> y, Vector<T> z) => (x * y) + z;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load(T* p) => Unsafe.ReadUnaligned<Vector<T>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<T> v0, Vector<T> v1, T* c, int w, bool addC)
    {
        if (addC)
        {
            v0 += Load(c);
            v1 += Load(c + w);
        }
        Unsafe.WriteUnaligned(c, v0);
        Unsafe.WriteUnaligned(c + w, v1);
    }
}
