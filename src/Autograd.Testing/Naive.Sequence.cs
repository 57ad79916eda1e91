namespace Autograd.Testing;

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
        return new([.. Enumerable.Range(0, TensorGen.Count(shape)).Select(k =>
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
    /// <summary>Einstein summation by its definition: out[o] = Σ over every assignment of the letters not in the output
    /// of Π_k x_k[its letters' values], the output letters fixed to o (implicit output: letters used once, sorted).</summary>
    public static Nd Einsum(string equation, Nd[] xs)
    {
        var parts = equation.Replace(" ", "").Split("->");
        var terms = parts[0].Split(',');
        string all = string.Concat(terms);
        string output = parts.Length > 1 ? parts[1] : string.Concat(all.Distinct().Where(c => all.Count(d => d == c) == 1).Order());
        var size = new Dictionary<char, int>();
        for (int k = 0; k < terms.Length; k++)
            for (int i = 0; i < terms[k].Length; i++) size[terms[k][i]] = xs[k].Shape[i];
        string free = string.Concat(all.Distinct().Where(c => !output.Contains(c)));
        int[] outShape = [.. output.Select(c => size[c])], freeShape = [.. free.Select(c => size[c])];
        var data = new double[TensorGen.Count(outShape)];
        for (int o = 0; o < data.Length; o++)
        {
            var value = new Dictionary<char, int>();
            var oc = Coords(o, outShape);
            for (int i = 0; i < output.Length; i++) value[output[i]] = oc[i];
            for (int f = 0; f < TensorGen.Count(freeShape); f++)
            {
                var fc = Coords(f, freeShape);
                for (int i = 0; i < free.Length; i++) value[free[i]] = fc[i];
                double product = 1;
                for (int k = 0; k < terms.Length; k++) product *= xs[k][[.. terms[k].Select(c => value[c])]];
                data[o] += product;
            }
        }
        return new(data, outShape);
    }
    /// <summary>Layer normalisation over the last <paramref name="k"/> dims: out = (x − μ)/√(σ² + ε)·γ + β per row, μ and
    /// the biased σ² over the row's values.</summary>
    public static Nd LayerNorm(Nd x, int k, Nd? gamma = null, Nd? beta = null, double eps = 1e-5)
    {
        int size = x.Shape.Skip(x.Shape.Length - k).Aggregate(1, (p, d) => p * d);
        var data = new double[x.Data.Length];
        for (int r = 0; r < data.Length / size; r++)
        {
            var row = x.Data.Skip(r * size).Take(size).ToArray();
            double mean = row.Average(), variance = row.Sum(v => (v - mean) * (v - mean)) / size;
            for (int j = 0; j < size; j++)
                data[r * size + j] = (row[j] - mean) / Math.Sqrt(variance + eps) * (gamma?.Data[j] ?? 1) + (beta?.Data[j] ?? 0);
        }
        return new(data, x.Shape);
    }
}
