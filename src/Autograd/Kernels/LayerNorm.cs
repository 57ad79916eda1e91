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
                if (gamma is not null && beta is not null) TensorPrimitives.MultiplyAdd(dst, gamma, beta, dst); // (x̂·γ) + β, two roundings as apart
                else if (gamma is not null) TensorPrimitives.Multiply(dst, gamma, dst);
                else if (beta is not null) TensorPrimitives.Add(dst, beta, dst);
            }
        });
    }

    /// <summary>
    /// With x̂ = (x − μ)·r and ĝ = g·γ per row: dx = r·(ĝ − Σĝ/D − x̂·Σ(ĝ·x̂)/D), and, summed over rows, dγ = Σ g·x̂ and
    /// dβ = Σ g (when asked for), all in one pass over the rows in parallel chunks: each chunk sums its rows' dγ and dβ
    /// into its own slot while x̂ is at hand, and the slots are added in chunk order at the end. Chunk boundaries depend
    /// only on the sizes, so the sums do not depend on the number of threads.
    /// </summary>
    public static void Backward<T>(T[] g, int gOffset, T[] x, int xOffset, int rows, int size, double[] mean, double[] invStd,
        T[]? gamma, T[] dx, T[]? dgamma, T[]? dbeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T count = T.CreateChecked(Math.Max(size, 1));
        long itemCost = 4L * Math.Max(size, 1), grain = Math.Max(1, Chunks.Grain / itemCost);
        int chunks = (int)((rows + grain - 1) / grain);
        T[]? partGamma = dgamma is null ? null : Scratch.Rent<T>(chunks * size);
        T[]? partBeta = dbeta is null ? null : Scratch.Rent<T>(chunks * size);
        // A serial run gets all the rows at once: it still sums them chunk by chunk, into the same slots.
        Chunks.For(rows, grain, rows * itemCost, (s, e) =>
        {
            var scaled = Scratch.Rent<T>(size);
            for (int c = (int)(s / grain); c * grain < e; c++)
            {
                Span<T> sumGamma = partGamma is null ? default : partGamma.AsSpan(c * size, size);
                Span<T> sumBeta = partBeta is null ? default : partBeta.AsSpan(c * size, size);
                sumGamma.Clear();
                sumBeta.Clear();
                for (int r = (int)(c * grain), end = (int)Math.Min(e, (c + 1) * grain); r < end; r++)
                {
                    var gr = g.AsSpan(gOffset + r * size, size);
                    var xHat = dx.AsSpan(r * size, size);
                    var gHat = scaled.AsSpan(0, size);
                    Normalised(x.AsSpan(xOffset + r * size, size), mean[r], invStd[r], xHat);
                    if (!sumBeta.IsEmpty) TensorPrimitives.Add(sumBeta, gr, sumBeta);
                    if (!sumGamma.IsEmpty) TensorPrimitives.MultiplyAdd(gr, xHat, sumGamma, sumGamma);
                    if (gamma is null) gr.CopyTo(gHat);
                    else TensorPrimitives.Multiply(gr, gamma, gHat);
                    T sumG = TensorPrimitives.Sum<T>(gHat), sumGX = TensorPrimitives.Dot<T>(gHat, xHat);
                    // dx = r·(ĝ − x̂·Σĝx̂/D − Σĝ/D), written over x̂.
                    TensorPrimitives.MultiplyAdd(xHat, -sumGX / count, gHat, xHat);
                    TensorPrimitives.Add(xHat, -sumG / count, xHat);
                    TensorPrimitives.Multiply(xHat, T.CreateTruncating(invStd[r]), xHat);
                }
            }
            Scratch.Return(scaled);
        });
        SumSlots(partGamma, chunks, size, dgamma);
        SumSlots(partBeta, chunks, size, dbeta);
    }

    /// <summary>destination = Σ_c slots[c·size .. (c + 1)·size) in chunk order; the slots go back to the scratch pool.</summary>
    private static void SumSlots<T>(T[]? slots, int chunks, int size, T[]? destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (slots is null || destination is null) return;
        var sum = destination.AsSpan(0, size);
        sum.Clear();
        for (int c = 0; c < chunks; c++) TensorPrimitives.Add(sum, slots.AsSpan(c * size, size), sum);
        Scratch.Return(slots);
    }

    /// <summary>x̂ = (x − μ)·r.</summary>
    private static void Normalised<T>(ReadOnlySpan<T> x, double mean, double invStd, Span<T> xHat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Subtract(x, T.CreateTruncating(mean), xHat);
        TensorPrimitives.Multiply(xHat, T.CreateTruncating(invStd), xHat);
    }
}
