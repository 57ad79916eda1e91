using System.Numerics;
using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

// The product with a row bias written tile by tile, with an epilogue on each finished block, and with a prepacked B:
// each against the plain product on the same path.
public partial class GemmTests
{
    [Theory]
    [MemberData(nameof(Paths))]
    public void RowBias_GivesTheBitsOfWritingItIntoEveryRowThenAccumulating(KernelPath path) => OnPath(path, () =>
    {
        // Oracle: b written into every row of C, then Multiply with accumulate on the same path (what Linear did before
        // the driver wrote b tile by tile). Every shape (edge tiles, several k-blocks, the small and transposed forms,
        // zero depth), every layout, one thread or all, float and double.
        var rng = new Random(57);
        int threads = Workers.ThreadCount;
        try
        {
            foreach (var (m, n, k) in Shapes.Append((40, 9, 0)))
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        foreach (int t in new[] { 1, Math.Max(2, threads) })
                        {
                            Workers.ThreadCount = t;
                            RowBiasAgrees<float>(rng, path, m, n, k, transA, transB);
                            RowBiasAgrees<double>(rng, path, m, n, k, transA, transB);
                        }
        }
        finally
        {
            Workers.ThreadCount = threads;
        }
    });

    private static void RowBiasAgrees<T>(Random rng, KernelPath path, int m, int n, int k, bool transA, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 3;
        T[] a = RandomArray<T>((transA ? k : m) * lda + 1, rng), b = RandomArray<T>((transB ? n : k) * ldb + 1, rng), bias = RandomArray<T>(n + 2, rng);
        T[] expected = RandomArray<T>(m * ldc, rng), actual = (T[])expected.Clone();
        for (int i = 0; i < m; i++) Array.Copy(bias, 2, expected, i * ldc, n);
        MultiplyOn(path, a, 1, lda, transA, b, 1, ldb, transB, expected, 0, ldc, m, n, k, accumulate: true);
        Gemm.MultiplyPlusRow(a, 1, lda, transA, b, 1, ldb, transB, bias, 2, actual, 0, ldc, m, n, k, path);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Epilogue_GivesTheBitsOfTheWholeProductFollowedByTheEpilogue(KernelPath path) => OnPath(path, () =>
    {
        // Oracle: the product (with a row bias or without) computed on the same path, then the epilogue applied once over
        // all of C. The driver applies it per block as each completes: after the last of several k-blocks, at edge tiles,
        // over a product split along k (after its halves are added), and on the small and transposed forms. GELU with its
        // slope and a scaling by S each change an element differently when applied twice or not at all, so equal bits
        // mean every element was finished exactly once, complete. One thread or several, float and double.
        var rng = new Random(59);
        int threads = Workers.ThreadCount;
        try
        {
            foreach (var (m, n, k) in Shapes.Append((40, 9, 0)))
                foreach (bool transA in new[] { false, true })
                    foreach (int t in new[] { 1, Math.Max(2, threads), 3 })
                    {
                        Workers.ThreadCount = t;
                        EpilogueAgrees<float>(rng, path, m, n, k, transA, bias: t == 1);
                        EpilogueAgrees<double>(rng, path, m, n, k, transA, bias: t != 1);
                    }
        }
        finally
        {
            Workers.ThreadCount = threads;
        }
    });

    private static void EpilogueAgrees<T>(Random rng, KernelPath path, int m, int n, int k, bool transA, bool bias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 1, ldb = n + 2, ldc = n + 3;
        T[] a = RandomArray<T>((transA ? k : m) * lda + 1, rng), b = RandomArray<T>(k * ldb + 1, rng), row = RandomArray<T>(n + 1, rng), scale = RandomArray<T>(m * n, rng);
        foreach (bool gelu in new[] { true, false })
        {
            T[] expected = RandomArray<T>(m * ldc, rng), actual = (T[])expected.Clone(), slopeExpected = new T[m * n], slopeActual = new T[m * n];
            if (bias)
            {
                for (int i = 0; i < m; i++) Array.Copy(row, 1, expected, i * ldc, n);
                MultiplyOn(path, a, 1, lda, transA, b, 1, ldb, false, expected, 0, ldc, m, n, k, accumulate: true);
            }
            else MultiplyOn(path, a, 1, lda, transA, b, 1, ldb, false, expected, 0, ldc, m, n, k, accumulate: false);
            GemmEpilogue<T> Epilogue(T[] slope) => gelu ? new ActivationEpilogue<T>(true, slope, n) : new ScaleEpilogue<T>(scale, n);
            Epilogue(slopeExpected).Apply(expected, 0, ldc, 0, m, 0, n);
            Gemm.MultiplyThen(a, 1, lda, transA, b, 1, ldb, false, bias ? row : null, 1, actual, 0, ldc, m, n, k, Epilogue(slopeActual), path);
            Assert.Equal(expected, actual);
            Assert.Equal(slopeExpected, slopeActual);
        }
    }

    [Fact]
    public void RowBias_TooShort_IsRefusedByName()
    {
        float[] a = new float[6], b = new float[6], c = new float[4], bias = new float[2];
        var e = Assert.Throws<ArgumentException>(() => Gemm.MultiplyPlusRow(a, 0, 3, false, b, 0, 2, false, bias, 1, c, 0, 2, 2, 2, 3));
        Assert.Contains("bias", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void PackedOperandGivesTheSameBitsAsPackingPerProduct(KernelPath path) => OnPath(path, () =>
    {
        // Oracle: Multiply on the same path, which packs op(B) itself; a prepacked B must feed the kernel the same
        // panels, so every element is the same chain of multiply-adds (all shapes, both layouts of B, accumulating or
        // not, on one thread or all, float and double).
        var rng = new Random(91);
        foreach (var (m, n, k) in Shapes)
            foreach (bool transB in new[] { false, true })
            {
                PackedAgrees<float>(rng, path, m, n, k, transB);
                PackedAgrees<double>(rng, path, m, n, k, transB);
            }
    });

    private static void PackedAgrees<T>(Random rng, KernelPath path, int m, int n, int k, bool transB)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = k + 2, ldb = (transB ? k : n) + 1, ldc = n + 3;
        T[] a = RandomArray<T>(m * lda, rng), b = RandomArray<T>((transB ? n : k) * ldb + 1, rng), start = RandomArray<T>(m * ldc, rng);
        var packed = Gemm.PackB(b, 1, ldb, transB, k, n, path);
        foreach (bool accumulate in new[] { false, true })
            foreach (bool oneThread in new[] { false, true })
            {
                T[] expected = (T[])start.Clone(), actual = (T[])start.Clone();
                Gemm.MultiplyOnAnyPath(a, 0, lda, false, b, 1, ldb, transB, expected, 0, ldc, m, n, k, accumulate, path);
                Gemm.MultiplyPacked(a, 0, lda, packed, actual, 0, ldc, m, accumulate, oneThread);
                Assert.Equal(expected, actual);
            }
    }
}
