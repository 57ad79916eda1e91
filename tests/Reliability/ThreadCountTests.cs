using Autograd.Kernels;

namespace Autograd.Tests.Reliability;

/// <summary>
/// Ops large enough to run in parallel chunks give the same bits, forward and backward, with 1, 2 and 3 worker threads
/// (Workers.ThreadCount). The oracle is the one-thread run. Elementwise chunks start at multiples of Chunks.Grain,
/// which must stay a multiple of every vector width for VectorMap's blocks not to move; the sweep checks that too.
/// </summary>
[Collection(nameof(ProcessSettings))]
public class ThreadCountTests
{
    /// <summary>Each case: a leaf's values, then the scalar Σ w ⊙ f(x) to differentiate.</summary>
    private static readonly (string Name, int[] Shape, Func<Tensor<double>, Tensor<double>> F)[] Cases =
    [
        ("sin·tanh + exp, 2¹⁹ + 7 elements", [(1 << 19) + 7], x => x.Sin() * x.Tanh() + (x * 0.1).Exp()),
        ("sigmoid of a strided view", [512, 1031], x => x.Transpose(0, 1).Sigmoid()),
        ("matmul 256 × 256, then sums over each dim", [256, 256], x => x.MatMul(x.Transpose(0, 1)).Sum(0) + x.Sum(1)),
        ("column sums of a tall narrow slab (row chunks, partials added in order)", [4099, 130], x => x.Sum(0) + x.Sum(0) * x.Sum(0)),
        ("conv 3×3 then max-pool", [16, 8, 32, 32], x => x.Conv2d(Tensor.Randn<double>([8, 8, 3, 3], new Generator(3)), padding: 1).MaxPool2d(2).Gelu()),
    ];

    public static TheoryData<string> Names => [.. Cases.Select(c => c.Name)];

    [Theory, MemberData(nameof(Names))]
    public void SameBits_ForOneTwoAndThreeWorkerThreads(string name)
    {
        var (_, shape, f) = Cases.Single(c => c.Name == name);
        var x0 = Tensor.Randn<double>(shape, new Generator(1));
        int before = Workers.ThreadCount;
        try
        {
            var runs = new[] { 1, 2, 3 }.Select(threads =>
            {
                Workers.ThreadCount = threads;
                var x = Tensor.FromArray(x0.ToArray(), shape, requiresGrad: true);
                var y = f(x);
                (y * y).Sum().Backward();
                return (Y: AlignmentSweepTests.Bits<double>(y.ToArray()), G: AlignmentSweepTests.Bits<double>(x.Grad!.ToArray()));
            }).ToArray();
            for (int t = 1; t < runs.Length; t++)
            {
                Assert.True(runs[0].Y.SequenceEqual(runs[t].Y), $"{name}: forward differs with {t + 1} threads");
                Assert.True(runs[0].G.SequenceEqual(runs[t].G), $"{name}: gradient differs with {t + 1} threads");
            }
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }

    [Fact]
    public void ChunkGrain_IsAMultipleOfEveryVectorWidth() =>
        // 64 bytes is the widest vector (AVX-512); 4 bytes the smallest element: 16 lanes of float.
        Assert.Equal(0, Chunks.Grain % 16);
}
