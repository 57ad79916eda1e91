namespace Autograd.Testing;

/// <summary>
/// Shapes and tensors drawn from recorded <see cref="Choices"/>, so every case shrinks (see <see cref="TensorArbitraries"/>).
/// Sizes stay small by default (dims of 1–3, ranks 0–3) so finite differences stay fast; size-1 dims are drawn often,
/// so broadcasting over them is common. Shapes shrink toward fewer dims and sizes of 1, values toward simple numbers
/// inside their <see cref="Domain"/>.
/// </summary>
/// <example><code>
/// Tensor&lt;double&gt;[] Inputs(Choices g)
/// {
///     var (a, b) = TensorGen.BroadcastPair(g);
///     return [TensorGen.Uniform(g, a), TensorGen.Of(g, b, Domain.NonZero())];
/// }
/// </code></example>
public static class TensorGen
{
    /// <summary>Distance kept from kinks and ties (<see cref="Domain.Margin"/>).</summary>
    public const double Margin = Domain.Margin;

    /// <summary>A dim size in [1, max], 1 with probability ¼ + ¾/max (½ for max 3); shrinks to 1.</summary>
    public static int Dim(Choices g, int max = 3) => g.NextInt(4) == 0 ? 1 : 1 + g.NextInt(max);

    /// <summary>A shape of rank in [minRank, maxRank] with dims in [1, maxDim]; shrinks toward rank minRank and dims of 1.</summary>
    public static int[] Shape(Choices g, int minRank = 0, int maxRank = 3, int maxDim = 3)
    {
        int rank = minRank + g.NextInt(maxRank - minRank + 1);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = Dim(g, maxDim);
        return shape;
    }

    /// <summary>Two shapes that broadcast together: a random full shape, each side dropping some leading dims and
    /// turning some dims into 1.</summary>
    public static (int[] A, int[] B) BroadcastPair(Choices g, int minRank = 0, int maxRank = 3)
    {
        var full = Shape(g, minRank, maxRank);
        return (Reduced(g, full), Reduced(g, full));
    }

    /// <summary>Three shapes that broadcast together (as <see cref="BroadcastPair"/>).</summary>
    public static (int[] A, int[] B, int[] C) BroadcastTriple(Choices g, int minRank = 0, int maxRank = 3)
    {
        var full = Shape(g, minRank, maxRank);
        return (Reduced(g, full), Reduced(g, full), Reduced(g, full));
    }

    /// <summary>A shape that broadcasts to <paramref name="full"/>: some leading dims dropped, some dims set to 1.</summary>
    public static int[] Reduced(Choices g, int[] full)
    {
        int drop = g.NextInt(3) == 0 ? g.NextInt(full.Length + 1) : 0;
        var shape = full[drop..];
        for (int i = 0; i < shape.Length; i++) if (g.NextInt(3) == 0) shape[i] = 1;
        return shape;
    }

    /// <summary>Shapes of a matrix product A·B: [.. batchA, m, k] and [.. batchB, k, n] with broadcastable batch dims
    /// (0 to <paramref name="maxBatchRank"/> of them); k, m, n in [1, 3].</summary>
    public static (int[] A, int[] B) MatMulPair(Choices g, int maxBatchRank = 1)
    {
        int k = Dim(g), m = Dim(g), n = Dim(g);
        var (ba, bb) = BroadcastPair(g, 0, maxBatchRank);
        return ([.. ba, m, k], [.. bb, k, n]);
    }

    /// <summary>A tensor of <paramref name="shape"/> with values in <paramref name="domain"/>.</summary>
    public static Tensor<double> Of(Choices g, int[] shape, Domain domain, bool grad = true) =>
        Tensor.FromArray(g.Values(shape, domain), (int[])shape.Clone(), grad);

    /// <summary>Uniform values in [lo, hi).</summary>
    public static Tensor<double> Uniform(Choices g, int[] shape, double lo = -2, double hi = 2, bool grad = true) =>
        Of(g, shape, lo == -2 && hi == 2 ? Domain.Real : Domain.Interval(lo, hi), grad);

    /// <summary>Values in [lo, hi) at least <see cref="Margin"/> away from every point in <paramref name="kinks"/>.</summary>
    public static Tensor<double> AwayFrom(Choices g, int[] shape, double[] kinks, double lo = -2, double hi = 2) =>
        Of(g, shape, Domain.AwayFrom(kinks, lo, hi));

