using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>Layer normalisation over the rows of a contiguous [rows, size] buffer: the forward with γ and β folded in,
/// and the fused first-order backward; rows run in parallel chunks. Each row is a few vector loops written out (three
/// in the forward, two in the backward), at 512 bits where the hardware has them: a transformer's rows are short
/// (d_model = 128 is eight 512-bit vectors), and a library call per step of the formula, about ten per row, cost
/// more than the arithmetic.</summary>
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
        CheckAffine(gamma, beta, size);
        Chunks.ForItems(rows, 3L * size, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                var row = x.AsSpan(offset + r * size, size);
                var (mu, inv) = Vector512.IsHardwareAccelerated
                    ? Rows<T, Vector512<T>, Vector512Ops<T>>.Forward(row, gamma, beta, eps, y.AsSpan(r * size, size))
                    : Rows<T, Vector<T>, VectorOps<T>>.Forward(row, gamma, beta, eps, y.AsSpan(r * size, size));
                mean[r] = mu;
                invStd[r] = inv;
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
        CheckAffine(gamma, null, size);
        long itemCost = 4L * Math.Max(size, 1), grain = Math.Max(1, Chunks.Grain / itemCost);
        int chunks = (int)((rows + grain - 1) / grain);
        T[]? partGamma = dgamma is null ? null : Scratch.Rent<T>(chunks * size);
        T[]? partBeta = dbeta is null ? null : Scratch.Rent<T>(chunks * size);
        // A serial run gets all the rows at once: it still sums them chunk by chunk, into the same slots.
        Chunks.For(rows, grain, rows * itemCost, (s, e) =>
        {
            for (int c = (int)(s / grain); c * grain < e; c++)
            {
                Span<T> sumGamma = partGamma is null ? default : partGamma.AsSpan(c * size, size);
                Span<T> sumBeta = partBeta is null ? default : partBeta.AsSpan(c * size, size);
                sumGamma.Clear();
                sumBeta.Clear();
                for (int r = (int)(c * grain), end = (int)Math.Min(e, (c + 1) * grain); r < end; r++)
                {
                    var gr = g.AsSpan(gOffset + r * size, size);
                    var xr = x.AsSpan(xOffset + r * size, size);
                    var dr = dx.AsSpan(r * size, size);
                    if (Vector512.IsHardwareAccelerated)
                        Rows<T, Vector512<T>, Vector512Ops<T>>.Backward(gr, xr, mean[r], invStd[r], gamma, dr, sumGamma, sumBeta);
                    else
                        Rows<T, Vector<T>, VectorOps<T>>.Backward(gr, xr, mean[r], invStd[r], gamma, dr, sumGamma, sumBeta);
                }
            }
        });
        SumSlots(partGamma, chunks, size, dgamma);
        SumSlots(partBeta, chunks, size, dbeta);
    }

    /// <summary>The row loops read γ and β unchecked: each must hold a value per element of a row.</summary>
    private static void CheckAffine<T>(T[]? gamma, T[]? beta, int size)
    {
        if (gamma is not null && gamma.Length < size || beta is not null && beta.Length < size)
            throw new ArgumentException($"LayerNorm: γ has {gamma?.Length} and β {beta?.Length} elements for rows of {size}");
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

    /// <summary>One row's forward and backward at the width of <typeparamref name="TV"/>: whole vectors, then the
    /// remaining elements one by one with the same operations.</summary>
    internal static class Rows<T, TV, TW> where T : unmanaged, IFloatingPointIeee754<T> where TV : struct where TW : struct, IVectorOps<TV, T>
    {
        /// <summary>Writes y = (x − μ)·r (·γ + β) and returns (μ, r).</summary>
        public static (double Mean, double InvStd) Forward(ReadOnlySpan<T> x, T[]? gamma, T[]? beta, double eps, Span<T> y)
        {
            int n = x.Length, w = TW.Count, whole = n - n % w;
            ref T xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
            TV acc = default;
            for (int i = 0; i < whole; i += w) acc = TW.Add(acc, TW.Load(ref xs, (nuint)i));
            T sum = TW.Sum(acc);
            for (int i = whole; i < n; i++) sum += x[i];
            T mu = sum / T.CreateChecked(Math.Max(n, 1));
            var muV = TW.Splat(mu);
            acc = default;
            for (int i = 0; i < whole; i += w)
            {
                var d = TW.Sub(TW.Load(ref xs, (nuint)i), muV);
                acc = TW.Fma(d, d, acc);
            }
            T squares = TW.Sum(acc);
            for (int i = whole; i < n; i++) squares = T.FusedMultiplyAdd(x[i] - mu, x[i] - mu, squares);
            double inv = 1 / Math.Sqrt(double.CreateTruncating(squares) / Math.Max(n, 1) + eps);
            T r = T.CreateTruncating(inv);
            var rV = TW.Splat(r);
            // (x̂·γ) + β, two roundings, as the separate ops would give.
            ref T gs = ref gamma is null ? ref Unsafe.NullRef<T>() : ref MemoryMarshal.GetArrayDataReference(gamma);
            ref T bs = ref beta is null ? ref Unsafe.NullRef<T>() : ref MemoryMarshal.GetArrayDataReference(beta);
            for (int i = 0; i < whole; i += w)
            {
                var v = TW.Mul(TW.Sub(TW.Load(ref xs, (nuint)i), muV), rV);
                if (gamma is not null) v = TW.Mul(v, TW.Load(ref gs, (nuint)i));
                if (beta is not null) v = TW.Add(v, TW.Load(ref bs, (nuint)i));
                TW.Store(v, ref ys, (nuint)i);
            }
            for (int i = whole; i < n; i++)
            {
                T v = (x[i] - mu) * r;
                if (gamma is not null) v *= gamma[i];
                if (beta is not null) v += beta[i];
                y[i] = v;
            }
            return (double.CreateTruncating(mu), inv);
        }

        /// <summary>dx for one row (over <paramref name="dx"/>), adding g·x̂ to <paramref name="sumGamma"/> and g to
        /// <paramref name="sumBeta"/> where given: a first pass forms x̂ (kept in dx), the sums and Σĝ, Σĝx̂; a second
        /// writes dx = r·((x̂·(−Σĝx̂/D) + ĝ) − Σĝ/D).</summary>
        public static void Backward(ReadOnlySpan<T> g, ReadOnlySpan<T> x, double mean, double invStd, T[]? gamma, Span<T> dx,
            Span<T> sumGamma, Span<T> sumBeta)
        {
            int n = x.Length, w = TW.Count, whole = n - n % w;
            ref T gs = ref MemoryMarshal.GetReference(g), xs = ref MemoryMarshal.GetReference(x), ds = ref MemoryMarshal.GetReference(dx);
            ref T ws = ref gamma is null ? ref Unsafe.NullRef<T>() : ref MemoryMarshal.GetArrayDataReference(gamma);
            ref T sg = ref MemoryMarshal.GetReference(sumGamma), sb = ref MemoryMarshal.GetReference(sumBeta);
            bool withGamma = !sumGamma.IsEmpty, withBeta = !sumBeta.IsEmpty;
            T mu = T.CreateTruncating(mean), r = T.CreateTruncating(invStd);
            TV muV = TW.Splat(mu), rV = TW.Splat(r), accG = default, accGX = default;
            for (int i = 0; i < whole; i += w)
            {
                var gv = TW.Load(ref gs, (nuint)i);
                var xh = TW.Mul(TW.Sub(TW.Load(ref xs, (nuint)i), muV), rV);
                TW.Store(xh, ref ds, (nuint)i);
                if (withBeta) TW.Store(TW.Add(TW.Load(ref sb, (nuint)i), gv), ref sb, (nuint)i);
                if (withGamma) TW.Store(TW.Fma(gv, xh, TW.Load(ref sg, (nuint)i)), ref sg, (nuint)i);
                var gh = gamma is null ? gv : TW.Mul(gv, TW.Load(ref ws, (nuint)i));
                accG = TW.Add(accG, gh);
                accGX = TW.Fma(gh, xh, accGX);
            }
            T sumG = TW.Sum(accG), sumGX = TW.Sum(accGX);
            for (int i = whole; i < n; i++)
            {
                T xh = (x[i] - mu) * r, gh = gamma is null ? g[i] : g[i] * gamma[i];
                dx[i] = xh;
                if (withBeta) sumBeta[i] += g[i];
                if (withGamma) sumGamma[i] = T.FusedMultiplyAdd(g[i], xh, sumGamma[i]);
                sumG += gh;
                sumGX = T.FusedMultiplyAdd(gh, xh, sumGX);
            }
            T count = T.CreateChecked(Math.Max(n, 1)), a = -sumGX / count, b = -sumG / count;
            TV aV = TW.Splat(a), bV = TW.Splat(b);
            for (int i = 0; i < whole; i += w)
            {
                var gv = TW.Load(ref gs, (nuint)i);
                var gh = gamma is null ? gv : TW.Mul(gv, TW.Load(ref ws, (nuint)i));
                TW.Store(TW.Mul(TW.Add(TW.Fma(TW.Load(ref ds, (nuint)i), aV, gh), bV), rV), ref ds, (nuint)i);
            }
            for (int i = whole; i < n; i++)
            {
                T gh = gamma is null ? g[i] : g[i] * gamma[i];
                dx[i] = (T.FusedMultiplyAdd(dx[i], a, gh) + b) * r;
            }
        }
    }
}
