namespace Autograd.PropertyTests;

// References of the sequence-model ops of issue 10 (OpRegistry.Sequence.cs).
public static partial class Naive
{
    /// <summary>Running products of a lane: yᵢ = Π_{j≤i} xⱼ.</summary>
    public static double[] Cumprod(double[] lane)
    {
        var y = new double[lane.Length];
        double product = 1;
        for (int i = 0; i < lane.Length; i++) y[i] = product *= lane[i];
        return y;
    }

    /// <summary>torch.nn.functional.pad with a mode, pairs from the last dim: out[c] = x[src(c)], where per padded dim of
    /// size n, j = c_d − before maps to itself inside [0, n), else reflect: −j or 2(n − 1) − j; replicate: the nearest
    /// edge; circular: j mod n; constant: <paramref name="value"/>.</summary>
    public static Nd PadMode(Nd x, int[] pad, PaddingMode mode, double value = 0)
    {
        int rank = x.Shape.Length;
        var before = new int[rank];
        var shape = (int[])x.Shape.Clone();
        for (int k = 0; k < pad.Length / 2; k++)
        {
            before[rank - 1 - k] = pad[2 * k];
            shape[rank - 1 - k] += pad[2 * k] + pad[2 * k + 1];
        }
        return new([.. Enumerable.Range(0, Sample.Count(shape)).Select(k =>
        {
            var c = Coords(k, shape);
            var source = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                int j = c[d] - before[d], n = x.Shape[d];
                if (j >= 0 && j < n) { source[d] = j; continue; }
                if (mode == PaddingMode.Constant) return value;
                source[d] = mode switch
                {
                    PaddingMode.Reflect => j < 0 ? -j : 2 * (n - 1) - j,
                    PaddingMode.Replicate => j < 0 ? 0 : n - 1,
                    _ => ((j % n) + n) % n,
                };
            }
            return x[source];
        })], shape);
    }

    /// <summary>out[c] = x[c with c_d replaced by (c_d − s) mod n_d for each (s, d)] (torch.roll).</summary>
    public static Nd Roll(Nd x, int[] shifts, int[] dims) => new([.. Enumerable.Range(0, x.Data.Length).Select(k =>
    {
        var c = Coords(k, x.Shape);
        for (int i = 0; i < dims.Length; i++)
        {
            int d = Axis(dims[i], x.Shape.Length), n = x.Shape[d];
            c[d] = ((c[d] - shifts[i]) % n + n) % n;
        }
        return x[c];
    })], x.Shape);
    /// <summary>Euclidean norm √Σv², the 1-norm Σ|v| and the ∞-norm max|v| of a lane.</summary>
    public static double L2(double[] v) => Math.Sqrt(v.Sum(e => e * e));

    /// <inheritdoc cref="L2"/>
    public static double L1(double[] v) => v.Sum(Math.Abs);

    /// <inheritdoc cref="L2"/>
    public static double LInf(double[] v) => v.Max(Math.Abs);
}
