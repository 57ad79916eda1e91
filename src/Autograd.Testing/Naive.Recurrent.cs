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
}