    /// <summary>Pairwise distinct values (gaps of at least 2·<see cref="Margin"/>) in random order, so max/min have no ties.</summary>
    public static Tensor<double> Distinct(Choices g, int[] shape) => Of(g, shape, Domain.Distinct);

    /// <summary>Values of random sign with magnitude in [0.5, 2): safe denominators.</summary>
    public static Tensor<double> NonZero(Choices g, int[] shape) => Of(g, shape, Domain.NonZero());

    /// <summary>Positive values in [lo, hi).</summary>
    public static Tensor<double> Positive(Choices g, int[] shape, double lo = 0.3, double hi = 3) => Of(g, shape, Domain.Positive(lo, hi));

    /// <summary>Probability vectors along the last dim.</summary>
    public static Tensor<double> Simplex(Choices g, int[] shape) => Of(g, shape, Domain.Simplex);

    /// <summary>Symmetric positive definite matrices in the last two dims, condition number ≤ <paramref name="maxCondition"/>.</summary>
    public static Tensor<double> SymmetricPositiveDefinite(Choices g, int[] shape, double maxCondition = 10) =>
        Of(g, shape, Domain.SymmetricPositiveDefinite(maxCondition));

    /// <summary>Whole numbers in [lo, hi].</summary>
    public static Tensor<double> Whole(Choices g, int[] shape, int lo, int hi, bool grad = true) => Of(g, shape, Domain.Whole(lo, hi), grad);

    /// <summary>A cotangent of <paramref name="shape"/>: short binary fractions k/4 in [−2, 2] that shrink toward one-hot.</summary>
    public static Tensor<double> Cotangent(Choices g, int[] shape) =>
        Tensor.FromArray(g.CotangentValues(shape), (int[])shape.Clone());

    /// <summary>Two tensors of broadcastable shapes whose broadcast elements differ by at least <see cref="Margin"/> everywhere.</summary>
    public static Tensor<double>[] Untied(Choices g)
    {
        var (sa, sb) = BroadcastPair(g);
        var a = Uniform(g, sa);
        var b = Uniform(g, sb);
        for (int tries = 0; MinGap(a, b) < Margin; tries++)
        {
            if (tries == 1000) throw new InvalidOperationException("TensorGen.Untied: no untied pair in 1000 draws");
            b = Uniform(g, sb);
        }
        return [a, b];
    }

    private static double MinGap(Tensor<double> a, Tensor<double> b)
    {
        using (Tensor.NoGrad()) return (a - b).Abs().ToArray().DefaultIfEmpty(double.PositiveInfinity).Min();
    }

    /// <summary>A shape with at least <paramref name="minCount"/> elements.</summary>
    public static int[] ShapeWithCount(Choices g, int minCount, int minRank = 1, int maxRank = 3)
    {
        for (int tries = 0; ; tries++)
        {
            var shape = Shape(g, minRank, maxRank);
            if (Count(shape) >= minCount) return shape;
            if (tries == 1000) throw new InvalidOperationException($"TensorGen.ShapeWithCount: no shape of rank {minRank}–{maxRank} with {minCount} elements in 1000 draws");
        }
    }

    /// <summary><paramref name="shape"/> with dim <paramref name="dim"/> set to <paramref name="size"/>.</summary>
    public static int[] With(int[] shape, int dim, int size)
    {
        var result = (int[])shape.Clone();
        result[dim < 0 ? dim + result.Length : dim] = size;
        return result;
    }

    /// <summary>Whole-number index values in [0, bound) as a tensor of <paramref name="shape"/> (requires no grad).</summary>
    public static Tensor<double> Index(Choices g, int[] shape, int bound) => Whole(g, shape, 0, bound - 1, grad: false);

    /// <summary>Reads a 1-D index tensor back as ints (for IndexSelect/IndexAdd, whose indices are int[]).</summary>
    public static int[] Ints<T>(Tensor<T> index) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        [.. index.ToArray().Select(int.CreateChecked)];

    /// <summary>Number of elements of a shape.</summary>
    public static int Count(int[] shape) => shape.Aggregate(1, (p, d) => p * d);
}
