using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>One GEMM problem: C[m×n] = op(A)·op(B) (+ C when <see cref="Accumulate"/>), row-major storage.</summary>
internal readonly record struct GemmProblem<T>(
    T[] A, int AOffset, int Lda, bool TransA,
    T[] B, int BOffset, int Ldb, bool TransB,
    T[] C, int COffset, int Ldc,
    int M, int N, int K, bool Accumulate)
{
    /// <summary>op(B) already packed by <see cref="GemmDriver{T, TKernel}.Pack"/> for this driver's kernel, or null.</summary>
    public T[]? PackedB { get; init; }

    /// <summary>
    /// A row vector b [n] (from <see cref="RowBiasOffset"/>) that C starts from in every row, so C = op(A)·op(B) + 1·bᵀ;
    /// null for none. Only without <see cref="Accumulate"/>. The result has the bits of writing b into every row of C and
    /// then accumulating the product.
    /// </summary>
    public T[]? RowBias { get; init; }

    /// <summary>Index of b's first element in <see cref="RowBias"/>.</summary>
    public int RowBiasOffset { get; init; }

    /// <summary>Depth of the k-blocks when set (a half of a product split along k keeps the whole product's blocks);
    /// 0 for the driver's own choice from k.</summary>
    public int KBlock { get; init; }

    /// <summary>Where this product's k starts in <see cref="PackedB"/> (the second half of a split product).</summary>
    public int PackedDepthOffset { get; init; }

    /// <summary>Elementwise work applied to each finished block of C while it is in cache, or null.</summary>
    public GemmEpilogue<T>? Epilogue { get; init; }
}

