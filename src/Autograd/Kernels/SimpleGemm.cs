using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Straightforward vectorised GEMM: C[m×n] (+)= op(A)[m×k] · op(B)[k×n], row-major, rows in parallel.</summary>
internal static class SimpleGemm
{
    public static void Multiply<T>(T[] a, int aOffset, int lda, bool transA, T[] b, int bOffset, int ldb, bool transB,
        T[] c, int cOffset, int ldc, int m, int n, int k, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (transB && transA)
        {
            // Materialise op(B) so the inner loop can stream rows of B.
            var bt = new T[k * n];
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) bt[p * n + j] = b[bOffset + j * ldb + p];
            b = bt; bOffset = 0; ldb = n; transB = false;
        }
        void Row(int i)
        {
            var crow = c.AsSpan(cOffset + i * ldc, n);
            if (!accumulate) crow.Clear();
            if (transB)
            {
                var arow = a.AsSpan(aOffset + i * lda, k);
                for (int j = 0; j < n; j++) crow[j] += TensorPrimitives.Dot<T>(arow, b.AsSpan(bOffset + j * ldb, k));
                return;
            }
            for (int p = 0; p < k; p++)
            {
                T av = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                if (av == T.Zero) continue;
                TensorPrimitives.MultiplyAdd(b.AsSpan(bOffset + p * ldb, n), av, crow, crow);
            }
        }
        if ((long)m * n * k < 1 << 18 || m == 1)
            for (int i = 0; i < m; i++) Row(i);
        else
            Parallel.For(0, m, Row);
    }
}
