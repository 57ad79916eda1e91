namespace Autograd.Tests.NN;

/// <summary>
/// An independent oracle for attention: plain loops over arrays, written from the formulas
/// softmax(q·kᵀ·scale + mask)·v and, for multi-head attention, PyTorch's documented layout (in_proj_weight rows
/// 0..E−1 project q, E..2E−1 k, 2E..3E−1 v; head h uses rows h·d..(h+1)·d−1 of each block; output = concat·W_Oᵀ + b_O).
/// No tensor op is used, so it shares no code with what it checks.
/// </summary>
internal static class AttentionReference
{
    /// <summary>
    /// Attention of one head: q [L, E], k [S, E], v [S, Ev] row-major, additive mask [L, S] (or null), causal flag.
    /// Returns (output [L, Ev], weights [L, S]).
    /// </summary>
    public static (double[] Output, double[] Weights) Head(double[] q, double[] k, double[] v, int l, int s, int e, int ev,
        double[]? mask, bool causal, double scale)
    {
        var weights = new double[l * s];
        var output = new double[l * ev];
        for (int i = 0; i < l; i++)
        {
            var row = new double[s];
            double max = double.NegativeInfinity;
            for (int j = 0; j < s; j++)
            {
                double dot = 0;
                for (int c = 0; c < e; c++) dot += q[i * e + c] * k[j * e + c];
                row[j] = dot * scale + (mask?[i * s + j] ?? 0) + (causal && j > i ? double.NegativeInfinity : 0);
                max = Math.Max(max, row[j]);
            }
            double sum = 0;
            for (int j = 0; j < s; j++) sum += row[j] = Math.Exp(row[j] - max);
            for (int j = 0; j < s; j++)
            {
                weights[i * s + j] = row[j] / sum;
                for (int c = 0; c < ev; c++) output[i * ev + c] += weights[i * s + j] * v[j * ev + c];
            }
        }
        return (output, weights);
    }

    /// <summary>
    /// Multi-head attention for batch-first inputs q [N, L, E], k and v [N, S, E], packed weight w [3E, E], bias b [3E],
    /// output projection wo [E, E], bo [E], additive masks attn [L, S] and padding [N, S] (either may be null).
    /// Returns (output [N, L, E], weights [N, H, L, S]).
    /// </summary>
    public static (double[] Output, double[] Weights) MultiHead(double[] q, double[] k, double[] v, int n, int l, int s, int e, int heads,
        double[] w, double[] b, double[] wo, double[] bo, double[]? attn, double[]? padding, bool causal) =>
        MultiHeadWithOptions(q, k, v, n, l, s, e, e, e, heads, w[..(e * e)], w[(e * e)..(2 * e * e)], w[(2 * e * e)..], b,
            null, null, zeroAttn: false, wo, bo, attn, padding, causal);

    /// <summary>
    /// PyTorch's multi-head attention with its options, batch first: q [N, L, E], k [N, S, kdim], v [N, S, vdim];
    /// separate projections wq [E, E], wk [E, kdim], wv [E, vdim] with the packed bias b [3E] (q rows 0..E−1, k E..2E−1,
    /// v 2E..3E−1); then the rows biasK, biasV [E] (when given) and a zero row (when <paramref name="zeroAttn"/>)
    /// appended to every head's keys and values; masks attn [L, S] and padding [N, S] extended by zero (keeping) columns
    /// for them; causal blocks key j &gt; i of the original keys only. Returns (output [N, L, E], weights [N, H, L, S′]).
    /// </summary>
    public static (double[] Output, double[] Weights) MultiHeadWithOptions(double[] q, double[] k, double[] v, int n, int l, int s,
        int e, int kdim, int vdim, int heads, double[] wq, double[] wk, double[] wv, double[] b, double[]? biasK, double[]? biasV,
        bool zeroAttn, double[] wo, double[] bo, double[]? attn, double[]? padding, bool causal)
    {
        int d = e / heads, extra = (biasK is null ? 0 : 1) + (zeroAttn ? 1 : 0), s2 = s + extra;
        var output = new double[n * l * e];
        var weights = new double[n * heads * l * s2];
        for (int b0 = 0; b0 < n; b0++)
        {
            var concat = new double[l * e];
            for (int h = 0; h < heads; h++)
            {
                var qh = Linear(q, b0 * l * e, l, e, wq, h * d, b, 0 * e + h * d, d, 0);
                var kh = Linear(k, b0 * s * kdim, s, kdim, wk, h * d, b, 1 * e + h * d, d, extra);
                var vh = Linear(v, b0 * s * vdim, s, vdim, wv, h * d, b, 2 * e + h * d, d, extra);
                if (biasK is not null)
                    for (int c = 0; c < d; c++) (kh[s * d + c], vh[s * d + c]) = (biasK[h * d + c], biasV![h * d + c]);
                // A zero row, when asked, is the last one: the arrays already hold zeros there.
                var mask = new double[l * s2];
                for (int i = 0; i < l; i++)
                    for (int j = 0; j < s; j++)
                        mask[i * s2 + j] = (attn?[i * s + j] ?? 0) + (padding?[b0 * s + j] ?? 0) + (causal && j > i ? double.NegativeInfinity : 0);
                var (o, a) = Head(qh, kh, vh, l, s2, d, d, mask, causal: false, 1 / Math.Sqrt(d));
                for (int i = 0; i < l; i++)
                    for (int c = 0; c < d; c++) concat[i * e + h * d + c] = o[i * d + c];
                Array.Copy(a, 0, weights, (b0 * heads + h) * l * s2, l * s2);
            }
            for (int i = 0; i < l; i++)
                for (int r = 0; r < e; r++)
                {
                    double acc = bo[r];
                    for (int c = 0; c < e; c++) acc += wo[r * e + c] * concat[i * e + c];
                    output[(b0 * l + i) * e + r] = acc;
                }
        }
        return (output, weights);
    }

    /// <summary>Rows [wFirst, wFirst + count) of x·Wᵀ plus b[bFirst..] for the <paramref name="rows"/> rows of x (width
    /// <paramref name="width"/>) from <paramref name="offset"/>, followed by <paramref name="spare"/> zero rows.</summary>
    private static double[] Linear(double[] x, int offset, int rows, int width, double[] w, int wFirst, double[] b, int bFirst, int count, int spare)
    {
        var y = new double[(rows + spare) * count];
        for (int i = 0; i < rows; i++)
            for (int r = 0; r < count; r++)
            {
                double acc = b[bFirst + r];
                for (int c = 0; c < width; c++) acc += w[(wFirst + r) * width + c] * x[offset + i * width + c];
                y[i * count + r] = acc;
            }
        return y;
    }

    /// <summary>Asserts two arrays agree elementwise within <paramref name="tolerance"/>.</summary>
    public static void Close(double[] expected, double[] actual, double tolerance = 1e-12)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
    }
}
