using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// Scaled dot-product attention over a batch of B independent heads, every operand contiguous: Q [B, L, E],
/// K [B, S, E], V [B, S, Ev]. The forward is P = softmax(s·Q·Kᵀ + M), O = P·V, with Kᵀ read transposed by the GEMM
/// (never copied), the scale and the additive mask applied by the row pass, and the causal mask applied by skipping
/// the blocked tail of each row (key j &gt; query i) rather than by adding −∞. The backward is the first-order rule
/// dV = Pᵀ·G, dP = G·Vᵀ, dS = s·P ⊙ (dP − Σⱼ dPⱼPⱼ), dQ = dS·K, dK = dSᵀ·Q.
/// </summary>
internal static class Attention
{
    /// <summary>The operands of one call: sizes, the contiguous buffers with their offsets, and the mask (null, one
    /// [L, S] matrix for every head when <see cref="MaskStride"/> is 0, or one per head when it is L·S).</summary>
    public readonly record struct Problem<T>(int Batch, int L, int S, int E, int Ev,
        T[] Q, int QOffset, T[] K, int KOffset, T[] V, int VOffset,
        T[]? Mask, int MaskOffset, int MaskStride, bool Causal, T Scale);

    /// <summary>Writes P [B, L, S] (the attention weights) and O [B, L, Ev].</summary>
    public static void Forward<T>(in Problem<T> p, T[] weights, T[] output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = p.L, s = p.S, e = p.E, ev = p.Ev;
        Gemm.MultiplyBatched(p.Batch, p.Q, p.QOffset, l * e, e, false, p.K, p.KOffset, s * e, e, true,
            weights, 0, l * s, s, l, s, e, accumulate: false);
        Problem<T> q = p;
        Rows(p.Batch, l * s, b =>
        {
            for (int i = 0; i < l; i++)
            {
                Span<T> row = weights.AsSpan(b * l * s + i * s, s);
                int n = q.Causal ? Math.Min(i + 1, s) : s;
                Span<T> kept = row[..n];
                TensorPrimitives.Multiply(kept, q.Scale, kept);
                if (q.Mask is not null)
                    TensorPrimitives.Add(kept, q.Mask.AsSpan(q.MaskOffset + b * q.MaskStride + i * s, n), kept);
                Softmax.Forward<T>(kept, kept, n, log: false);
                row[n..].Clear();
            }
        });
        Gemm.MultiplyBatched(p.Batch, weights, 0, l * s, s, false, p.V, p.VOffset, s * ev, ev, false,
            output, 0, l * ev, ev, l, ev, s, accumulate: false);
    }

    /// <summary>
    /// The first-order backward from the upstream gradient G [B, L, Ev] (contiguous) and the saved weights P: fills
    /// those of dQ, dK, dV that are not null. <paramref name="scores"/> is scratch of B·L·S values.
    /// </summary>
    public static void Backward<T>(in Problem<T> p, T[] weights, T[] grad, T[] scores, T[]? dq, T[]? dk, T[]? dv)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = p.Batch, l = p.L, s = p.S, e = p.E, ev = p.Ev;
        if (dv is not null)
            Gemm.MultiplyBatched(b, weights, 0, l * s, s, true, grad, 0, l * ev, ev, false, dv, 0, s * ev, ev, s, ev, l, accumulate: false);
        if (dq is null && dk is null) return;
        // dP = G·Vᵀ into the scratch, then dS = s·P ⊙ (dP − Σ dP ⊙ P) in place, row by row.
        Gemm.MultiplyBatched(b, grad, 0, l * ev, ev, false, p.V, p.VOffset, s * ev, ev, true, scores, 0, l * s, s, l, s, ev, accumulate: false);
        T scale = p.Scale;
        Rows(b, l * s, h =>
        {
            Span<T> block = scores.AsSpan(h * l * s, l * s);
            Softmax.Backward<T>(block, weights.AsSpan(h * l * s, l * s), block, s, log: false);
            TensorPrimitives.Multiply(block, scale, block);
        });
        if (dq is not null)
            Gemm.MultiplyBatched(b, scores, 0, l * s, s, false, p.K, p.KOffset, s * e, e, false, dq, 0, l * e, e, l, e, s, accumulate: false);
        if (dk is not null)
            Gemm.MultiplyBatched(b, scores, 0, l * s, s, true, p.Q, p.QOffset, l * e, e, false, dk, 0, s * e, e, s, e, l, accumulate: false);
    }

    /// <summary>Runs <paramref name="body"/> for every head, split over the workers in contiguous ranges when the
    /// heads hold enough values (<paramref name="perHead"/> each) to pay for a fork.</summary>
    private static void Rows(int batch, int perHead, Action<int> body)
    {
        const int MinPerTask = 1 << 14;
        int tasks = (int)Math.Clamp((long)batch * perHead / MinPerTask, 1, Math.Min(batch, Workers.ThreadCount));
        if (tasks <= 1)
        {
            for (int h = 0; h < batch; h++) body(h);
            return;
        }
        int per = (batch + tasks - 1) / tasks;
        Workers.For((batch + per - 1) / per, t =>
        {
            int end = Math.Min(batch, (t + 1) * per);
            for (int h = t * per; h < end; h++) body(h);
        });
    }
}
