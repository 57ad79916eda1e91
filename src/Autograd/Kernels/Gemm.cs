using System.Diagnostics;
using System.Numerics;

namespace Autograd.Kernels;

/// <summary>
/// General matrix multiply on row-major arrays: C = op(A)·op(B) (+ C), where op(X) is X or Xᵀ.
/// </summary>
/// <remarks>
/// float and double run a packed, cache-blocked SIMD kernel on the chosen <see cref="KernelPath"/> and use
/// all cores for large products; other element types use a scalar loop. Results are deterministic: the
/// same inputs give bit-identical outputs whatever the threading. C must not overlap A or B.
/// </remarks>
public static partial class Gemm
{
    /// <summary>
    /// C[m×n] = op(A)[m×k] · op(B)[k×n] (+ C when <paramref name="accumulate"/>), i.e.
    /// C(i, j) = Σ_p op(A)(i, p)·op(B)(p, j) over row-major storage.
    /// </summary>
    /// <param name="a">Storage of A: m×k with row stride <paramref name="lda"/>, or k×m when <paramref name="transA"/>.</param>
    /// <param name="aOffset">Index of A's first element in <paramref name="a"/>.</param>
    /// <param name="lda">Row stride of A as stored (at least its stored width).</param>
    /// <param name="transA">Use Aᵀ: op(A)(i, p) = a[aOffset + p·lda + i].</param>
    /// <param name="b">Storage of B: k×n with row stride <paramref name="ldb"/>, or n×k when <paramref name="transB"/>.</param>
    /// <param name="bOffset">Index of B's first element in <paramref name="b"/>.</param>
    /// <param name="ldb">Row stride of B as stored (at least its stored width).</param>
    /// <param name="transB">Use Bᵀ: op(B)(p, j) = b[bOffset + j·ldb + p].</param>
    /// <param name="c">Storage of C: m×n with row stride <paramref name="ldc"/>.</param>
    /// <param name="cOffset">Index of C's first element in <paramref name="c"/>.</param>
    /// <param name="ldc">Row stride of C (at least n).</param>
    /// <param name="m">Rows of op(A) and C.</param>
    /// <param name="n">Columns of op(B) and C.</param>
    /// <param name="k">Columns of op(A), rows of op(B).</param>
    /// <param name="accumulate">Add the product to C instead of overwriting it.</param>
    /// <param name="path">Instruction-set path; <see cref="KernelPath.Auto"/> picks the best supported.</param>
    /// <exception cref="ArgumentException">A dimension is negative or an operand does not fit its array.</exception>
    /// <exception cref="PlatformNotSupportedException"><paramref name="path"/> is not supported by this CPU.</exception>
    public static void Multiply<T>(
        T[] a, int aOffset, int lda, bool transA,
        T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc,
        int m, int n, int k, bool accumulate, KernelPath path = KernelPath.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GemmProblem<T>(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate);
        Validate(g, nameof(Multiply));
        Run(g, KernelPaths.Resolve(path), Workers.ThreadCount);
    }

