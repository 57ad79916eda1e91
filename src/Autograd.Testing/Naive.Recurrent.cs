namespace Autograd.Testing;

/// <summary>The LSTM and GRU cell updates on plain arrays, written from PyTorch's formulas: the registry's references
/// for <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/>.</summary>
public static class NaiveRecurrent
{
    /// <summary>
    /// [h'; 2·c'] stacked along dim 0 ([2N, H]) from gates xg, hg [N, 4H] and c [N, H]: with a = xg + hg in blocks
    /// [i, f, g, o], c' = σ(a_f)·c + σ(a_i)·tanh(a_g) and h' = σ(a_o)·tanh(c').
    /// </summary>
    public static Nd Lstm(Nd[] x)
    {
        var (xg, hg, c) = (x[0], x[1], x[2]);
        int rows = c.Shape[0], hidden = c.Shape[1];
        var result = new double[2 * rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                double A(int gate) => xg.Data[r * 4 * hidden + gate * hidden + j] + hg.Data[r * 4 * hidden + gate * hidden + j];
                int e = r * hidden + j;
                double c1 = Naive.Sigmoid(A(1)) * c.Data[e] + Naive.Sigmoid(A(0)) * Math.Tanh(A(2));
                result[e] = Naive.Sigmoid(A(3)) * Math.Tanh(c1);
                result[rows * hidden + e] = 2 * c1;
            }
        return new(result, [2 * rows, hidden]);
    }

    /// <summary>
    /// h' [N, H] from xg, hg [N, 3H] in blocks [r, z, n] and h [N, H]: r = σ(x_r + h_r), z = σ(x_z + h_z),
    /// n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h.
    /// </summary>
    public static Nd Gru(Nd[] x)
    {
        var (xg, hg, h) = (x[0], x[1], x[2]);
        int rows = h.Shape[0], hidden = h.Shape[1];
        var result = new double[rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                int b = r * 3 * hidden + j, e = r * hidden + j;
                double reset = Naive.Sigmoid(xg.Data[b] + hg.Data[b]), z = Naive.Sigmoid(xg.Data[b + hidden] + hg.Data[b + hidden]);
                double n = Math.Tanh(xg.Data[b + 2 * hidden] + reset * hg.Data[b + 2 * hidden]);
                result[e] = (1 - z) * n + z * h.Data[e];
            }
        return new(result, [rows, hidden]);
    }

    /// <summary>
    /// An LSTM layer over a sequence, [L + 1, N, H]: every step's h in time order, then 2·c of the last step run, from
    /// xg [L, N, 4H], h0, c0 [N, H], W_hh [4H, H] and b_hh [4H]; each step is <see cref="Lstm"/> of (xg_t, h·W_hhᵀ + b_hh, c),
    /// run from t = L − 1 down when <paramref name="reverse"/>.
    /// </summary>
    public static Nd LstmSequence(Nd[] x, bool reverse)
    {
        var (xg, w, b) = (x[0], x[3], x[4]);
        int steps = xg.Shape[0], rows = xg.Shape[1], hidden = w.Shape[1];
        Nd h = x[1], c = x[2];
        var result = new double[(steps + 1) * rows * hidden];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var both = Lstm([Step(xg, t), Projection(h, w, b), c]);
            int n = rows * hidden;
            h = new(both.Data[..n], [rows, hidden]);
            c = new([.. both.Data[n..].Select(v => v / 2)], [rows, hidden]);
            Array.Copy(h.Data, 0, result, t * n, n);
            if (s == steps - 1) Array.Copy(both.Data, n, result, steps * n, n);
        }
        return new(result, [steps + 1, rows, hidden]);
    }

    /// <summary>
    /// A GRU layer over a sequence, [L, N, H]: every step's h in time order, from xg [L, N, 3H], h0 [N, H], W_hh [3H, H]
    /// and b_hh [3H]; each step is <see cref="Gru"/> of (xg_t, h·W_hhᵀ + b_hh, h), run from t = L − 1 down when
    /// <paramref name="reverse"/>.
    /// </summary>
    public static Nd GruSequence(Nd[] x, bool reverse)
    {
        var (xg, w, b) = (x[0], x[2], x[3]);
        int steps = xg.Shape[0], rows = xg.Shape[1], hidden = w.Shape[1];
        Nd h = x[1];
        var result = new double[steps * rows * hidden];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            h = Gru([Step(xg, t), Projection(h, w, b), h]);
            Array.Copy(h.Data, 0, result, t * rows * hidden, rows * hidden);
        }
        return new(result, [steps, rows, hidden]);
    }

    /// <summary>Slice t of a [L, N, G] array, [N, G].</summary>
    private static Nd Step(Nd xg, int t)
    {
        int size = xg.Shape[1] * xg.Shape[2];
        return new(xg.Data[(t * size)..((t + 1) * size)], [xg.Shape[1], xg.Shape[2]]);
    }

    /// <summary>h·Wᵀ + b for h [N, H], W [G, H], b [G]: [N, G].</summary>
    private static Nd Projection(Nd h, Nd w, Nd b)
    {
        int rows = h.Shape[0], hidden = h.Shape[1], gates = w.Shape[0];
        var p = new double[rows * gates];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < gates; j++)
            {
                double sum = b.Data[j];
                for (int k = 0; k < hidden; k++) sum += h.Data[r * hidden + k] * w.Data[j * hidden + k];
                p[r * gates + j] = sum;
            }
        return new(p, [rows, gates]);
    }
}
