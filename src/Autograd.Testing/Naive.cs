namespace Autograd.Testing;

/// <summary>
/// Reference functions written plainly: loops over coordinates, <see cref="Math"/> for scalars, and textbook formulas
/// (cited where not obvious). Broadcasting follows NumPy's rule: shapes align at the right, size-1 dims repeat.
/// </summary>
public static partial class Naive
{
    /// <summary>Running sums of a lane: yᵢ = Σ_{j≤i} xⱼ.</summary>
    public static double[] Cumsum(double[] lane)
    {
        var y = new double[lane.Length];
        double sum = 0;
        for (int i = 0; i < lane.Length; i++) y[i] = sum += lane[i];
        return y;
    }

    /// <summary>A lane sorted stably (LINQ's OrderBy is stable), ascending or descending.</summary>
    public static double[] Sorted(double[] lane, bool descending) =>
        descending ? [.. lane.OrderByDescending(v => v)] : [.. lane.OrderBy(v => v)];

    /// <summary>The k largest (or smallest) elements of each lane along <paramref name="dim"/>, in sorted order:
    /// out[c] = sorted lane through c at position c[dim].</summary>
    public static Nd TopK(Nd x, int dim, int k, bool largest)
    {
        dim = Axis(dim, x.Shape.Length);
        var shape = TensorGen.With(x.Shape, dim, k);
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Coords(i, shape);
            var lane = new double[x.Shape[dim]];
            for (int j = 0; j < lane.Length; j++) { var at = (int[])c.Clone(); at[dim] = j; lane[j] = x[at]; }
            data[i] = Sorted(lane, largest)[c[dim]];
        }
        return new(data, shape);
    }

    /// <summary>Dim <paramref name="d"/> of a rank-<paramref name="rank"/> array, negative counting from the end.</summary>
    public static int Axis(int d, int rank) => d < 0 ? d + rank : d;

    /// <summary>Coordinates of row-major position <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static int[] Coords(int flat, int[] shape)
    {
        var c = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { c[d] = flat % shape[d]; flat /= shape[d]; }
        return c;
    }

    /// <summary>Row-major position in <paramref name="shape"/> of the trailing coordinates <paramref name="c"/>, a size-1
    /// dim reading index 0 (broadcasting); <paramref name="c"/> may have more leading dims than the shape.</summary>
    public static int Flat(int[] c, int[] shape)
    {
        int flat = 0, skip = c.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + (shape[d] == 1 ? 0 : c[skip + d]);
        return flat;
    }

    /// <summary>The broadcast shape of <paramref name="shapes"/>.</summary>
    public static int[] BroadcastShape(params int[][] shapes)
    {
        var result = new int[shapes.Max(s => s.Length)];
        Array.Fill(result, 1);
        foreach (var s in shapes)
            for (int d = 0; d < s.Length; d++)
            {
                ref int r = ref result[result.Length - s.Length + d];
                if (s[d] != 1) r = r == 1 || r == s[d] ? s[d] : throw new ArgumentException("shapes do not broadcast");
            }
        return result;
    }

    /// <summary>out[c] = f(x₀[c], x₁[c], …) over the broadcast shape (to <paramref name="shape"/> when given).</summary>
    public static Nd Broadcast(Nd[] xs, Func<double[], double> f, int[]? shape = null)
    {
        shape ??= BroadcastShape([.. xs.Select(x => x.Shape)]);
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Coords(i, shape);
            data[i] = f([.. xs.Select(x => x.Data[Flat(c, x.Shape)])]);
        }
        return new(data, shape);
    }

    /// <summary>f applied to each element.</summary>
    public static Nd Map(Nd x, Func<double, double> f) => new([.. x.Data.Select(f)], x.Shape);

    /// <summary>f applied to broadcast pairs.</summary>
    public static Nd Zip(Nd a, Nd b, Func<double, double, double> f) => Broadcast([a, b], v => f(v[0], v[1]));

    /// <summary>x broadcast to <paramref name="shape"/>, −1 keeping a dim (as Tensor.Expand).</summary>
    public static Nd Expand(Nd x, params int[] shape) =>
        Broadcast([x], v => v[0], [.. shape.Select((s, d) => s == -1 ? x.Shape[d - (shape.Length - x.Shape.Length)] : s)]);

    /// <summary>The positions of x grouped by their coordinates outside <paramref name="dims"/> (all dims when null), each
    /// group in increasing order along the dims, groups in row-major order of the kept coordinates.</summary>
    private static (List<int>[] Groups, int[] Kept) Lanes(int[] shape, int[]? dims)
    {
        var reduced = (dims ?? Enumerable.Range(0, shape.Length).ToArray()).Select(d => Axis(d, shape.Length)).ToHashSet();
        int[] kept = [.. shape.Select((s, d) => reduced.Contains(d) ? 1 : s)];
        var groups = Enumerable.Range(0, TensorGen.Count(kept)).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < TensorGen.Count(shape); i++) groups[Flat(Coords(i, shape), kept)].Add(i);
        return (groups, kept);
    }

    /// <summary>f of the values along <paramref name="dims"/> (all when null), one result per kept position.</summary>
    public static Nd Reduce(Nd x, int[]? dims, bool keepDim, Func<double[], double> f)
    {
        var (groups, kept) = Lanes(x.Shape, dims);
        var reduced = (dims ?? Enumerable.Range(0, x.Shape.Length).ToArray()).Select(d => Axis(d, x.Shape.Length)).ToHashSet();
        int[] shape = keepDim ? kept : [.. x.Shape.Where((_, d) => !reduced.Contains(d))];
        return new([.. groups.Select(gr => f([.. gr.Select(i => x.Data[i])]))], shape);
    }

    /// <summary>f maps each lane along <paramref name="dim"/> to a lane of the same length, written back in place.</summary>
    public static Nd Along(Nd x, int dim, Func<double[], double[]> f)
    {
        var data = new double[x.Data.Length];
        foreach (var lane in Lanes(x.Shape, [dim]).Groups)
        {
            var y = f([.. lane.Select(i => x.Data[i])]);
            for (int j = 0; j < lane.Count; j++) data[lane[j]] = y[j];
        }
        return new(data, x.Shape);
    }

    /// <summary>The parts joined along <paramref name="dim"/>: out[c] = parts[k][c shifted back by the sizes of parts 0 … k − 1].</summary>
    public static Nd Concat(Nd[] parts, int dim)
    {
        dim = Axis(dim, parts[0].Shape.Length);
        var shape = TensorGen.With(parts[0].Shape, dim, parts.Sum(p => p.Shape[dim]));
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Coords(i, shape);
            int k = 0;
            while (c[dim] >= parts[k].Shape[dim]) c[dim] -= parts[k++].Shape[dim];
            data[i] = parts[k][c];
        }
        return new(data, shape);
    }

    /// <summary>x with each slice j along <paramref name="dim"/> multiplied by <paramref name="weight"/>(j).</summary>
    public static Nd Scaled(Nd x, int dim, Func<int, double> weight) =>
        new([.. x.Data.Select((v, i) => v * weight(Coords(i, x.Shape)[Axis(dim, x.Shape.Length)]))], x.Shape);

    // Lane statistics.
    public static double Sum(double[] v) { double s = 0; foreach (var e in v) s += e; return s; }
    public static double Mean(double[] v) => Sum(v) / v.Length;
    public static double Max(double[] v) => v.Max();
    public static double Min(double[] v) => v.Min();
    /// <summary>Σ(v − mean)² / (n − correction).</summary>
    public static Func<double[], double> Var(int correction = 1) => v =>
    {
        double m = Mean(v);
        return Sum([.. v.Select(e => (e - m) * (e - m))]) / (v.Length - correction);
    };
    public static Func<double[], double> Std(int correction = 1) => v => Math.Sqrt(Var(correction)(v));
    /// <summary>log Σ eᵛ, unshifted (the registry's inputs are small enough not to overflow).</summary>
    public static double LogSumExp(double[] v) => Math.Log(Sum([.. v.Select(Math.Exp)]));
    public static double[] Softmax(double[] v)
    {
        double total = Sum([.. v.Select(Math.Exp)]);
        return [.. v.Select(e => Math.Exp(e) / total)];
    }

    public static double[] LogSoftmax(double[] v)
    {
        double lse = LogSumExp(v);
        return [.. v.Select(e => e - lse)];
    }

    // Scalar functions.
    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>erf x = 2/√π · e^(−x²) · Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)) (Abramowitz and Stegun 7.1.6): all terms
    /// positive for x ≥ 0, so no cancellation; odd symmetry for x &lt; 0.</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x), term = ax, sum = ax;
        for (int n = 1; term > 1e-18 * sum; n++) { term *= 2 * ax * ax / (2 * n + 1); sum += term; }
        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * Math.Exp(-ax * ax) * sum;
    }

    /// <summary>log(1 + e^(βx))/β, and x where βx &gt; threshold (PyTorch's softplus).</summary>
    public static Func<double, double> Softplus(double beta = 1, double threshold = 20) =>
        x => beta * x > threshold ? x : Math.Log(1 + Math.Exp(beta * x)) / beta;

    /// <summary>x·Φ(x) = x/2·(1 + erf(x/√2)).</summary>
    public static double Gelu(double x) => x / 2 * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>x/2·(1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
    public static double GeluTanh(double x) => x / 2 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    public static Func<double, double> Elu(double alpha = 1) => x => x > 0 ? x : alpha * (Math.Exp(x) - 1);
    public static Func<double, double> LeakyRelu(double slope = 0.01) => x => x > 0 ? x : slope * x;

    // Linear algebra.

    /// <summary>C[…, i, j] = Σₚ A[…, i, p]·B[…, p, j] with batch dims broadcast; a 1-D A is a row [1, k] and a 1-D B a
    /// column [k, 1], their added dim removed from the result (PyTorch's matmul).</summary>
    public static Nd MatMul(Nd a, Nd b)
    {
        var A = a.Shape.Length == 1 ? a.Reshape(1, -1) : a;
        var B = b.Shape.Length == 1 ? b.Reshape(-1, 1) : b;
        int m = A.Shape[^2], k = A.Shape[^1], n = B.Shape[^1];
        int[] batch = BroadcastShape(A.Shape[..^2], B.Shape[..^2]), shape = [.. batch, m, n];
        var data = new double[TensorGen.Count(shape)];
        for (int o = 0; o < data.Length; o++)
        {
            var c = Coords(o, shape);
            int i = c[^2], j = c[^1];
            int[] bc = c[..^2];
            for (int p = 0; p < k; p++)
                data[o] += A.Data[Flat([.. bc, i, p], A.Shape)] * B.Data[Flat([.. bc, p, j], B.Shape)];
        }
        var result = new Nd(data, shape);
        if (a.Shape.Length == 1) result = result.Reshape([.. batch, n]);
        if (b.Shape.Length == 1) result = result.Reshape([.. result.Shape[..^1]]);
        return result;
    }

    /// <summary>y[…, o] = Σᵢ x[…, i]·W[o, i] + b[o].</summary>
    public static Nd Linear(Nd x, Nd w, Nd? b = null)
    {
        var y = MatMul(x, w.MT);
        return b is null ? y : Zip(y, b, (p, q) => p + q);
    }

    /// <summary>The position-wise feed-forward block: Linear(act(Linear(x, W₁, b₁)), W₂, b₂), act GELU or ReLU.</summary>
    public static Nd FeedForward(Nd x, Nd w1, Nd? b1, Nd w2, Nd? b2, bool gelu) =>
        Linear(Map(Linear(x, w1, b1), gelu ? Gelu : v => Math.Max(v, 0)), w2, b2);

    /// <summary>Per channel c (dim 1 of x [N, C, *]): y = (x − μ_c)/√(σ²_c + 10⁻⁵)·γ_c + β_c, μ and σ² the mean and
    /// biased variance of the channel's values.</summary>
    public static Nd BatchNorm(Nd x, Nd? gamma = null, Nd? beta = null)
    {
        var data = new double[x.Data.Length];
        int[] others = [.. Enumerable.Range(0, x.Shape.Length).Where(d => d != 1)];
        var channels = Lanes(x.Shape, others).Groups;
        for (int c = 0; c < channels.Length; c++)
        {
            double[] v = [.. channels[c].Select(i => x.Data[i])];
            double mean = Mean(v), scale = 1 / Math.Sqrt(Var(0)(v) + 1e-5);
            foreach (var i in channels[c])
                data[i] = (x.Data[i] - mean) * scale * (gamma?.Data[c] ?? 1) + (beta?.Data[c] ?? 0);
        }
        return new(data, x.Shape);
    }

    // Indexing (index values are whole numbers stored as doubles).

    /// <summary>y[c] = x[c with c[dim] = index[c]], over the index's shape.</summary>
    public static Nd Gather(Nd x, int dim, Nd index) => new([.. index.Data.Select((v, i) =>
    {
        var c = Coords(i, index.Shape);
        c[dim] = (int)v;
        return x[c];
    })], index.Shape);

    /// <summary>A copy of x with src[c] added at c with c[dim] = index[c], for every c of the index's shape.</summary>
    public static Nd ScatterAdd(Nd x, int dim, Nd index, Nd src)
    {
        var data = (double[])x.Data.Clone();
        for (int i = 0; i < index.Data.Length; i++)
        {
            var c = Coords(i, index.Shape);
            double v = src[c];
            c[dim] = (int)index.Data[i];
            data[Flat(c, x.Shape)] += v;
        }
        return new(data, x.Shape);
    }

    /// <summary>Slices index[0], index[1], … of x along <paramref name="dim"/>, stacked along it.</summary>
    public static Nd IndexSelect(Nd x, int dim, Nd index)
    {
        var shape = TensorGen.With(x.Shape, dim, index.Data.Length);
        return new([.. Enumerable.Range(0, TensorGen.Count(shape)).Select(i =>
        {
            var c = Coords(i, shape);
            c[dim] = (int)index.Data[c[dim]];
            return x[c];
        })], shape);
    }

    /// <summary>A copy of x with slice j of src added to slice index[j] along <paramref name="dim"/>.</summary>
    public static Nd IndexAdd(Nd x, int dim, Nd index, Nd src)
    {
        var data = (double[])x.Data.Clone();
        for (int i = 0; i < src.Data.Length; i++)
        {
            var c = Coords(i, src.Shape);
            double v = src.Data[i];
            c[dim] = (int)index.Data[c[dim]];
            data[Flat(c, x.Shape)] += v;
        }
        return new(data, x.Shape);
    }

    /// <summary>x where j − i ≤ <paramref name="diagonal"/> (lower) or j − i ≥ it (upper) over the last two dims (i, j), else 0.</summary>
    public static Nd Triangle(Nd x, int diagonal, bool lower) => new([.. x.Data.Select((v, k) =>
    {
        var c = Coords(k, x.Shape);
        int offset = c[^1] - c[^2];
        return (lower ? offset <= diagonal : offset >= diagonal) ? v : 0;
    })], x.Shape);

    /// <summary>out[c] = x[c with c_d replaced by n_d − 1 − c_d for each d in <paramref name="dims"/>].</summary>
    public static Nd Flip(Nd x, params int[] dims) => new([.. Enumerable.Range(0, x.Data.Length).Select(k =>
    {
        var c = Coords(k, x.Shape);
        foreach (var d in dims.Select(d => Axis(d, x.Shape.Length))) c[d] = x.Shape[d] - 1 - c[d];
        return x[c];
    })], x.Shape);

    /// <summary>out[c] = x[c_i mod s_i] with s the shape of x with 1s prepended to <paramref name="repeats"/>.Length dims
    /// and out's dim i of size repeats[i]·s_i (torch.Tensor.repeat).</summary>
    public static Nd Repeat(Nd x, params int[] repeats)
    {
        int[] s = [.. Enumerable.Repeat(1, repeats.Length - x.Shape.Length), .. x.Shape];
        int[] shape = [.. repeats.Select((r, i) => r * s[i])];
        return new([.. Enumerable.Range(0, TensorGen.Count(shape)).Select(k =>
        {
            var c = Coords(k, shape);
            return x.Data[Flat([.. c.Select((v, i) => v % s[i])], s)];
        })], shape);
    }

    /// <summary>Constant padding in torch.nn.functional.pad's order (pairs from the last dim): out[c] = x[c − before]
    /// where that lies inside x, else <paramref name="value"/>; negative amounts crop.</summary>
    public static Nd Pad(Nd x, int[] pad, double value) => PadMode(x, pad, PaddingMode.Constant, value);
}
