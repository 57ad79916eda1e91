using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Kernels;

/// <summary>
/// Direct loops for tiny products, where packing and blocking cost more than the arithmetic.
/// Portable (<see cref="Vector{T}"/>, separate multiply and add) and single-threaded on every path.
/// </summary>
internal static unsafe class GemmSmall
{
    /// <summary>
    /// Whether the direct loop beats packing (measured on Zen 3): up to 16³ multiply-adds when rows of B are
    /// contiguous, up to 8³ when B is transposed and each element becomes a short dot product.
    /// </summary>
    public static bool Suits(long work, bool transB) => work <= (transB ? 8 * 8 * 8 : 16 * 16 * 16);

    /// <summary>
    /// C(i, j) = (Accumulate ? C(i, j) : 0) + Σ_p op(A)(i, p)·op(B)(p, j). Without transB the row of C is
    /// updated as C(i, ·) += op(A)(i, p)·B(p, ·) for p in order; with transB each element is a dot product.
    /// </summary>
    public static void Run<T>(in GemmProblem<T> g) where T : unmanaged, INumberBase<T>
    {
        fixed (T* aBase = g.A, bBase = g.B, cBase = g.C)
        {
            T* a = aBase + g.AOffset, b = bBase + g.BOffset, c = cBase + g.COffset;
            nint lda = g.Lda, ldb = g.Ldb, ldc = g.Ldc;
            nint aRowStep = g.TransA ? 1 : lda, aColStep = g.TransA ? lda : 1;
            for (int i = 0; i < g.M; i++)
            {
                T* aRow = a + i * aRowStep;
                T* cRow = c + i * ldc;
                if (g.TransB)
                    DotRow(aRow, aColStep, b, ldb, cRow, g.N, g.K, g.Accumulate);
                else
                    AxpyRow(aRow, aColStep, b, ldb, cRow, g.N, g.K, g.Accumulate);
            }
        }
    }

    /// <summary>cRow(j) = (acc ? cRow(j) : 0) + Σ_p aRow[p·aStep]·b[p·ldb + j], vectorised over j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AxpyRow<T>(T* aRow, nint aStep, T* b, nint ldb, T* cRow, int n, int k, bool acc)
        where T : unmanaged, INumberBase<T>
    {
        int w = Vector<T>.Count, j = 0;
        for (; j <= n - w; j += w)
        {
            Vector<T> sum = acc ? Unsafe.ReadUnaligned<Vector<T>>(cRow + j) : Vector<T>.Zero;
            T* bp = b + j;
            for (int p = 0; p < k; p++, bp += ldb)
                sum += new Vector<T>(aRow[p * aStep]) * Unsafe.ReadUnaligned<Vector<T>>(bp);
            Unsafe.WriteUnaligned(cRow + j, sum);
        }
        for (; j < n; j++)
        {
            T sum = acc ? cRow[j] : T.Zero;
            T* bp = b + j;
            for (int p = 0; p < k; p++, bp += ldb)
                sum += aRow[p * aStep] * *bp;
            cRow[j] = sum;
        }
    }

    /// <summary>
    /// cRow(j) = (acc ? cRow(j) : 0) + Σ_p aRow[p·aStep]·b[j·ldb + p] (B stored n×k), vectorised over p
    /// when A's row is contiguous.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DotRow<T>(T* aRow, nint aStep, T* b, nint ldb, T* cRow, int n, int k, bool acc)
        where T : unmanaged, INumberBase<T>
    {
        int w = Vector<T>.Count;
        for (int j = 0; j < n; j++)
        {
            T* bRow = b + j * ldb;
            T sum = T.Zero;
            int p = 0;
            if (aStep == 1 && k >= w)
            {
                // Lane-wise partial sums over p, then one horizontal sum: a fixed order for given k.
                Vector<T> lanes = Vector<T>.Zero;
                for (; p <= k - w; p += w)
                    lanes += Unsafe.ReadUnaligned<Vector<T>>(aRow + p) * Unsafe.ReadUnaligned<Vector<T>>(bRow + p);
                sum = Vector.Sum(lanes);
            }
            for (; p < k; p++)
                sum += aRow[p * aStep] * bRow[p];
            cRow[j] = acc ? cRow[j] + sum : sum;
        }
    }
}