/// <summary>
/// GotoBLAS/BLIS-style blocked GEMM around the micro-kernel <typeparamref name="TKernel"/>:
/// loops jc (NC) → pc (KC, pack B) → ic (MC, pack A) → jr (NR) → ir (MR) → micro-kernel.
/// </summary>
/// <remarks>
/// Threads split the rows or the columns of C into disjoint ranges; each thread packs its own panels.
/// The k-blocking depends only on k, and each element is reduced by the same micro-kernel chain wherever
/// its tile lies, so the result is bit-identical for any number of threads or scheduling order.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumberBase<T>
    where TKernel : struct, IGemmMicroKernel<T>
{
    /// <summary>Below this many multiply-adds a second thread costs more than it saves.</summary>
    private const long ParallelThreshold = 64L * 64 * 64;

    /// <summary>From this many multiply-adds a second thread pays when the helper threads are already awake.</summary>
    private const long SmallParallelThreshold = 32L * 32 * 32;

    /// <summary>Bytes of slack so packed panels can start on a 64-byte boundary.</summary>
    private const int AlignBytes = 64;

    /// <summary>Runs <paramref name="g"/> on at most <paramref name="maxThreads"/> threads.</summary>
    public static void Run(in GemmProblem<T> g, int maxThreads)
    {
        if (SplitsDepth(g)) RunDepthHalves(g, maxThreads);
        else RunBlocked(g, maxThreads);
    }

    /// <summary>Runs <paramref name="g"/> on at most <paramref name="maxThreads"/> threads, splitting m or n between them.</summary>
    private static void RunBlocked(in GemmProblem<T> g, int maxThreads)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        int tilesM = (g.M + mr - 1) / mr, tilesN = (g.N + nr - 1) / nr;
        long work = (long)g.M * g.N * g.K;
        // Between the two thresholds a fork pays only if it costs no wake-up, i.e. while the helpers still spin.
        bool fork = work >= ParallelThreshold || (work >= SmallParallelThreshold && Workers.Awake);
        int threads = !fork ? 1 : Math.Min(maxThreads, Math.Max(tilesM, tilesN));
        if (threads <= 1)
        {
            RunRange(g, 0, g.M, 0, g.N);
            return;
        }

        // Splitting rows makes every thread pack all of op(B) (k×n), splitting columns read all of op(A) (m×k): split so
        // the duplicated work costs less, unless a side has too few tiles to give every thread one. Packing A is a
        // scalar scatter, packing B mostly vector moves (8×8 transposes for a transposed float B), so an element of A
        // is weighted as about three of B; where the column ranges are narrow enough to read A in place, an element of A
        // read again weighs as one of B. (Reading a large A in place twice lost to splitting rows: at [2048, 128]·[128, 128]
        // the rows split ran 12% faster, each thread reading only its own rows of A.) Ranges are whole tiles so only the
        // last one has ragged edges.
        GemmProblem<T> p = g;
        long costA = ReadAInPlace(g, g.M, (tilesN + threads - 1) / threads * nr) ? 1 : 3;
        long costB = g.TransB && typeof(T) != typeof(float) ? 3 : 1;
        bool splitN = tilesN >= threads && (tilesM < threads || costA * g.M <= costB * g.N);
        int tiles = splitN ? tilesN : tilesM;
        int perThread = (tiles + threads - 1) / threads;
        int chunks = (tiles + perThread - 1) / perThread;
        Action<int> body = t =>
        {
            if (splitN)
            {
                int j0 = t * perThread * nr;
                RunRange(p, 0, p.M, j0, Math.Min(p.N, j0 + perThread * nr));
            }
            else
            {
                int i0 = t * perThread * mr;
                RunRange(p, i0, Math.Min(p.M, i0 + perThread * mr), 0, p.N);
            }
        };
        Workers.For(chunks, body);
    }

    /// <summary>
    /// Whether <paramref name="g"/> is a deep product with a small result (a weight gradient Gᵀ·x over many rows, k ≥ 4
    /// k-blocks, m·n ≤ 256K), which <see cref="RunDepthHalves"/> splits along k. Decided by the shape alone, so the
    /// result does not depend on the number of threads.
    /// </summary>
    private static bool SplitsDepth(in GemmProblem<T> g) =>
        g.K >= 4 * TKernel.KC && (long)g.M * g.N <= DepthSplitOutput && g.KBlock == 0;

    /// <summary>Largest output (elements) of a product split along k: its partial sum is one more pass over it.</summary>
    private const long DepthSplitOutput = 256 * 1024;

    /// <summary>
    /// C (+)= op(A)·op(B) as two halves of k at a k-block boundary: the first half into C (accumulating as asked), the
    /// second into scratch, then added to C. With two or three threads the halves run side by side, one each: each reads
    /// only its half of the rows of A and B, which for a weight gradient are the rows the thread itself wrote in the ops
    /// before (the workers hand out blocks in order), where splitting m or n had both threads read all of them and pack
    /// all of one operand. With more threads each half runs on all of them in turn, so every thread count gives the same
    /// bits. Alternating passes of one process: a transformer step 29.0–30.1 against 31.3–32.7 ms (best of each run; the
    /// medians 3% apart), a CNN step 12.0–12.4 against 13.3–13.8 (its convolution weight gradients), a char LSTM step
    /// unchanged.
    /// </summary>
    private static void RunDepthHalves(GemmProblem<T> g, int maxThreads)
    {
        int kc = Depth(g), blocks = (g.K + kc - 1) / kc, first = (blocks + 1) / 2 * kc;
        var head = g with { K = first, KBlock = kc, Epilogue = null };
        T[] part = Scratch.Rent<T>(g.M * g.N);
        var tail = g with
        {
            AOffset = g.AOffset + (g.TransA ? first * g.Lda : first),
            BOffset = g.BOffset + (g.TransB ? first : first * g.Ldb),
            K = g.K - first,
            KBlock = kc,
            PackedDepthOffset = g.PackedDepthOffset + first,
            C = part,
            COffset = 0,
            Ldc = g.N,
            Accumulate = false,
            RowBias = null,
            Epilogue = null,
        };
        try
        {
            if (maxThreads is 2 or 3)
            {
                Workers.For(2, half => RunBlocked(half == 0 ? head : tail, 1));
            }
            else
            {
                RunBlocked(head, maxThreads);
                RunBlocked(tail, maxThreads);
            }
            for (int i = 0; i < g.M; i++)
            {
                var row = g.C.AsSpan(g.COffset + i * g.Ldc, g.N);
                TensorPrimitives.Add(row, part.AsSpan(i * g.N, g.N), row);
            }
            g.Epilogue?.Apply(g.C, g.COffset, g.Ldc, 0, g.M, 0, g.N); // (the sum is complete only now)
        }
        finally
        {
            Scratch.Return(part);
        }
    }

    /// <summary>Computes rows [i0, i1) × columns [j0, j1) of C on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRange(in GemmProblem<T> g, int i0, int i1, int j0, int j1)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // Equal k-blocks of at most KC (784 = 4 × 196, not 3 × 256 + 16): a thin last block would cost a full pass
        // over C for little arithmetic. The blocking depends on k alone, which keeps results thread-independent.
        int kcMax = Depth(g);
        int mcMax = Math.Min(TKernel.MC, RoundUp(i1 - i0, mr));
        int ncMax = Math.Min(TKernel.NC, RoundUp(j1 - j0, nr));
        int slack = AlignBytes / sizeof(T);
        T[] aBuf = Scratch.Rent<T>(mcMax * kcMax + slack);
        T[] bBuf = g.PackedB is null ? Scratch.Rent<T>(kcMax * ncMax + slack) : []; // a packed B needs no buffer
        T* edge = stackalloc T[TKernel.MR * TKernel.NR];
        try
        {
            T[]? packed = g.PackedB;
            int paddedN = RoundUp(g.N, nr);
            fixed (T* aBase = g.A, bBase = g.B, cBase = g.C, aRaw = aBuf, bRaw = bBuf, pBase = packed, biasBase = g.RowBias)
            {
                T* a = aBase + g.AOffset, b = bBase + g.BOffset, c = cBase + g.COffset;
                // A row bias is written into each tile of C just before the tile's first k-block adds onto it, while the
                // tile's lines are fetched anyway, instead of in a pass over all of C beforehand.
                T* bias = biasBase is null ? null : biasBase + g.RowBiasOffset;
                T* ap = Align(aRaw), bp = Align(bRaw);
                nint ldc = g.Ldc;
                nint aRs = g.TransA ? 1 : g.Lda, aCs = g.TransA ? g.Lda : 1;
                bool directA = ReadAInPlace(g, i1 - i0, j1 - j0);
                for (int jc = j0; jc < j1; jc += TKernel.NC)
                {
                    int nc = Math.Min(TKernel.NC, j1 - jc);
                    for (int pc = 0; pc < g.K; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, g.K - pc);
                        bool addC = g.Accumulate || pc > 0 || bias is not null;
                        if (packed is null) GemmPacking.PackB(b, g.Ldb, g.TransB, pc, kc, jc, nc, nr, bp);
                        for (int ic = i0; ic < i1; ic += TKernel.MC)
                        {
                            int mc = Math.Min(TKernel.MC, i1 - ic);
                            int full = mc / mr * mr;
                            // In place, whole row tiles read A through its strides; only a ragged last tile is packed.
                            if (!directA)
                                GemmPacking.PackA(a, g.Lda, g.TransA, ic, mc, pc, kc, mr, ap);
                            else if (full < mc)
                                GemmPacking.PackA(a, g.Lda, g.TransA, ic + full, mc - full, pc, kc, mr, ap + (nint)full * kc);
                            T* aBlock = a + ic * aRs + pc * aCs;
                            for (int jr = 0; jr < nc; jr += nr)
                            {
                                int cols = Math.Min(nr, nc - jr);
                                // A prepacked block pc holds the panels of all columns, so column jc + jr starts (jc + jr)·kc in.
                                T* bPanel = packed is null ? bp + (nint)jr * kc : pBase + (nint)(g.PackedDepthOffset + pc) * paddedN + (nint)(jc + jr) * kc;
                                for (int ir = 0; ir < mc; ir += mr)
                                {
                                    int rows = Math.Min(mr, mc - ir);
                                    bool inPlace = directA && rows == mr;
                                    T* aPanel = inPlace ? aBlock + ir * aRs : ap + (nint)ir * kc;
                                    nint rs = inPlace ? aRs : 1, cs = inPlace ? aCs : mr;
                                    T* cTile = c + (ic + ir) * ldc + jc + jr;
                                    if (bias is not null && pc == 0) WriteRows(bias + jc + jr, cTile, ldc, rows, cols);
                                    if (rows == mr && cols == nr)
                                        TKernel.Run(kc, aPanel, rs, cs, bPanel, cTile, ldc, addC);
                                    else if (cols != nr || !TKernel.RunRows(kc, aPanel, rs, cs, bPanel, cTile, ldc, rows, addC))
                                        EdgeTile(kc, aPanel, rs, cs, bPanel, cTile, ldc, rows, cols, addC, edge);
                                }
                            }
                            // The block [ic, +mc) × [jc, +nc) is complete after its last k-block, and still in L2.
                            if (pc + kc == g.K) g.Epilogue?.Apply(g.C, g.COffset, g.Ldc, ic, mc, jc, nc);
                        }
                    }
                }
            }
        }
        finally
        {
            Scratch.Return(aBuf);
            Scratch.Return(bBuf);
        }
    }

    /// <summary>
    /// op(B) [k×n] packed once for many products with this kernel (a recurrent weight used at every step): for each
    /// k-block pc (the depths <see cref="RunRange"/> uses), the panels of all columns, laid out as PackB lays out one
    /// block, at offset pc·⌈n/NR⌉NR. Columns past n are zero. The array comes from <paramref name="rent"/> (given its
    /// length; every element is written) or is new.
    /// </summary>
    public static T[] Pack(T[] b, int bOffset, int ldb, bool transB, int k, int n, Func<int, T[]>? rent)
    {
        int nr = TKernel.NR, kcMax = BlockDepth(k), paddedN = RoundUp(n, nr);
        int length = (long)k * paddedN <= int.MaxValue ? k * paddedN : throw new ArgumentException($"Gemm: a packed {k}×{n} operand is too large");
        var packed = rent?.Invoke(length) ?? new T[length];
        fixed (T* bBase = b, dst = packed)
            for (int pc = 0; pc < k; pc += kcMax)
                GemmPacking.PackB(bBase + bOffset, ldb, transB, pc, Math.Min(kcMax, k - pc), 0, n, nr, dst + (nint)pc * paddedN);
        return packed;
    }

    /// <summary>
    /// A partial tile: the micro-kernel's edge form computes the rows×cols corner (or more) into a scratch tile, which
    /// is then added to C, reproducing the full-tile arithmetic exactly.
    /// </summary>
    private static void EdgeTile(int kc, T* a, nint rs, nint cs, T* b, T* c, nint ldc, int rows, int cols, bool addC, T* scratch)
    {
        int nr = TKernel.NR;
        TKernel.RunEdge(kc, a, rs, cs, b, scratch, nr, rows, cols);
        for (int i = 0; i < rows; i++)
        {
            T* src = scratch + i * nr;
            T* dst = c + i * ldc;
            if (addC)
                for (int j = 0; j < cols; j++) dst[j] += src[j];
            else
                for (int j = 0; j < cols; j++) dst[j] = src[j];
        }
    }

    /// <summary>Writes the <paramref name="cols"/> values at <paramref name="row"/> into each of <paramref name="rows"/>
    /// rows of C.</summary>
    private static void WriteRows(T* row, T* c, nint ldc, int rows, int cols)
    {
        // Vector moves: a call to copy each row of a tile cost Linear about a tenth of its time. A whole 512-bit panel
        // (the AVX-512 kernel's 32 floats) loads its two vectors once.
        if (Vector512.IsHardwareAccelerated && cols == 2 * Vector512<T>.Count)
        {
            Vector512<T> v0 = Vector512.Load(row), v1 = Vector512.Load(row + Vector512<T>.Count);
            for (int i = 0; i < rows; i++)
            {
                v0.Store(c + i * ldc);
                v1.Store(c + i * ldc + Vector512<T>.Count);
            }
            return;
        }
        int w = Vector<T>.Count;
        for (int i = 0; i < rows; i++)
        {
            T* dst = c + i * ldc;
            int j = 0;
            for (; j + w <= cols; j += w) Vector.Store(Vector.Load(row + j), dst + j);
            for (; j < cols; j++) dst[j] = row[j];
        }
    }

    /// <summary>
    /// Whether a thread computing <paramref name="rows"/> × <paramref name="columns"/> of C reads A in place instead of
    /// packing it: packing pays off only when each packed row tile is reused across many column tiles; with few columns
    /// per thread (narrow outputs, small products) it is mostly overhead.
    /// </summary>
    private static bool ReadAInPlace(in GemmProblem<T> g, int rows, int columns)
    {
        long block = (long)rows * Depth(g) * sizeof(T);
        // A transposed is read a stored row per step of k; past 2 KiB apart (Intel's L1 stride prefetcher stops at 2 KiB,
        // and 4 KiB puts every row in one L1 set) each read waits on L2: ∂W_hh of a 1024-gate LSTM (dGatesᵀ, rows 4 KiB
        // apart) ran 18% slower in place than packed, ∂W of a transformer's qkv (1.5 KiB apart) 24% faster in place.
        long limit = g.TransA && (long)g.Lda * sizeof(T) > 2048 ? SmallABytes : DirectABytes;
        return (columns <= DirectAColumns || block <= SmallABytes) && block <= limit;
    }

    /// <summary>
    /// A block of A this small (a recurrent step's batch rows, e.g. 16 × 256 floats) stays in L1 however many column panels
    /// re-read it, so it is read in place at any width: packing it (a scalar scatter for rows of 12) cost the 16 × 256 ×
    /// 1024 product of a char LSTM step about a tenth of its time.
    /// </summary>
    private const long SmallABytes = 16 * 1024;

    /// <summary>
    /// Largest k-block of A (a thread's rows × depth) read in place: every column panel re-reads it, so it has to stay
    /// in the core's L2 beside B's panels: three quarters of it. On Zen 3 (512 KiB, 384 KiB here) square n = 512 (a
    /// 512 KiB block) packs A: in side-by-side sittings its Tensor.MatMul rate was 165 GFLOP/s packed against 108–135
    /// read in place; n = 256 (256 KiB) stays in place, where packing (a scalar loop) measured 100 against 116–162. With
    /// a 2 MiB L2 (this project's Xeon), 1 MiB blocks in place ran a transformer's products with a depth of 384 or 512 and
    /// 128 columns 9–11% faster than packed ([2048, 512]·[512, 128]: 307 against 281 GFLOP/s, alternating calls).
    /// </summary>
    private static readonly long DirectABytes = CacheSizes.L2 * 3 / 4;

    /// <summary>
    /// Most columns per thread for which A is read in place (measured on Zen 3: at 512 and more, e.g. n = 1024 split
    /// over two threads, re-reading strided rows of A from L2 loses to one packing pass).
    /// </summary>
    private const int DirectAColumns = 384;

    /// <summary>The depth of <paramref name="g"/>'s k-blocks: as set, or <see cref="BlockDepth"/> of its k.</summary>
    private static int Depth(in GemmProblem<T> g) => g.KBlock > 0 ? g.KBlock : BlockDepth(g.K);

    /// <summary>Depth of the k-blocks: k split into the fewest blocks of at most KC, as equal as possible.</summary>
    private static int BlockDepth(int k)
    {
        int blocks = (k + TKernel.KC - 1) / TKernel.KC;
        return (k + blocks - 1) / blocks;
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static T* Align(T* p) => (T*)(((nint)p + (AlignBytes - 1)) & ~(nint)(AlignBytes - 1));
}
