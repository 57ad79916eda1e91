namespace Autograd.Testing;

// The reference of scaled dot-product attention: loops over plain arrays, one batch entry at a time.
public static partial class Naive
{
    /// <summary>
    /// softmax(s·Q·Kᵀ + M)·V per batch entry, for Q [*, L, E], K [*, S, E], V [*, S, Ev] with the same batch dims *, an
    /// additive mask M broadcast to [*, L, S] (or none), and with <paramref name="causal"/> the keys j &gt; i of query i
    /// left out of the softmax.
    /// </summary>
    public static Nd Attention(Nd q, Nd k, Nd v, Nd? mask, bool causal, double scale)
    {
        int l = q.Shape[^2], e = q.Shape[^1], s = k.Shape[^2], ev = v.Shape[^1];
        int batch = q.Data.Length / Math.Max(1, l * e);
        int[] scoreShape = [.. q.Shape[..^1], s];
        var data = new double[batch * l * ev];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < l; i++)
            {
                int n = causal ? Math.Min(i + 1, s) : s;
                var scores = new double[n];
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int p = 0; p < e; p++) dot += q.Data[(b * l + i) * e + p] * k.Data[(b * s + j) * e + p];
                    scores[j] = scale * dot + (mask is null ? 0 : MaskAt(mask, scoreShape, (b * l + i) * s + j));
                }
                var weights = Softmax(scores);
                for (int c = 0; c < ev; c++)
                    for (int j = 0; j < n; j++) data[(b * l + i) * ev + c] += weights[j] * v.Data[(b * s + j) * ev + c];
            }
        return new(data, [.. q.Shape[..^1], ev]);
    }

    /// <summary>
    /// Multi-head self-attention from a packed projection qkv [N, L, 3·h·d] (or [L, N, 3·h·d] when not
    /// <paramref name="batchFirst"/>): each head's q, k, v [L, d] copied out element by element, <see cref="Attention"/>
    /// per sample and head with the mask's [h, L, L] part, and the heads' outputs side by side as [N, L, h·d].
    /// </summary>
    public static Nd PackedSelfAttention(Nd qkv, Nd? mask, int heads, bool causal, double scale, bool batchFirst)
    {
        int n = batchFirst ? qkv.Shape[0] : qkv.Shape[1], l = batchFirst ? qkv.Shape[1] : qkv.Shape[0];
        int e = qkv.Shape[2] / 3, d = e / heads;
        int Row(int sample, int i) => (batchFirst ? sample * l + i : i * n + sample) * 3 * e;
        // The mask broadcast to [N, h, L, L], then one [h, L, L] slab per sample.
        Nd? full = mask is null ? null : Expand(mask, [n, heads, l, l]);
        var data = new double[n * l * e];
        for (int sample = 0; sample < n; sample++)
        {
            var parts = new double[3][];
            for (int part = 0; part < 3; part++)
            {
                parts[part] = new double[heads * l * d];
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < l; i++)
                        for (int c = 0; c < d; c++) parts[part][(h * l + i) * d + c] = qkv.Data[Row(sample, i) + part * e + h * d + c];
            }
            Nd? slab = full is null ? null : new(full.Data[(sample * heads * l * l)..((sample + 1) * heads * l * l)], [heads, l, l]);
            var y = Attention(new(parts[0], [heads, l, d]), new(parts[1], [heads, l, d]), new(parts[2], [heads, l, d]), slab, causal, scale);
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < l; i++)
                    for (int c = 0; c < d; c++)
                        data[(batchFirst ? sample * l + i : i * n + sample) * e + h * d + c] = y.Data[(h * l + i) * d + c];
        }
        return new(data, batchFirst ? [n, l, e] : [l, n, e]);
    }

    /// <summary>The mask's value at the flat index <paramref name="flat"/> of the scores' shape, broadcasting.</summary>
    private static double MaskAt(Nd mask, int[] scoreShape, int flat)
    {
        var c = Coords(flat, scoreShape);
        var mc = new int[mask.Shape.Length];
        for (int d = 1; d <= mc.Length; d++) mc[^d] = mask.Shape[^d] == 1 ? 0 : c[^d];
        return mask.Data[Flat(mc, mask.Shape)];
    }
}
