using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        int whole = 0;
        if (transA)
        {
            // Row p of the stored matrix holds op(A)(·, p): it is read once, left to right, and each whole panel's
            // mr values (16 to 96 bytes) are moved as vectors, instead of walking down the rows once per panel.
            whole = mc / mr * mr;
            int bytes = mr * sizeof(T);
            T* src = a + (nint)p0 * lda + i0;
            for (int p = 0; p < kc; p++, src += lda)
            {
                T* d = dst + (nint)p * mr;
                for (int ir = 0; ir < whole; ir += mr, d += (nint)mr * kc)
                    CopyRow((byte*)(src + ir), (byte*)d, bytes);
            }
        }
        for (int ir = whole; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + (nint)ir * kc;
            if (transA)
            {
                // The ragged last panel, zero past row mc.
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
                // Row i of the stored matrix holds op(A)(i, ·): a whole float panel of 6 rows goes through 8×8
                // register transposes (8 values of each row in, 8 panel rows out); the rest is scattered with stride mr.
                int done = 0;
                if (rows == 6 && mr == 6 && typeof(T) == typeof(float) && Avx.IsSupported)
                {
                    done = kc / 8 * 8;
                    float* src = (float*)a + (nint)(i0 + ir) * lda + p0;
                    for (int p = 0; p < done; p += 8)
                        Transpose6x8(src + p, lda, (float*)panel + (nint)p * 6);
                }
                else if (rows == 12 && mr == 12 && typeof(T) == typeof(float) && Avx.IsSupported)
                {
                    // The AVX-512 kernel's panels of 12 rows: an 8×8 and a 4×8 register transpose per 8 columns.
                    done = kc / 8 * 8;
                    float* src = (float*)a + (nint)(i0 + ir) * lda + p0;
                    for (int p = 0; p < done; p += 8)
                        Transpose12x8(src + p, lda, (float*)panel + (nint)p * 12);
                }
                for (int i = 0; i < rows; i++)
                {
                    T* src = a + (nint)(i0 + ir + i) * lda + p0;
                    T* d = panel + (nint)done * mr + i;
                    for (int p = done; p < kc; p++, d += mr) *d = src[p];
                }
                for (int i = rows; i < mr; i++)
                {
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++, d += mr) *d = default;
                }
            }
        }
    }

    /// <summary>Copies <paramref name="bytes"/> (a multiple of 8) in 16-byte vector moves and at most one 8-byte move.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRow(byte* src, byte* dst, int bytes)
    {
        int o = 0;
        for (; o + 16 <= bytes; o += 16) Vector128.Store(Vector128.Load(src + o), dst + o);
        if (o < bytes) *(long*)(dst + o) = *(long*)(src + o);
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
                // Row j of the stored matrix holds op(B)(·, j): scatter it with stride nr, in 8×8 register
                // transposes where they apply (whole panels of float on AVX), element by element for the rest.
                int done = 0;
                if (cols == nr && typeof(T) == typeof(float) && Avx.IsSupported && nr % 8 == 0)
                {
                    done = kc / 8 * 8;
                    for (int p = 0; p < done; p += 8)
                        for (int jb = 0; jb < nr; jb += 8)
                            Transpose8((float*)b + (nint)(j0 + jr + jb) * ldb + p0 + p, ldb, (float*)panel + (nint)p * nr + jb, nr);
                }
                for (int j = 0; j < cols; j++)
                {
                    T* src = b + (nint)(j0 + jr + j) * ldb + p0;
                    T* d = panel + (nint)done * nr + j;
                    for (int p = done; p < kc; p++, d += nr) *d = src[p];
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
                    // A row of a panel is 16 to 128 bytes: whole 16-byte vector moves, not a Memmove call per row.
                    int bytes = nr * sizeof(T);
                    if (bytes % 16 == 0)
                    {
                        for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                            for (int o = 0; o < bytes; o += 16)
                                Vector128.Store(Vector128.Load((byte*)src + o), (byte*)panel + o);
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                            Unsafe.CopyBlockUnaligned(panel, src, (uint)bytes);
                    }
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

    /// <summary>
    /// dst[q·ldd + r] = src[r·lds + q] for an 8×8 block of floats: eight row loads, the register transpose
    /// <see cref="Transpose"/>, eight row stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose8(float* src, nint lds, float* dst, nint ldd)
    {
        Transpose(Avx.LoadVector256(src), Avx.LoadVector256(src + lds), Avx.LoadVector256(src + 2 * lds), Avx.LoadVector256(src + 3 * lds),
            Avx.LoadVector256(src + 4 * lds), Avx.LoadVector256(src + 5 * lds), Avx.LoadVector256(src + 6 * lds), Avx.LoadVector256(src + 7 * lds),
            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        Avx.Store(dst, c0);
        Avx.Store(dst + ldd, c1);
        Avx.Store(dst + 2 * ldd, c2);
        Avx.Store(dst + 3 * ldd, c3);
        Avx.Store(dst + 4 * ldd, c4);
        Avx.Store(dst + 5 * ldd, c5);
        Avx.Store(dst + 6 * ldd, c6);
        Avx.Store(dst + 7 * ldd, c7);
    }

    /// <summary>
    /// dst[q·6 + r] = src[r·lds + q] for 6 rows × 8 columns of floats (a panel of 6-row A, 8 steps of k): the rows
    /// padded with two zero rows go through <see cref="Transpose"/>, and the first 6 values of each result are stored
    /// as one 16-byte and one 8-byte move.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose6x8(float* src, nint lds, float* dst)
    {
        Transpose(Avx.LoadVector256(src), Avx.LoadVector256(src + lds), Avx.LoadVector256(src + 2 * lds), Avx.LoadVector256(src + 3 * lds),
            Avx.LoadVector256(src + 4 * lds), Avx.LoadVector256(src + 5 * lds), Vector256<float>.Zero, Vector256<float>.Zero,
            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        Store6(c0, dst);
        Store6(c1, dst + 6);
        Store6(c2, dst + 12);
        Store6(c3, dst + 18);
        Store6(c4, dst + 24);
        Store6(c5, dst + 30);
        Store6(c6, dst + 36);
        Store6(c7, dst + 42);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Store6(Vector256<float> v, float* d)
        {
            v.GetLower().Store(d);
            *(double*)(d + 4) = v.GetUpper().AsDouble().ToScalar();
        }
    }

    /// <summary>Columns 0–7 of 12 rows (row stride <paramref name="lds"/>) into 8 panel rows of 12 at
    /// <paramref name="dst"/>: dst[q·12 + i] = src[i·lds + q].</summary>
    private static void Transpose12x8(float* src, nint lds, float* dst)
    {
        Transpose(Avx.LoadVector256(src), Avx.LoadVector256(src + lds), Avx.LoadVector256(src + 2 * lds), Avx.LoadVector256(src + 3 * lds),
            Avx.LoadVector256(src + 4 * lds), Avx.LoadVector256(src + 5 * lds), Avx.LoadVector256(src + 6 * lds), Avx.LoadVector256(src + 7 * lds),
            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
        c0.Store(dst);
        c1.Store(dst + 12);
        c2.Store(dst + 24);
        c3.Store(dst + 36);
        c4.Store(dst + 48);
        c5.Store(dst + 60);
        c6.Store(dst + 72);
        c7.Store(dst + 84);
        Transpose(Avx.LoadVector256(src + 8 * lds), Avx.LoadVector256(src + 9 * lds), Avx.LoadVector256(src + 10 * lds),
            Avx.LoadVector256(src + 11 * lds), Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero,
            out var d0, out var d1, out var d2, out var d3, out var d4, out var d5, out var d6, out var d7);
        d0.GetLower().Store(dst + 8);
        d1.GetLower().Store(dst + 20);
        d2.GetLower().Store(dst + 32);
        d3.GetLower().Store(dst + 44);
        d4.GetLower().Store(dst + 56);
        d5.GetLower().Store(dst + 68);
        d6.GetLower().Store(dst + 80);
        d7.GetLower().Store(dst + 92);
    }

    /// <summary>
    /// Transposes the 8×8 float matrix whose rows are r0…r7 into columns c0…c7 (c_q holds element q of every row):
    /// the classic unpack / shuffle / lane-permute sequence, all in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
        out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        // Interleave pairs of rows: t0 = (r0₀ r1₀ r0₁ r1₁ | r0₄ r1₄ r0₅ r1₅), …
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3),
            t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        // Gather 4-element columns within each 128-bit lane: u0 = (r0₀ r1₀ r2₀ r3₀ | r0₄ r1₄ r2₄ r3₄), …
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE),
            u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        // Join the low lanes (columns 0–3) and the high lanes (columns 4–7) of rows 0–3 and 4–7.
        c0 = Avx.Permute2x128(u0, u4, 0x20);
        c1 = Avx.Permute2x128(u1, u5, 0x20);
        c2 = Avx.Permute2x128(u2, u6, 0x20);
        c3 = Avx.Permute2x128(u3, u7, 0x20);
        c4 = Avx.Permute2x128(u0, u4, 0x31);
        c5 = Avx.Permute2x128(u1, u5, 0x31);
        c6 = Avx.Permute2x128(u2, u6, 0x31);
        c7 = Avx.Permute2x128(u3, u7, 0x31);
    }
}
