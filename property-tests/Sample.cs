namespace Autograd.PropertyTests;

/// <summary>
/// Random shapes and values for the op registry, all drawn from one seeded <see cref="Generator"/> so every
/// case is replayable from its seed. Sizes stay small (dims of 1–3, ranks 0–3) so finite differences stay fast.
/// </summary>
public static class Sample
{
    /// <summary>Distance kept from kinks and ties: far above the finite-difference step (1e-6), so both sides of a
    /// central difference fall on the same smooth piece.</summary>
    public const double Margin = 0.05;

    /// <summary>A dim size in [1, max], with 1 drawn often so size-1 dims (and broadcasting over them) are common.</summary>
    public static int Dim(Generator g, int max = 3) => g.NextInt(4) == 0 ? 1 : 1 + g.NextInt(max);

    /// <summary>A shape of rank in [minRank, maxRank].</summary>
    public static int[] Shape(Generator g, int minRank = 0, int maxRank = 3, int maxDim = 3)
    {
        int rank = minRank + g.NextInt(maxRank - minRank + 1);
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = Dim(g, maxDim);
        return shape;
    }

    /// <summary>Two shapes that broadcast together: a random full shape, each side dropping some leading dims and
    /// turning some dims into 1.</summary>
    public static (int[] A, int[] B) BroadcastPair(Generator g, int minRank = 0, int maxRank = 3)
    {
        var full = Shape(g, minRank, maxRank);
        return (Reduced(g, full), Reduced(g, full));
    }

    /// <summary>A shape that broadcasts to <paramref name="full"/>: some leading dims dropped, some dims set to 1.</summary>
    public static int[] Reduced(Generator g, int[] full)
    {
        int drop = g.NextInt(3) == 0 ? g.NextInt(full.Length + 1) : 0;
        var shape = full[drop..];
        for (int i = 0; i < shape.Length; i++) if (g.NextInt(3) == 0) shape[i] = 1;
        return shape;
    }

    /// <summary>Uniform values in [lo, hi).</summary>
    public static Tensor<double> Uniform(Generator g, int[] shape, double lo = -2, double hi = 2, bool grad = true) =>
        Tensor.Rand<double>(shape, g, lo, hi, requiresGrad: grad);

    /// <summary>Values in [lo, hi) at least <see cref="Margin"/> away from every point in <paramref name="kinks"/>.</summary>
    public static Tensor<double> AwayFrom(Generator g, int[] shape, double[] kinks, double lo = -2, double hi = 2)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            double v;
            do v = lo + (hi - lo) * g.NextDouble(); while (kinks.Any(k => Math.Abs(v - k) < Margin));
            data[i] = v;
        }
        return Tensor.FromArray(data, shape, requiresGrad: true);
    }

    /// <summary>Pairwise distinct values (gaps of at least 2·<see cref="Margin"/>) in random order, so max/min have no ties.</summary>
    public static Tensor<double> Distinct(Generator g, int[] shape)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = -1 + 0.25 * i + 0.1 * g.NextDouble();
        g.Shuffle(data.AsSpan());
        return Tensor.FromArray(data, shape, requiresGrad: true);
    }

    /// <summary>Two tensors of broadcastable shapes whose broadcast elements differ by at least <see cref="Margin"/> everywhere.</summary>
    public static Tensor<double>[] Untied(Generator g)
    {
        var (sa, sb) = BroadcastPair(g);
        var a = Uniform(g, sa);
        var b = Uniform(g, sb);
        while (MinGap(a, b) < Margin) b = Uniform(g, sb);
        return [a, b];
    }

    private static double MinGap(Tensor<double> a, Tensor<double> b)
    {
        using (Tensor.NoGrad()) return (a - b).Abs().ToArray().DefaultIfEmpty(double.PositiveInfinity).Min();
    }

    /// <summary>Values of random sign with magnitude in [0.5, 2): safe denominators.</summary>
    public static Tensor<double> NonZero(Generator g, int[] shape)
    {
        var t = Uniform(g, shape, 0.5, 2);
        var data = t.ToArray();
        for (int i = 0; i < data.Length; i++) if (g.NextInt(2) == 0) data[i] = -data[i];
        return Tensor.FromArray(data, shape, requiresGrad: true);
    }

    /// <summary>A shape with at least <paramref name="minCount"/> elements.</summary>
    public static int[] ShapeWithCount(Generator g, int minCount, int minRank = 1, int maxRank = 3)
    {
        int[] shape;
        do shape = Shape(g, minRank, maxRank); while (Count(shape) < minCount);
        return shape;
    }

    /// <summary><paramref name="shape"/> with dim <paramref name="dim"/> set to <paramref name="size"/>.</summary>
    public static int[] With(int[] shape, int dim, int size)
    {
        var result = (int[])shape.Clone();
        result[dim < 0 ? dim + result.Length : dim] = size;
        return result;
    }

    /// <summary>Whole-number index values in [0, bound) as a tensor of <paramref name="shape"/> (requires no grad).</summary>
    public static Tensor<double> Index(Generator g, int[] shape, int bound)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = g.NextInt(bound);
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Reads a 1-D index tensor back as ints (for IndexSelect/IndexAdd, whose indices are int[]).</summary>
    public static int[] Ints<T>(Tensor<T> index) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        [.. index.ToArray().Select(int.CreateChecked)];

    /// <summary>Number of elements of a shape.</summary>
    public static int Count(int[] shape) => shape.Aggregate(1, (p, d) => p * d);
}
