namespace Autograd.Kernels;

/// <summary>
/// A register-blocked GEMM micro-kernel and the cache-block sizes that suit it.
/// The kernel multiplies a packed MR×kc panel of A by a packed kc×NR panel of B.
/// </summary>
/// <remarks>
/// Packed layouts: <c>a[p * MR + i] = A(i, p)</c> (or A in place with strides) and <c>b[p * NR + j] = B(p, j)</c>.
/// Every output element is one chain of fused multiply-adds over p = 0..kc-1 in order, started
/// from zero, and only then added to C; so its value never depends on where the tile sits.
/// </remarks>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged
{
    /// <summary>Rows of the register tile.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of the register tile.</summary>
    static abstract int NR { get; }

    /// <summary>Rows of A packed per block (kept in L2); a multiple of MR.</summary>
    static abstract int MC { get; }

    /// <summary>Depth of the packed panels (a B micro-panel kc×NR stays in L1).</summary>
    static abstract int KC { get; }

    /// <summary>Columns of B packed per block (kept in L3); a multiple of NR.</summary>
    static abstract int NC { get; }

    /// <summary>
    /// C[MR×NR] (row stride <paramref name="ldc"/>) = (addC ? C : 0) + Σ_p a[i·rs + p·cs]·b[p·NR+j]. A packed panel
    /// has rs = 1, cs = MR; A read in place has rs, cs = its strides (lda, 1 or 1, lda), which skips packing it.
    /// </summary>
    static abstract void Run(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, bool addC);

    /// <summary>
    /// The first <paramref name="rows"/> × <paramref name="cols"/> elements of <see cref="Run"/>'s tile with addC false
    /// (each one the same chain of multiply-adds, so the same value), written to c with row stride
    /// <paramref name="ldc"/>; columns up to NR of those rows may be written too. A kernel with narrower forms computes
    /// only the rows and vectors needed; the others run the whole tile.
    /// </summary>
    static abstract void RunEdge(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, int cols);

    /// <summary>
    /// Rows [0, <paramref name="rows"/>) and all NR columns of <see cref="Run"/>'s tile written straight into C, as
    /// <see cref="Run"/> writes them (C + the chain when <paramref name="addC"/>: the value <see cref="RunEdge"/> and
    /// an addition give), when the kernel has a form for exactly that many rows; otherwise returns false, having written
    /// nothing. A batch block of 16 or 32 rows ends in such a tile at every column panel, and this skips its scratch copy.
    /// </summary>
    static virtual bool RunRows(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, bool addC) => false;
}

/// <summary>A count known when a generic method is compiled (one value type per count), so loops over it unroll and
/// branches on it disappear.</summary>
internal interface ICount
{
    static abstract int Value { get; }
}

internal readonly struct Count1 : ICount { public static int Value => 1; }
internal readonly struct Count2 : ICount { public static int Value => 2; }
internal readonly struct Count3 : ICount { public static int Value => 3; }
internal readonly struct Count4 : ICount { public static int Value => 4; }
internal readonly struct Count5 : ICount { public static int Value => 5; }
internal readonly struct Count6 : ICount { public static int Value => 6; }
internal readonly struct Count8 : ICount { public static int Value => 8; }
