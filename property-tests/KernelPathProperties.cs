using FsCheck.Xunit;

namespace Autograd.PropertyTests;

/// <summary>
/// Kernel paths the small registry shapes never reach: GEMM switches to row-parallel execution once m·n·k ≥ 2¹⁸.
/// Oracle: the defining triple sum C[i, j] = Σₚ A[i, p]·B[p, j] in plain loops, and its adjoints ∂⟨V, C⟩/∂A = V·Bᵀ,
/// ∂⟨V, C⟩/∂B = Aᵀ·V written as the same sums.
/// </summary>
public class KernelPathProperties
{
    [Property(MaxTest = 4, Replay = PropertyConfig.Replay)]
    public void LargeMatMulMatchesTheTripleSum(int seed)
    {
        var g = new Choices((uint)seed);
        int m = 64 + g.NextInt(16), k = 64 + g.NextInt(16), n = 64 + g.NextInt(16); // m·n·k ≥ 2¹⁸
        bool transA = g.NextInt(2) == 0, transB = g.NextInt(2) == 0;
        // Stored transposed when flagged, so the product reads a strided (transposed) view.
        var a = TensorGen.Uniform(g, transA ? [k, m] : [m, k]);
        var b = TensorGen.Uniform(g, transB ? [n, k] : [k, n]);
        var av = transA ? a.MT : a;
        var bv = transB ? b.MT : b;
        double[] A = av.ToArray(), B = bv.ToArray();
        var c = av.MatMul(bv);
        var expected = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) expected[i * n + j] += A[i * k + p] * B[p * n + j];
        string what = $"MatMul [{m}, {k}]·[{k}, {n}] (transA {transA}, transB {transB})";
        Laws.Close(expected, c.ToArray(), what, atol: 1e-10, rtol: 1e-12);

        var v = TensorGen.Uniform(g, [m, n], grad: false);
        double[] V = v.ToArray();
        var grads = Laws.Vjp(av.MatMul(bv), [a, b], v);
        var ga = new double[m * k];
        var gb = new double[k * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++)
                {
                    ga[i * k + p] += V[i * n + j] * B[p * n + j];
                    gb[p * n + j] += A[i * k + p] * V[i * n + j];
                }
        Laws.Close(ga, (transA ? grads[0].MT : grads[0]).ToArray(), $"{what}: ∂/∂A", atol: 1e-10, rtol: 1e-12);
        Laws.Close(gb, (transB ? grads[1].MT : grads[1]).ToArray(), $"{what}: ∂/∂B", atol: 1e-10, rtol: 1e-12);
    }
}
