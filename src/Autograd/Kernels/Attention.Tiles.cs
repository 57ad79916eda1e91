using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Kernels;

// The AVX-512 path of the attention kernel: each of a head's six products (two forward, four backward) runs as
// 8-row tiles over the operands in place, no packing and no GEMM call, and a causal tile does only the part of its
// product the mask leaves (about 60% of the multiply-adds at L = S). Heads are small (L, S, E of tens), so every
// operand sits in L1/L2; the transposed factors (Kᵀ, Vᵀ) are written once per head into scratch.
internal static partial class Attention
{
    /// <summary>Rows of C per tile (8 broadcasts of A against two vectors of B: 16 accumulators, the GEMM kernel's
    /// 8-row form with B read in place).</summary>
    private const int TileRows = 8;

    /// <summary>What part of a product one causal tile of rows [r0, r1) needs.</summary>
    private enum Cut
    {
        /// <summary>All of it (not causal).</summary>
        None,
        /// <summary>Columns below r1 (C is the scores or dP of query rows: key j &gt; query i is masked afterwards); the
        /// columns left out are zeroed.</summary>
        Columns,
        /// <summary>Depth p below r1 (A is P or dS: zero for key p &gt; query i).</summary>
        DepthEnd,
        /// <summary>Depth p from r0 (A is Pᵀ or dSᵀ: key row j gets weight only from queries i ≥ j).</summary>
        DepthStart,
    }

