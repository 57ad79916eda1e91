using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Layer normalisation over the rows of a contiguous [rows, size] buffer: the forward with γ and β folded in,
/// and the fused first-order backward; rows run in parallel chunks, each row's passes vectorised.</summary>
internal static class LayerNorm
{
    /// <summary>
    /// y = (x − μ)·r·γ + β per row, with μ and the biased variance σ² of the row and r = 1/√(σ² + ε) (written to
    /// <paramref name="mean"/> and <paramref name="invStd"/>); γ, β absent mean 1 and 0. Two passes over each row for
    /// the statistics (mean, then Σ(x − μ)², so no cancellation), one for the output.
    /// </summary>
    public static void Forward<T>(T[] x, int offset, int rows, int size, T[]? gamma, T[]? beta, double eps, T[] y,
        double[] mean, double[] invStd) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Chunks.ForItems(rows, 3L * size, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                var row = x.AsSpan(offset + r * size, size);
                var dst = y.AsSpan(r * size, size);
                T mu = TensorPrimitives.Sum<T>(row) / T.CreateChecked(Math.Max(size, 1));
                TensorPrimitives.Subtract(row, mu, dst);
                double variance = double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(dst)) / Math.Max(size, 1);
                double inv = 1 / Math.Sqrt(variance + eps);
                mean[r] = double.CreateTruncating(mu);
                invStd[r] = inv;
                TensorPrimitives.Multiply(dst, T.CreateTruncating(inv), dst);
                if (gamma is not null) TensorPrimitives.Multiply(dst, gamma, dst);
                if (beta is not null) TensorPrimitives.Add(dst, beta, dst);
            }
        });
    }

    /// <summary>
    /// With x̂ = (x − μ)·r and ĝ = g·γ per row: dx = r·(ĝ − Σĝ/D − x̂·Σ(ĝ·x̂)/D) (rows in parallel), and, summed over
    /// rows, dγ = Σ g·x̂ and dβ = Σ g (when asked for).
    /// </summary>
    public static void Backward<T>(T[] g, int gOffset, T[] x, int xOffset, int rows, int size, double[] mean, double[] invStd,
        T[]? gamma, T[] dx, T[]? dgamma, T[]? dbeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(Math.Max(size, 1));
        Chunks.ForItems(rows, 4L * size, (s, e) =>
        {
            var scaled = Scratch.Rent<T>(size);
            for (int r = s; r < e; r++)
            {
                var gr = g.AsSpan(gOffset + r * size, size);
                var xHat = dx.AsSpan(r * size, size);
                var gHat = scaled.AsSpan(0, size);
                Normalised(x.AsSpan(xOffset + r * size, size), mean[r], invStd[r], xHat);
                if (gamma is null) gr.CopyTo(gHat);
                else TensorPrimitives.Multiply(gr, gamma, gHat);
                T sumG = TensorPrimitives.Sum<T>(gHat), sumGX = TensorPrimitives.Dot<T>(gHat, xHat);
                // dx = r·(ĝ − x̂·Σĝx̂/D − Σĝ/D), written over x̂.
                TensorPrimitives.MultiplyAdd(xHat, -sumGX / count, gHat, xHat);
                TensorPrimitives.Add(xHat, -sumG / count, xHat);
                TensorPrimitives.Multiply(xHat, T.CreateTruncating(invStd[r]), xHat);
            }
            Scratch.Return(scaled);
        });
        if (dgamma is null && dbeta is null) return;
        // The parameter gradients sum over rows: one pass on this thread, recomputing x̂ per row.
        var row = Scratch.Rent<T>(size);
        if (dgamma is not null) Array.Clear(dgamma, 0, size);
        if (dbeta is not null) Array.Clear(dbeta, 0, size);
        for (int r = 0; r < rows; r++)
        {
            var gr = g.AsSpan(gOffset + r * size, size);
            if (dbeta is not null) TensorPrimitives.Add(dbeta.AsSpan(0, size), gr, dbeta.AsSpan(0, size));
            if (dgamma is null) continue;
            var xHat = row.AsSpan(0, size);
            Normalised(x.AsSpan(xOffset + r * size, size), mean[r], invStd[r], xHat);
            TensorPrimitives.MultiplyAdd(gr, xHat, dgamma.AsSpan(0, size), dgamma.AsSpan(0, size));
        }
        Scratch.Return(row);
    }

    /// <summary>x̂ = (x − μ)·r.</summary>
    private static void Normalised<T>(ReadOnlySpan<T> x, double mean, double invStd, Span<T> xHat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, T.CreateTruncating(mean), xHat);
        TensorPrimitives.Multiply(xHat, T.CreateTruncating(invStd), xHat);
    }
}