    /// <summary>
    /// <see cref="Multiply{T}"/> on <paramref name="path"/> even where this CPU lacks it: the path's vector code then runs
    /// on the runtime's software fallback (each fused multiply-add still rounded once, so the results are the hardware's,
    /// only slower). For tests, so that every path's kernel, packing and edge code is checked on every machine; the
    /// public entry points refuse an unsupported path instead.
    /// </summary>
    internal static void MultiplyOnAnyPath<T>(
        T[] a, int aOffset, int lda, bool transA,
        T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc,
        int m, int n, int k, bool accumulate, KernelPath path)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GemmProblem<T>(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate);
        Validate(g, nameof(Multiply));
        Run(g, path == KernelPath.Auto ? KernelPaths.Best : path, Workers.ThreadCount);
    }

    /// <summary>
    /// C = op(A)·op(B) + 1·bᵀ: the row vector b [n] (from <paramref name="biasOffset"/>) in every row of C, the product
    /// added onto it (Linear's x·Wᵀ + b). The same bits as writing b into every row of C and then calling
    /// <see cref="Multiply{T}"/> with accumulate; the blocked kernels write b into each tile of C as they reach it, which
    /// saves a pass over C. Like <see cref="MultiplyOnAnyPath{T}"/>, an explicit <paramref name="path"/> runs even where this CPU
    /// lacks it (tests); callers pass <see cref="KernelPath.Auto"/>.
    /// </summary>
    internal static void MultiplyPlusRow<T>(
        T[] a, int aOffset, int lda, bool transA,
        T[] b, int bOffset, int ldb, bool transB,
        T[] bias, int biasOffset,
        T[] c, int cOffset, int ldc,
        int m, int n, int k, KernelPath path = KernelPath.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(bias);
        MultiplyThen(a, aOffset, lda, transA, b, bOffset, ldb, transB, bias, biasOffset, c, cOffset, ldc, m, n, k, null, path);
    }

    /// <summary>
    /// C = op(A)·op(B) (+ 1·bᵀ when <paramref name="bias"/> is given, as <see cref="MultiplyPlusRow{T}"/>), then
    /// <paramref name="epilogue"/> on every element of C: the blocked kernels run it on each block of C as soon as the
    /// block is complete, while it is in cache, instead of in a pass over all of C afterwards. The same bits as the
    /// product followed by the epilogue over C. An explicit <paramref name="path"/> runs even where this CPU lacks it
    /// (tests).
    /// </summary>
    internal static void MultiplyThen<T>(
        T[] a, int aOffset, int lda, bool transA,
        T[] b, int bOffset, int ldb, bool transB,
        T[]? bias, int biasOffset,
        T[] c, int cOffset, int ldc,
        int m, int n, int k, GemmEpilogue<T>? epilogue, KernelPath path = KernelPath.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GemmProblem<T>(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, false)
        {
            RowBias = bias,
            RowBiasOffset = biasOffset,
            Epilogue = epilogue,
        };
        string op = bias is null ? nameof(MultiplyThen) : nameof(MultiplyPlusRow);
        Validate(g, op);
        if (bias is not null) CheckOperand(op, "bias", bias, biasOffset, Math.Max(n, 1), 1, n);
        Run(g, path == KernelPath.Auto ? KernelPaths.Best : path, Workers.ThreadCount);
    }

    /// <summary><see cref="Multiply{T}"/> on the calling thread only, for callers that already run one product per core.</summary>
    internal static void MultiplyOnThisThread<T>(
        T[] a, int aOffset, int lda, bool transA,
        T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc,
        int m, int n, int k, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GemmProblem<T>(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate);
        Validate(g, nameof(Multiply));
        Run(g, KernelPaths.Resolve(KernelPath.Auto), 1);
    }

    /// <summary>
    /// For each b in [0, batch): C_b = op(A_b)·op(B_b) (+ C_b), where X_b starts at xOffset + b·xStride.
    /// A stride of 0 reuses one matrix for the whole batch (e.g. a shared weight).
    /// </summary>
    /// <remarks>
    /// Small matrices are spread over cores in contiguous runs per task; larger ones one matrix per task, each on
    /// one core, with any ragged tail of fewer matrices than cores run one after another on all cores. Either way
    /// every C_b is bit-identical to a single <see cref="Multiply{T}"/> call.
    /// </remarks>
    /// <param name="batch">Number of products.</param>
    /// <param name="aStride">Distance between consecutive A matrices in <paramref name="a"/> (0 to share one).</param>
    /// <param name="bStride">Distance between consecutive B matrices in <paramref name="b"/> (0 to share one).</param>
    /// <param name="cStride">Distance between consecutive C matrices; the C matrices must not overlap.</param>
    /// <param name="a">Storage of the A matrices (each as in <see cref="Multiply{T}"/>).</param>
    /// <param name="aOffset">Index of the first A matrix's first element.</param>
    /// <param name="lda">Row stride of each A as stored.</param>
    /// <param name="transA">Use A_bᵀ.</param>
    /// <param name="b">Storage of the B matrices.</param>
    /// <param name="bOffset">Index of the first B matrix's first element.</param>
    /// <param name="ldb">Row stride of each B as stored.</param>
    /// <param name="transB">Use B_bᵀ.</param>
    /// <param name="c">Storage of the C matrices.</param>
    /// <param name="cOffset">Index of the first C matrix's first element.</param>
    /// <param name="ldc">Row stride of each C.</param>
    /// <param name="m">Rows of each op(A_b) and C_b.</param>
    /// <param name="n">Columns of each op(B_b) and C_b.</param>
    /// <param name="k">Columns of op(A_b), rows of op(B_b).</param>
    /// <param name="accumulate">Add the products to C instead of overwriting it.</param>
    /// <param name="path">Instruction-set path; <see cref="KernelPath.Auto"/> picks the best supported.</param>
    public static void MultiplyBatched<T>(
        int batch,
        T[] a, int aOffset, int aStride, int lda, bool transA,
        T[] b, int bOffset, int bStride, int ldb, bool transB,
        T[] c, int cOffset, int cStride, int ldc,
        int m, int n, int k, bool accumulate, KernelPath path = KernelPath.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = nameof(MultiplyBatched);
        if (batch < 0 || aStride < 0 || bStride < 0 || cStride < 0)
            throw new ArgumentException($"{op}: batch ({batch}) and strides ({aStride}, {bStride}, {cStride}) must be non-negative.");
        if (batch == 0)
            return;
        var first = new GemmProblem<T>(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate);
        var last = first with
        {
            AOffset = checked(aOffset + (batch - 1) * aStride),
            BOffset = checked(bOffset + (batch - 1) * bStride),
            COffset = checked(cOffset + (batch - 1) * cStride),
        };
        Validate(first, op);
        Validate(last, op);
        if (batch > 1 && m > 0 && n > 0 && cStride < (long)(m - 1) * ldc + n)
            throw new ArgumentException($"{op}: C stride {cStride} makes the {m}×{n} outputs (ldc {ldc}) overlap.");

        KernelPath resolved = KernelPaths.Resolve(path);
        long work = (long)m * n * k;
        int cores = Workers.ThreadCount;
        if (cores == 1 || batch == 1)
        {
            for (int i = 0; i < batch; i++)
                Run(At(first, i, aStride, bStride, cStride), resolved, cores);
            return;
        }
        if (work >= BatchParallelThreshold)
        {
            // One product per core at a time needs no synchronisation inside a product, so it beats running
            // each product on all cores; only a ragged tail (fewer products than cores) uses all cores per product.
            GemmProblem<T> p = first;
            int whole = batch / cores * cores;
            Workers.For(whole, i => Run(At(p, i, aStride, bStride, cStride), resolved, 1));
            for (int i = whole; i < batch; i++)
                Run(At(first, i, aStride, bStride, cStride), resolved, cores);
            return;
        }

        // Contiguous ranges of the batch per task: one matrix per iteration would cost more in scheduling.
        int tasks = (int)Math.Min(cores, Math.Max(1, Math.Min(batch, batch * work / (32L * 32 * 32))));
        int per = (batch + tasks - 1) / tasks;
        Workers.For((batch + per - 1) / per, t =>
        {
            int end = Math.Min(batch, (t + 1) * per);
            for (int i = t * per; i < end; i++)
                Run(At(first, i, aStride, bStride, cStride), resolved, 1);
        });
    }

    /// <summary>Per-matrix work (multiply-adds) from which a batch is scheduled one matrix per task.</summary>
    private const long BatchParallelThreshold = 128L * 128 * 128;

    private static GemmProblem<T> At<T>(in GemmProblem<T> g, int i, int aStride, int bStride, int cStride) => g with
    {
        AOffset = g.AOffset + i * aStride,
        BOffset = g.BOffset + i * bStride,
        COffset = g.COffset + i * cStride,
    };

    /// <summary>Dispatches once on the element type and path, then runs the whole product.</summary>
    internal static void Run<T>(in GemmProblem<T> g, KernelPath path, int maxThreads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.M == 0 || g.N == 0)
            return;
        if (g.Epilogue is { } epilogue && (g.K == 0 || !UsesDriver(g)))
        {
            // Only the blocked driver finishes C block by block; elsewhere the epilogue takes all of C afterwards.
            Run(g with { Epilogue = null }, path, maxThreads);
            epilogue.Apply(g.C, g.COffset, g.Ldc, 0, g.M, 0, g.N);
            return;
        }
        if (g.RowBias is { } bias && (g.K == 0 || !UsesDriver(g)))
        {
            // Only the blocked driver writes the bias tile by tile; elsewhere it goes into C first.
            FillRows(bias, g.RowBiasOffset, g.C, g.COffset, g.Ldc, g.M, g.N);
            Run(g with { RowBias = null, Accumulate = true }, path, maxThreads);
            return;
        }
        if (g.K == 0)
        {
            if (!g.Accumulate)
                for (int i = 0; i < g.M; i++)
                    g.C.AsSpan(g.COffset + i * g.Ldc, g.N).Clear();
            return;
        }
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            GemmScalar.Run(g);
            return;
        }
        if (GemmSmall.Suits((long)g.M * g.N * g.K, g.TransB))
        {
            GemmSmall.Run(g);
            return;
        }
        if (NarrowTransposed(g))
        {
            RunTransposed(g, path, maxThreads);
            return;
        }
        Debug.Assert(UsesDriver(g));
        switch (path)
        {
            case KernelPath.Avx512:
                GemmDriver<T, Avx512Kernel<T>>.Run(g, maxThreads);
                break;
            case KernelPath.Avx2:
                GemmDriver<T, Avx2Kernel<T>>.Run(g, maxThreads);
                break;
            case KernelPath.Portable:
                GemmDriver<T, PortableKernel<T>>.Run(g, maxThreads);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(path), path, "Resolve the path first.");
        }
    }

    /// <summary>Writes the <paramref name="n"/> values of <paramref name="row"/> from <paramref name="rowOffset"/> into each
    /// of the <paramref name="m"/> rows of C (row stride <paramref name="ldc"/>).</summary>
    internal static void FillRows<T>(T[] row, int rowOffset, T[] c, int cOffset, int ldc, int m, int n)
    {
        var source = row.AsSpan(rowOffset, n);
        for (int i = 0; i < m; i++) source.CopyTo(c.AsSpan(cOffset + i * ldc, n));
    }

    /// <summary>Whether <see cref="Run{T}"/> gives a product of nonzero depth to the blocked driver (the three tests above).</summary>
    private static bool UsesDriver<T>(in GemmProblem<T> g) where T : unmanaged, IFloatingPointIeee754<T> =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double))
        && !GemmSmall.Suits((long)g.M * g.N * g.K, g.TransB) && !NarrowTransposed(g);

    /// <summary>Most columns of C for which a product with a transposed A is run as its transpose
    /// (<see cref="RunTransposed{T}"/>): one column panel of the widest kernel.</summary>
    private const int NarrowColumns = 32;

    /// <summary>Whether C (+)= Aᵀ·B is narrow enough (n ≤ <see cref="NarrowColumns"/>, m ≥ 4n) to run as its transpose.</summary>
    private static bool NarrowTransposed<T>(in GemmProblem<T> g) =>
        g.TransA && !g.TransB && g.PackedB is null && g.N <= NarrowColumns && g.M >= 4 * g.N;

    /// <summary>
    /// C (+)= Aᵀ·B with A stored k×m and C narrow (a weight gradient gᵀ·x of a layer with few inputs, e.g. an LSTM's 28
    /// features): computed as Cᵀ = Bᵀ·A into a scratch n×m, then written (or added) into C transposed. The direct form
    /// packs all of A, a transpose of k×m values read 12 at a time down the rows of A, for a single narrow column panel;
    /// here A is the packed right operand, copied along its rows. Each element's chain of multiply-adds over k is the
    /// same; with accumulate, C is added once to the whole sum instead of before the first k-block.
    /// </summary>
    private static void RunTransposed<T>(in GemmProblem<T> g, KernelPath path, int maxThreads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = g.M, n = g.N;
        T[] t = Scratch.Rent<T>(m * n);
        try
        {
            Run(new GemmProblem<T>(g.B, g.BOffset, g.Ldb, true, g.A, g.AOffset, g.Lda, false, t, 0, m, n, m, g.K, false), path, maxThreads);
            T[] c = g.C;
            for (int i = 0; i < m; i++)
            {
                int row = g.COffset + i * g.Ldc;
                if (g.Accumulate)
                    for (int j = 0; j < n; j++) c[row + j] += t[j * m + i];
                else
                    for (int j = 0; j < n; j++) c[row + j] = t[j * m + i];
            }
        }
        finally
        {
            Scratch.Return(t);
        }
    }

    private static void Validate<T>(in GemmProblem<T> g, string op)
    {
        if (g.M < 0 || g.N < 0 || g.K < 0)
            throw new ArgumentException($"{op}: dimensions must be non-negative (m={g.M}, n={g.N}, k={g.K}).");
        CheckOperand(op, "A", g.A, g.AOffset, g.Lda, g.TransA ? g.K : g.M, g.TransA ? g.M : g.K);
        CheckOperand(op, "B", g.B, g.BOffset, g.Ldb, g.TransB ? g.N : g.K, g.TransB ? g.K : g.N);
        CheckOperand(op, "C", g.C, g.COffset, g.Ldc, g.M, g.N);
    }

    /// <summary>Checks that a stored rows×cols matrix with row stride ld starting at offset fits in x.</summary>
    private static void CheckOperand<T>(string op, string name, T[] x, int offset, int ld, int rows, int cols)
    {
        ArgumentNullException.ThrowIfNull(x, name);
        if (offset < 0 || ld < cols || ld < 1)
            throw new ArgumentException(
                $"{op}: {name} stored as {rows}×{cols} needs offset ≥ 0 and leading dimension ≥ max({cols}, 1) (offset {offset}, ld {ld}).");
        long end = rows == 0 || cols == 0 ? offset : offset + (long)(rows - 1) * ld + cols;
        if (end > x.Length)
            throw new ArgumentException(
                $"{op}: {name} stored as {rows}×{cols} (offset {offset}, ld {ld}) needs {end} elements but has {x.Length}.");
    }
}
