using System.Numerics;

namespace Autograd.Kernels;

/// <summary>Batch normalisation over a contiguous [N, C, S] buffer with per-channel batch statistics (channel c owns
/// the N rows x[n, c, 0..S)): the forward and the fused first-order backward, built on the per-channel passes of
/// <see cref="Reduce"/>.</summary>
internal static class BatchNorm
{
    /// <summary>
    /// y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c with μ_c, σ²_c the mean and biased variance of channel c (written to
    /// <paramref name="mean"/> and <paramref name="variance"/>, in double); γ, β absent mean 1 and 0.
    /// </summary>
    public static void Forward<T>(T[] x, int offset, int batch, int channels, int size, T[]? gamma, T[]? beta, double eps,
        T[] y, double[] mean, double[] variance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Reduce.ChannelMoments(x, offset, batch, channels, size, mean, variance);
        T[] center = Scratch.Rent<T>(channels), scale = Scratch.Rent<T>(channels), shift = Scratch.Rent<T>(channels);
        for (int c = 0; c < channels; c++)
        {
            double invStd = 1 / Math.Sqrt(variance[c] + eps);
            center[c] = T.CreateTruncating(mean[c]);
            scale[c] = T.CreateTruncating(invStd * (gamma is null ? 1 : double.CreateTruncating(gamma[c])));
            shift[c] = beta is null ? T.Zero : beta[c];
        }
        Reduce.ChannelAffine(x, offset, batch, channels, size, center, scale, shift, y);
        Scratch.Return(center);
        Scratch.Return(scale);
        Scratch.Return(shift);
    }

    /// <summary>
    /// The backward in two passes: Σg and Σg·(x − μ) per channel, then dx = a·g + b·(x − μ) + k per channel with
    /// a = γ·invstd, b = −a·invstd²·Σg(x − μ)/M, k = −a·Σg/M (M = N·S); also dγ = invstd·Σg·(x − μ) and dβ = Σg.
    /// </summary>
    public static void Backward<T>(T[] g, int gOffset, T[] x, int xOffset, int batch, int channels, int size,
        double[] mean, double[] invStd, T[]? gamma, T[] dx, T[] dw, T[] db) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] sumG = new double[channels], sumGX = new double[channels];
        Reduce.ChannelGradSums(g, gOffset, x, xOffset, batch, channels, size, mean, sumG, sumGX);
        T[] a = Scratch.Rent<T>(channels), b = Scratch.Rent<T>(channels), center = Scratch.Rent<T>(channels), k = Scratch.Rent<T>(channels);
        double count = (double)batch * size;
        for (int c = 0; c < channels; c++)
        {
            double inv = invStd[c], ac = inv * (gamma is null ? 1 : double.CreateTruncating(gamma[c]));
            double bc = -ac * inv * inv * sumGX[c] / count;
            center[c] = T.CreateTruncating(mean[c]);
            a[c] = T.CreateTruncating(ac);
            b[c] = T.CreateTruncating(bc);
            // b·(x − center) differs from b·(x − μ) by b·(μ − center): folded into k.
            k[c] = T.CreateTruncating(-ac * sumG[c] / count - bc * (mean[c] - double.CreateTruncating(center[c])));
            dw[c] = T.CreateTruncating(inv * sumGX[c]);
            db[c] = T.CreateTruncating(sumG[c]);
        }
        Reduce.ChannelCombine(g, gOffset, x, xOffset, batch, channels, size, a, b, center, k, dx);
        foreach (var t in (ReadOnlySpan<T[]>)[a, b, center, k]) Scratch.Return(t);
    }
}
