using System.Numerics;
using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

[Collection(nameof(ProcessSettings))]
public partial class GemmTests
{
    /// <summary>Every explicit kernel path; each test skips nothing silently (see <see cref="Supported"/>).</summary>
    public static TheoryData<KernelPath> Paths => new() { KernelPath.Avx512, KernelPath.Avx2, KernelPath.Portable };

    /// <summary>
    /// (m, n, k): degenerate, odd, exactly one tile, and shapes that cross the MC (rows), KC (depth) and NC (columns)
    /// block sizes or are large enough to be split over threads along rows or columns. Narrow ones read A in place;
    /// (20, 400, 30) has too many columns for that and runs whole packed tiles; (30, 1000, 203) packs an A too large for
    /// L1 into whole row panels (on every path: the register transposes of 6- and 12-row panels and their scalar tails);
    /// (20, 400, 30) and (28, 96, 300) end in a row tile of 8 and of 4 rows across whole column panels, which the AVX-512
    /// kernel writes straight into C, the second also over a second k-block (adding to C); with a transposed A, (200, 9,
    /// 40), (300, 5, 200) and (260, 28, 600) are narrow enough to run as their transpose (the last over three k-blocks).
    /// </summary>
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 5, 3), (4, 1, 9), (7, 13, 5), (6, 16, 8), (12, 32, 17), (13, 33, 1),
        (129, 67, 300), (200, 9, 40), (300, 5, 200), (2, 4100, 3), (65, 70, 66), (20, 400, 30),
        (30, 1000, 203), (28, 96, 300), (260, 28, 600),
        // Deep with a small result (a weight gradient): split along k at a block boundary, the halves added.
        (33, 41, 1500),
    ];

    /// <summary>
    /// Runs <paramref name="check"/> on <paramref name="path"/>: natively where this CPU has it; elsewhere it first asserts
    /// that forcing the path is refused (a missing instruction set is a checked fact), then runs the check with the
    /// path's vector code executed by the runtime's software fallback (the checks multiply through
    /// <see cref="MultiplyOn{T}"/>, which uses the internal <see cref="Gemm.MultiplyOnAnyPath{T}"/> there), so every
    /// path's kernel, packing and edge code is tested on every machine. Portable must always run natively.
    /// </summary>
    internal static void OnPath(KernelPath path, Action check)
    {
        if (path == KernelPath.Portable)
            Assert.True(KernelPaths.IsSupported(path));
        if (KernelPaths.IsSupported(path))
        {
            check();
            return;
        }
        float[] one = [1f];
        Assert.Throws<PlatformNotSupportedException>(
            () => Gemm.Multiply(one, 0, 1, false, one, 0, 1, false, one, 0, 1, 1, 1, 1, false, path));
        check();
    }

    /// <summary>Gemm.Multiply on <paramref name="path"/>: the public entry point where the CPU has the path, the
    /// internal one that runs it on the software fallback where it does not.</summary>
    internal static void MultiplyOn<T>(KernelPath path, T[] a, int aOffset, int lda, bool transA, T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc, int m, int n, int k, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (KernelPaths.IsSupported(path)) Gemm.Multiply(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate, path);
        else Gemm.MultiplyOnAnyPath(a, aOffset, lda, transA, b, bOffset, ldb, transB, c, cOffset, ldc, m, n, k, accumulate, path);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Float_MatchesNaiveOracle_AllShapesTransposesAndModes(KernelPath path) =>
        OnPath(path, () => CheckAll<float>(path, seed: 1));

    [Theory]
    [MemberData(nameof(Paths))]
    public void Double_MatchesNaiveOracle_AllShapesTransposesAndModes(KernelPath path) =>
        OnPath(path, () => CheckAll<double>(path, seed: 2));

    [Fact]
    public void Half_UsesScalarFallback_MatchesNaiveOracle()
    {
        // Oracle: double triple loop over the same Half inputs; bound (k + 2)·eps_half·Σ|a||b|.
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 13, 5), (5, 3, 20) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    CheckOne<Half>(KernelPath.Auto, m, n, k, ta, tb, true, new Random(m * 31 + n), double.CreateChecked(Eps<Half>()));
    }

    [Fact]
    public void Deterministic_RepeatedAndSingleVsMultiThreaded_BitIdentical()
    {
        // Oracle: the library's own single-threaded result; threading must not change a single bit.
        var rng = new Random(7);
        const int m = 301, n = 283, k = 517;
        float[] a = RandomArray<float>(m * k, rng), b = RandomArray<float>(k * n, rng);
        foreach (var path in new[] { KernelPaths.Best, KernelPath.Portable })
        {
            float[] c1 = new float[m * n], c2 = new float[m * n], c3 = new float[m * n];
            Gemm.Multiply(a, 0, k, false, b, 0, n, false, c1, 0, n, m, n, k, false, path);
            Gemm.Multiply(a, 0, k, false, b, 0, n, false, c2, 0, n, m, n, k, false, path);
            var single = new GemmProblem<float>(a, 0, k, false, b, 0, n, false, c3, 0, n, m, n, k, false);
            Gemm.Run(single, path, maxThreads: 1);
            Assert.Equal(c1, c2);
            Assert.Equal(c1, c3);
        }
    }

    [Fact]
    public void DeepProductSplitAlongK_SameBitsForOneTwoAndFourThreads()
    {
        // Oracle: the single-threaded result. A deep product with a small result (here Gᵀ·x over 2500 rows, accumulating
        // onto C) is split into two halves of k by its shape alone, so no thread count may change a bit.
        var rng = new Random(17);
        const int m = 70, n = 45, k = 2500;
        float[] a = RandomArray<float>(k * m, rng), b = RandomArray<float>(k * n, rng), c0 = RandomArray<float>(m * n, rng);
        int threads = Workers.ThreadCount;
        try
        {
            float[]? reference = null;
            foreach (int t in new[] { 1, 2, 4 })
            {
                Workers.ThreadCount = t;
                float[] c = (float[])c0.Clone();
                Gemm.Multiply(a, 0, m, true, b, 0, n, false, c, 0, n, m, n, k, accumulate: true);
                reference ??= c;
                Assert.Equal(reference, c);
            }
        }
        finally
        {
            Workers.ThreadCount = threads;
        }
    }

    [Fact]
    public void Batched_EqualsOneCallPerMatrix_BitIdentical_WithSharedB()
    {
        // Oracle: separate Multiply calls per batch entry; B has stride 0 (shared weight). The sizes make the
        // batch run in parallel over contiguous ranges of matrices.
        var rng = new Random(11);
        const int batch = 64, m = 20, n = 24, k = 30;
        double[] a = RandomArray<double>(batch * m * k, rng), b = RandomArray<double>(k * n, rng);
        double[] c = RandomArray<double>(batch * m * n, rng), expected = (double[])c.Clone();
        Gemm.MultiplyBatched(batch, a, 0, m * k, k, false, b, 0, 0, n, false, c, 0, m * n, n, m, n, k, accumulate: true);
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(a, i * m * k, k, false, b, 0, n, false, expected, i * m * n, n, m, n, k, accumulate: true);
        Assert.Equal(expected, c);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]  // ragged: whole rounds of one matrix per core, then a tail on all cores
    [InlineData(16)]
    public void Batched_LargeMatrices_EqualOneCallPerMatrix_BitIdentical_WithSharedA(int batch)
    {
        // Oracle: separate Multiply calls per batch entry. Each product (64·196·288 multiply-adds, a conv layer's
        // image) is above the size where the batch is scheduled one matrix per task, and A has stride 0.
        var rng = new Random(13);
        const int m = 64, n = 196, k = 288;
        float[] a = RandomArray<float>(m * k, rng), b = RandomArray<float>(batch * k * n, rng);
        float[] c = new float[batch * m * n], expected = new float[batch * m * n];
        Gemm.MultiplyBatched(batch, a, 0, 0, k, false, b, 0, k * n, n, false, c, 0, m * n, n, m, n, k, accumulate: false);
        for (int i = 0; i < batch; i++)
            Gemm.Multiply(a, 0, k, false, b, i * k * n, n, false, expected, i * m * n, n, m, n, k, accumulate: false);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Batched_MatchesNaiveOracle_Transposed()
    {
        // Oracle: double triple loop per batch entry.
        var rng = new Random(12);
        const int batch = 5, m = 40, n = 70, k = 33;
        float[] a = RandomArray<float>(batch * m * k, rng), b = RandomArray<float>(batch * k * n, rng);
        float[] c = new float[batch * m * n];
        Gemm.MultiplyBatched(batch, a, 0, m * k, m, true, b, 0, k * n, k, true, c, 0, m * n, n, m, n, k, false);
        for (int i = 0; i < batch; i++)
        {
            var (want, bound) = Oracle(a, i * m * k, m, true, b, i * k * n, k, true, null, 0, n, m, n, k);
            for (int e = 0; e < m * n; e++)
                Assert.True(Math.Abs(c[i * m * n + e] - want[e]) <= 1e-6 * (k + 2) * bound[e], $"batch {i} element {e}");
        }
    }

    [Fact]
    public void BadArguments_FailWithOperandName()
    {
        // Oracle: A stored 3×4 needs 12 elements; 11 must be rejected before any pointer is formed.
        var small = new float[11];
        var ok = new float[100];
        var ex = Assert.Throws<ArgumentException>(
            () => Gemm.Multiply(small, 0, 4, false, ok, 0, 5, false, ok, 0, 5, 3, 5, 4, false));
        Assert.Contains("A", ex.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(ok, 0, 3, false, ok, 0, 5, false, ok, 0, 5, 3, 5, 4, false));
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(ok, 0, 4, false, ok, 0, 5, false, ok, 0, 4, 3, 5, 4, false));
    }

    [Fact]
    public void ZeroDepth_OverwritesWithZeroOrKeeps()
    {
        // Oracle: an empty sum is 0, so C = 0 (overwrite) or C unchanged (accumulate).
        float[] none = [], c = [1f, 2f, 3f, 4f];
        Gemm.Multiply(none, 0, 1, false, none, 0, 2, false, c, 0, 2, 2, 2, 0, accumulate: true);
        Assert.Equal([1f, 2f, 3f, 4f], c);
        Gemm.Multiply(none, 0, 1, false, none, 0, 2, false, c, 0, 2, 2, 2, 0, accumulate: false);
        Assert.Equal([0f, 0f, 0f, 0f], c);
    }

    private static void CheckAll<T>(KernelPath path, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var rng = new Random(seed);
        double tol = double.CreateChecked(Eps<T>());
        foreach (var (m, n, k) in Shapes)
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                    foreach (bool acc in new[] { false, true })
                        CheckOne<T>(path, m, n, k, ta, tb, acc, rng, tol);
    }

    private static T Eps<T>() where T : IFloatingPointIeee754<T> => T.BitIncrement(T.One) - T.One;

    /// <summary>
    /// One product with padded leading dimensions and non-zero offsets, against the double oracle.
    /// The bound is (k + 2)·eps·Σ_p |a||b| (+ |C0|): the classic worst case for a length-k dot product.
    /// Padding cells of C must stay untouched.
    /// </summary>
    private static void CheckOne<T>(KernelPath path, int m, int n, int k, bool ta, bool tb, bool acc, Random rng, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        int lda = aCols + 3, ldb = bCols + 1, ldc = n + 2, aOff = 5, bOff = 2, cOff = 7;
        T[] a = RandomArray<T>(aOff + aRows * lda, rng), b = RandomArray<T>(bOff + bRows * ldb, rng);
        T[] c = RandomArray<T>(cOff + m * ldc + 4, rng), c0 = (T[])c.Clone();
        MultiplyOn(path, a, aOff, lda, ta, b, bOff, ldb, tb, c, cOff, ldc, m, n, k, acc);
        var (want, bound) = Oracle(a, aOff, lda, ta, b, bOff, ldb, tb, acc ? c0 : null, cOff, ldc, m, n, k);
        for (int idx = 0; idx < c.Length; idx++)
        {
            int rel = idx - cOff, i = rel / ldc, j = rel - i * ldc;
            bool inside = rel >= 0 && i < m && j < n;
            if (!inside)
            {
                Assert.True(c[idx] == c0[idx], $"{path} {m}x{n}x{k} ta={ta} tb={tb}: padding cell {idx} was written");
                continue;
            }
            double got = double.CreateChecked(c[idx]), err = Math.Abs(got - want[i * n + j]);
            Assert.True(err <= (k + 2) * eps * bound[i * n + j],
                $"{path} {typeof(T).Name} {m}x{n}x{k} ta={ta} tb={tb} acc={acc} C({i},{j}) = {got}, oracle {want[i * n + j]}");
        }
    }

    /// <summary>Naive triple loop in double: value and Σ|terms| of each C(i, j).</summary>
    internal static (double[] Value, double[] Bound) Oracle<T>(
        T[] a, int aOff, int lda, bool ta, T[] b, int bOff, int ldb, bool tb, T[]? c0, int cOff, int ldc, int m, int n, int k)
        where T : INumberBase<T>
    {
        var value = new double[m * n];
        var bound = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
                    double y = double.CreateChecked(tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
                    s += x * y;
                    abs += Math.Abs(x * y);
                }
                if (c0 is not null)
                {
                    double c = double.CreateChecked(c0[cOff + i * ldc + j]);
                    s += c;
                    abs += Math.Abs(c);
                }
                value[i * n + j] = s;
                bound[i * n + j] = abs + double.Epsilon;
            }
        return (value, bound);
    }

    internal static T[] RandomArray<T>(int length, Random rng) where T : INumberBase<T>
    {
        var x = new T[length];
        for (int i = 0; i < x.Length; i++)
            x[i] = T.CreateChecked(rng.NextDouble() * 2 - 1);
        return x;
    }
}
