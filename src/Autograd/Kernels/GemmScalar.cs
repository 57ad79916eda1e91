using System.Numerics;

namespace Autograd.Kernels;

/// <summary>Straightforward GEMM for element types without a SIMD kernel (e.g. <see cref="Half"/>).</summary>
internal static class GemmScalar
{
    /// <summary>C(i, j) = (Accumulate ? C(i, j) : 0) + Σ_p op(A)(i, p)·op(B)(p, j), summed in p order.</summary>
    public static void Run<T>(in GemmProblem<T> g) where T : INumberBase<T>
    {
        for (int i = 0; i < g.M; i++)
        {
            for (int j = 0; j < g.N; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < g.K; p++)
                {
                    T x = g.TransA ? g.A[g.AOffset + p * g.Lda + i] : g.A[g.AOffset + i * g.Lda + p];
                    T y = g.TransB ? g.B[g.BOffset + j * g.Ldb + p] : g.B[g.BOffset + p * g.Ldb + j];
                    sum += x * y;
                }
                ref T cij = ref g.C[g.COffset + i * g.Ldc + j];
                cij = g.Accumulate ? cij + sum : sum;
            }
        }
    }
}