    /// <summary>
    /// C[m×n] = op(A)[m×k]·B[k×n] on this thread, with A(i, p) = a[i·ars + p·acs] (so A or Aᵀ), B and C row-major with
    /// row strides <paramref name="ldb"/> and <paramref name="ldc"/>, each 8-row tile cut as <paramref name="cut"/> says.
    /// </summary>
    private static unsafe void Product<T>(T* a, nint ars, nint acs, T* b, nint ldb, T* c, nint ldc, int m, int n, int k, Cut cut)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        for (int r0 = 0; r0 < m; r0 += TileRows)
        {
            int rows = Math.Min(TileRows, m - r0), r1 = r0 + rows;
            int cols = cut == Cut.Columns ? Math.Min(n, (r1 + w - 1) / w * w) : n;
            int p0 = cut == Cut.DepthStart ? Math.Min(r0, k) : 0, p1 = cut == Cut.DepthEnd ? Math.Min(r1, k) : k;
            T* ct = c + r0 * ldc;
            Tile(a + r0 * ars, ars, acs, b, ldb, ct, ldc, rows, cols, p0, p1);
            if (cols < n)
                for (int i = 0; i < rows; i++) new Span<T>(ct + i * ldc + cols, n - cols).Clear();
        }
    }

    /// <summary>C[rows×cols] = Σ_{p0 ≤ p &lt; p1} A(i, p)·B(p, j): whole 8-row tiles two vectors, then one vector of
    /// columns at a time; rows and columns left over by vectors and by scalars.</summary>
    private static unsafe void Tile<T>(T* a, nint ars, nint acs, T* b, nint ldb, T* c, nint ldc, int rows, int cols, int p0, int p1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, j = 0;
        if (rows == TileRows)
        {
            for (; j + 2 * w <= cols; j += 2 * w)
                Avx512Kernel<T>.Partial<Count8>(p1 - p0, a + p0 * acs, ars, acs, b + p0 * ldb + j, ldb, c + j, ldc, addC: false);
            if (j + w <= cols)
            {
                Tile8x1(a, ars, acs, b + j, ldb, c + j, ldc, p0, p1);
                j += w;
            }
        }
        for (int i = 0; i < rows; i++)
        {
            T* ai = a + i * ars, ci = c + i * ldc;
            int jj = j;
            for (; jj + w <= cols; jj += w)
            {
                var sum = Vector512<T>.Zero;
                for (int p = p0; p < p1; p++) sum = Avx512Kernel<T>.Fma(Vector512.Create(ai[p * acs]), Vector512.Load(b + p * ldb + jj), sum);
                sum.Store(ci + jj);
            }
            for (; jj < cols; jj++)
            {
                T sum = T.Zero;
                for (int p = p0; p < p1; p++) sum = T.FusedMultiplyAdd(ai[p * acs], b[p * ldb + jj], sum);
                ci[jj] = sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile8x1<T>(T* a, nint ars, nint acs, T* b, nint ldb, T* c, nint ldc, int p0, int p1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Vector512<T> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        T* ap = a + p0 * acs, bp = b + p0 * ldb, a4 = ap + 4 * ars;
        nint r2 = 2 * ars, r3 = 3 * ars;
        for (int p = p0; p < p1; p++, ap += acs, a4 += acs, bp += ldb)
        {
            Vector512<T> b0 = Vector512.Load(bp);
            c0 = Avx512Kernel<T>.Fma(Vector512.Create(ap[0]), b0, c0);
            c1 = Avx512Kernel<T>.Fma(Vector512.Create(ap[ars]), b0, c1);
            c2 = Avx512Kernel<T>.Fma(Vector512.Create(ap[r2]), b0, c2);
            c3 = Avx512Kernel<T>.Fma(Vector512.Create(ap[r3]), b0, c3);
            c4 = Avx512Kernel<T>.Fma(Vector512.Create(a4[0]), b0, c4);
            c5 = Avx512Kernel<T>.Fma(Vector512.Create(a4[ars]), b0, c5);
            c6 = Avx512Kernel<T>.Fma(Vector512.Create(a4[r2]), b0, c6);
            c7 = Avx512Kernel<T>.Fma(Vector512.Create(a4[r3]), b0, c7);
        }
        c0.Store(c); c1.Store(c + ldc); c2.Store(c + 2 * ldc); c3.Store(c + 3 * ldc);
        c4.Store(c + 4 * ldc); c5.Store(c + 5 * ldc); c6.Store(c + 6 * ldc); c7.Store(c + 7 * ldc);
    }

    /// <summary>dst[cols×rows] = srcᵀ for a row-major src [rows×cols] with row stride <paramref name="ld"/> (one head's K
    /// or V into Kᵀ or Vᵀ), eight source rows at a time so that each store run is eight consecutive elements.</summary>
    private static unsafe void Transpose<T>(T[] source, int offset, int ld, T[] destination, int rows, int cols) where T : unmanaged
    {
        if ((long)rows * cols > destination.Length || rows > 0 && offset + (long)(rows - 1) * ld + cols > source.Length)
            throw new ArgumentException("internal: transpose out of range");
        fixed (T* src0 = source, dst = destination)
        {
            T* src = src0 + offset;
            if (typeof(T) == typeof(float) && Avx.IsSupported && rows % 8 == 0 && cols % 8 == 0)
            {
                // Whole 8×8 blocks through register transposes (a head's K or V is 64 × 32 in the transformer step).
                for (int r8 = 0; r8 < rows; r8 += 8)
                    for (int c8 = 0; c8 < cols; c8 += 8)
                        GemmPacking.Transpose8((float*)src + (nint)r8 * ld + c8, ld, (float*)dst + (nint)c8 * rows + r8, rows);
                return;
            }
            int r = 0;
            for (; r + 8 <= rows; r += 8)
            {
                T* s0 = src + (nint)r * ld;
                for (int j = 0; j < cols; j++)
                {
                    T* d = dst + j * rows + r;
                    d[0] = s0[j]; d[1] = s0[ld + j]; d[2] = s0[2 * ld + j]; d[3] = s0[3 * ld + j];
                    d[4] = s0[4 * ld + j]; d[5] = s0[5 * ld + j]; d[6] = s0[6 * ld + j]; d[7] = s0[7 * ld + j];
                }
            }
            for (; r < rows; r++)
                for (int j = 0; j < cols; j++) dst[j * rows + r] = src[(nint)r * ld + j];
        }
    }
}
