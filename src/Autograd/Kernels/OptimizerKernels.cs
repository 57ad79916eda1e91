using System.Numerics;

namespace Autograd.Kernels;

/// <summary>
/// Fused optimizer updates on spans: one pass over a parameter and its state instead of one pass per equation, on all
/// cores for large parameters. They know nothing of tensors, so an optimizer (or another backend) calls them with the
/// parameter's storage. Each element's update depends on that element alone, so the split over threads never changes
/// a result.
/// </summary>
public static class OptimizerKernels
{
    /// <summary>Elements per parallel chunk: a multiple of every vector width.</summary>
    private const int ChunkElements = 1 << 14;

    /// <summary>
    /// One Adam step (Kingma &amp; Ba 2015) with bias correction, in place, for the <paramref name="step"/>-th update
    /// (t ≥ 1) of θ = <paramref name="param"/> with gradient g = <paramref name="grad"/> (weight decay, if any, already
    /// added to g):
    /// <code>
    /// m ← m + (1 − β₁)(g − m)
    /// v ← β₂v + (1 − β₂)g²
    /// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
    /// </code>
    /// with m = <paramref name="expAvg"/> and v = <paramref name="expAvgSq"/>. The constants γ/(1 − β₁ᵗ) and
    /// 1/√(1 − β₂ᵗ) are computed in double and rounded to <typeparamref name="T"/> once.
    /// </summary>
    public static void Adam<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
        double lr, double beta1, double beta2, double eps, long step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = param.Length;
        if (grad.Length != n || expAvg.Length != n || expAvgSq.Length != n)
            throw new ArgumentException($"OptimizerKernels.Adam: param, grad, expAvg and expAvgSq must have the same length, got {n}, {grad.Length}, {expAvg.Length}, {expAvgSq.Length}");
        if (step < 1) throw new ArgumentOutOfRangeException(nameof(step), $"OptimizerKernels.Adam: step counts updates from 1, got {step}");
        double biasCorrection1 = 1 - Math.Pow(beta1, step), biasCorrection2 = 1 - Math.Pow(beta2, step);
        var c = new AdamConstants<T>(T.CreateChecked(beta1), T.CreateChecked(beta2), T.CreateChecked(1 / Math.Sqrt(biasCorrection2)),
            T.CreateChecked(eps), T.CreateChecked(-lr / biasCorrection1));
        int chunks = (n + ChunkElements - 1) / ChunkElements;
        if (chunks < 2 || Workers.Threads == 1)
        {
            AdamPass(param, grad, expAvg, expAvgSq, c);
            return;
        }
        AdamChunks(param, grad, expAvg, expAvgSq, c, n, chunks);
    }

    /// <summary>β₁, β₂, c₂ = 1/√(1 − β₂ᵗ), ε and step = −γ/(1 − β₁ᵗ) in the element type.</summary>
    private readonly record struct AdamConstants<T>(T Beta1, T Beta2, T C2, T Eps, T Step);

    // Separate from Adam so that small parameters do not allocate the closure. Spans cannot enter a lambda; their pinned
    // addresses can, and stay valid until Workers.For returns.
    private static unsafe void AdamChunks<T>(Span<T> param, ReadOnlySpan<T> grad, Span<T> expAvg, Span<T> expAvgSq,
        AdamConstants<T> c, int n, int chunks) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pp = param, pg = grad, pm = expAvg, pv = expAvgSq)
        {
            nint ap = (nint)pp, ag = (nint)pg, am = (nint)pm, av = (nint)pv;
            Workers.For(chunks, k =>
            {
                int s = k * ChunkElements, e = Math.Min(n, s + ChunkElements);
                AdamPass(new Span<T>((T*)ap + s, e - s), new ReadOnlySpan<T>((T*)ag + s, e - s),
                    new Span<T>((T*)am + s, e - s), new Span<T>((T*)av + s, e - s), c);
            });
        }
    }

    /// <summary>
    /// One pass of m ← m + (1 − β₁)(g − m), v ← β₂v + (1 − β₂)g², θ ← θ + step · m / (√v · c₂ + ε), evaluated in the
    /// same order as the equivalent chain of TensorPrimitives calls.
    /// </summary>
    private static void AdamPass<T>(Span<T> param, ReadOnlySpan<T> g, Span<T> m, Span<T> v, AdamConstants<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T oneMinusBeta1 = T.One - c.Beta1, oneMinusBeta2 = T.One - c.Beta2;
        int i = 0;
        if (Vector.IsHardwareAccelerated && param.Length >= Vector<T>.Count)
        {
            var vb1 = new Vector<T>(oneMinusBeta1);
            var vb2 = new Vector<T>(c.Beta2);
            var vob2 = new Vector<T>(oneMinusBeta2);
            var vc2 = new Vector<T>(c.C2);
            var veps = new Vector<T>(c.Eps);
            var vstep = new Vector<T>(c.Step);
            int width = Vector<T>.Count;
            for (; i <= param.Length - width; i += width)
            {
                var gi = new Vector<T>(g.Slice(i));
                var mi = new Vector<T>(m.Slice(i));
                var vi = new Vector<T>(v.Slice(i));
                mi += (gi - mi) * vb1;
                vi = vi * vb2 + gi * vob2 * gi;
                var p = new Vector<T>(param.Slice(i)) + mi / (Vector.SquareRoot(vi) * vc2 + veps) * vstep;
                mi.CopyTo(m.Slice(i));
                vi.CopyTo(v.Slice(i));
                p.CopyTo(param.Slice(i));
            }
        }
        for (; i < param.Length; i++)
        {
            m[i] += (g[i] - m[i]) * oneMinusBeta1;
            v[i] = v[i] * c.Beta2 + g[i] * oneMinusBeta2 * g[i];
            param[i] += m[i] / (T.Sqrt(v[i]) * c.C2 + c.Eps) * c.Step;
        }
    }
}
