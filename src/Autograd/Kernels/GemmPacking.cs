using System.Runtime.CompilerServices;

namespace Autograd.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layouts the micro-kernels read.
/// Transposition is absorbed here: only the visited block is read, never a whole transposed copy.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [i0, i0+mc) and columns [p0, p0+kc) of op(A) into panels of <paramref name="mr"/> rows:
    /// <c>dst[panel·kc·mr + p·mr + i] = op(A)(i0 + panel·mr + i, p0 + p)</c>, zero past row mc.
    /// </summary>
    /// <remarks><paramref name="a"/> points at A's first element; with transA A is stored k×m, so op(A)(i, p) = a[p·lda + i].</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(T* a, nint lda, bool transA, int i0, int mc, int p0, int kc, int mr, T* dst)
        where T : unmanaged
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + (nint)ir * kc;
            if (transA)
            {
                // Row p of the stored matrix holds op(A)(·, p): copy `rows` contiguous values per p.
                T* src = a + (nint)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda, panel += mr)
                {
                    int i = 0;
                    for (; i < rows; i++) panel[i] = src[i];
                    for (; i < mr; i++) panel[i] = default;
                }
            }
            else
            {
                // Row i of the stored matrix holds op(A)(i, ·): scatter it with stride mr.
                for (int i = 0; i < rows; i++)
                {
                    T* src = a + (nint)(i0 + ir + i) * lda + p0;
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++, d += mr) *d = src[p];
                }
                for (int i = rows; i < mr; i++)
                {
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++, d += mr) *d = default;
                }
            }
        }
    }

    /// <summary>
    /// Packs rows [p0, p0+kc) and columns [j0, j0+nc) of op(B) into panels of <paramref name="nr"/> columns:
    /// <c>dst[panel·kc·nr + p·nr + j] = op(B)(p0 + p, j0 + panel·nr + j)</c>, zero past column nc.
    /// </summary>
    /// <remarks><paramref name="b"/> points at B's first element; with transB B is stored n×k, so op(B)(p, j) = b[j·ldb + p].</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(T* b, nint ldb, bool transB, int p0, int kc, int j0, int nc, int nr, T* dst)
        where T : unmanaged
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dst + (nint)jr * kc;
            if (transB)
            {
                // Row j of the stored matrix holds op(B)(·, j): scatter it with stride nr.
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + (nint)(j0 + jr + j) * ldb + p0;
                    T* d = panel + j;
                    for (int p = 0; p < kc; p++, d += nr) *d = src[p];
                }
                for (int j = cols; j < nr; j++)
                {
                    T* d = panel + j;
                    for (int p = 0; p < kc; p++, d += nr) *d = default;
                }
            }
            else
            {
                // Row p of the stored matrix holds op(B)(p, ·): copy `cols` contiguous values per p.
                T* src = b + (nint)p0 * ldb + j0 + jr;
                if (cols == nr)
                {
                    uint bytes = (uint)(nr * sizeof(T));
                    for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                        Unsafe.CopyBlockUnaligned(panel, src, bytes);
                }
                else
                {
                    for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                    {
                        int j = 0;
                        for (; j < cols; j++) panel[j] = src[j];
                        for (; j < nr; j++) panel[j] = default;
                    }
                }
            }
        }
    }
}
