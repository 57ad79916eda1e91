using System.Globalization;

namespace Autograd.Testing;

/// <summary>
/// Where the values of a generated tensor lie, and how they shrink without leaving it. A domain draws raw values
/// (one per element), says which raw values it contains, maps raw values to the tensor's values (the identity for
/// elementwise domains; a normalisation for <see cref="Simplex"/>, a Gram matrix for
/// <see cref="SymmetricPositiveDefinite"/>) and proposes simpler raw values: 0, ±1, whole numbers, short binary
/// fractions, each kept only when the domain contains it. A shrunk tensor is therefore always inside its domain.
/// </summary>
public abstract class Domain
{
    /// <summary>Distance kept from kinks and ties by the domains that avoid them: far above the finite-difference step
    /// (1e-6), so both sides of a central difference fall on the same smooth piece.</summary>
    public const double Margin = 0.05;

    /// <summary>Whether <paramref name="raw"/> is a value this domain may draw for one element.</summary>
    public abstract bool Contains(double raw);

    /// <summary>Whether a whole block of raw values is valid (every element contained, and any joint condition, such as
    /// distinctness, holds).</summary>
    public virtual bool Accepts(double[] raw, int[] shape) => Array.TrueForAll(raw, Contains);

    /// <summary>One fresh raw element.</summary>
    protected abstract double DrawOne(Generator random);

    /// <summary>A fresh block of raw values for a tensor of <paramref name="shape"/>.</summary>
    public virtual double[] Draw(Generator random, int[] shape)
    {
        var raw = new double[TensorGen.Count(shape)];
        for (int i = 0; i < raw.Length; i++) raw[i] = DrawOne(random);
        return raw;
    }

    /// <summary>The tensor's values from its raw values (the identity unless the domain says otherwise).</summary>
    public virtual double[] Map(double[] raw, int[] shape) => raw;

    /// <summary>Throws when the domain cannot fill a tensor of <paramref name="shape"/> (a simplex needs a last dim, a
    /// positive definite matrix two equal last dims).</summary>
    public virtual void CheckShape(int[] shape) { }

    /// <summary>Simpler raw values for one element, simplest first, each contained in the domain and of lower
    /// <see cref="Complexity"/> than <paramref name="raw"/>.</summary>
    public virtual IEnumerable<double> Simpler(double raw)
    {
        double c = Complexity(raw);
        var seen = new HashSet<double>();
        foreach (double v in SimpleValues(raw))
            if (Contains(v) && Complexity(v) < c && seen.Add(v)) yield return v;
    }

    /// <summary>Whole-block simplifications tried before element-by-element ones: every element at once to its simplest
    /// value, then rounded to whole numbers, halves and quarters. Each block is kept only when the domain accepts it.</summary>
    public virtual IEnumerable<double[]> SimplerBlocks(double[] raw, int[] shape)
    {
        yield return [.. raw.Select(v => Simpler(v).DefaultIfEmpty(v).First())];
        for (int bits = 0; bits <= 2; bits++)
        {
            int b = bits;
            yield return [.. raw.Select(v => Contains(Round(v, b)) ? Round(v, b) : v)];
        }
    }

    /// <summary>
    /// How complicated a value is, for shrinking: 0 for 0; otherwise 1 + 64·(binary digits after the point) + |v|/(1 + |v|),
    /// so a value with fewer binary digits is simpler whatever its size, and among equals the smaller magnitude is.
    /// </summary>
    public static double Complexity(double v)
    {
        if (v == 0) return 0;
        if (!double.IsFinite(v)) return double.MaxValue;
        double a = Math.Abs(v);
        return 1 + 64 * BinaryDigits(v) + a / (1 + a);
    }

    /// <summary>The number of binary digits after the point (0 for whole numbers, up to 61).</summary>
    public static int BinaryDigits(double v)
    {
        for (int k = 0; k <= 60; k++)
        {
            double scaled = Math.ScaleB(v, k);
            if (scaled == Math.Floor(scaled)) return k;
        }
        return 61;
    }

    /// <summary><paramref name="v"/> rounded to <paramref name="bits"/> binary digits after the point, toward 0.</summary>
    public static double Round(double v, int bits) => Math.ScaleB(Math.Truncate(Math.ScaleB(v, bits)), -bits);

    /// <summary>Candidate simpler values of <paramref name="v"/>, before the domain filters them.</summary>
    private static IEnumerable<double> SimpleValues(double v)
    {
        yield return 0;
        yield return Math.Sign(v) < 0 ? -1 : 1;
        yield return Math.Sign(v) < 0 ? 1 : -1;
        for (int bits = 0; bits <= 8; bits++)
        {
            yield return Round(v, bits);
            yield return Math.ScaleB(Math.Round(Math.ScaleB(v, bits)), -bits);
        }
        if (BinaryDigits(v) == 0 && v != 0) yield return v - Math.Sign(v);
    }

    /// <summary>Any value in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Domain Interval(double low, double high) => new IntervalDomain(low, high);

    /// <summary>Any real value in [−2, 2), the default: O(1) values keep finite differences accurate.</summary>
    public static Domain Real { get; } = new IntervalDomain(-2, 2);

    /// <summary>Positive values in [<paramref name="low"/>, <paramref name="high"/>), low &gt; 0 (for log, sqrt, powers).</summary>
    public static Domain Positive(double low = 0.3, double high = 3) =>
        low > 0 ? new IntervalDomain(low, high) : throw new ArgumentException($"Domain.Positive: low must be positive, got {low}");

    /// <summary>Values of either sign with magnitude in [<paramref name="margin"/>, <paramref name="max"/>): safe denominators.</summary>
    public static Domain NonZero(double margin = 0.5, double max = 2) =>
        margin > 0 && max > margin ? new NonZeroDomain(margin, max) : throw new ArgumentException($"Domain.NonZero: need 0 < margin < max, got margin {margin}, max {max}");

    /// <summary>Values in [<paramref name="low"/>, <paramref name="high"/>) at least <paramref name="margin"/> away from
    /// every point of <paramref name="kinks"/> (relu at 0, clamp at its bounds).</summary>
    public static Domain AwayFrom(double[] kinks, double low = -2, double high = 2, double margin = Margin) =>
        new AwayDomain([.. kinks], low, high, margin);

    /// <summary>Pairwise distinct values, at least 2·<see cref="Margin"/> apart, in random order (max, min, sort: no ties).</summary>
    public static Domain Distinct { get; } = new DistinctDomain();

    /// <summary>Probability vectors along the last dim: positive entries summing to 1 (raw weights in [0.1, 1], normalised).</summary>
    public static Domain Simplex { get; } = new SimplexDomain();

    /// <summary>Symmetric positive definite matrices in the last two dims, with condition number at most
    /// <paramref name="maxCondition"/>: A = I + s·B·Bᵀ, B's entries the raw values in [−1, 1], s = (κ − 1)/max(1, ‖B‖²_F),
    /// so the eigenvalues lie in [1, κ].</summary>
    public static Domain SymmetricPositiveDefinite(double maxCondition = 10) =>
        maxCondition >= 1 ? new SpdDomain(maxCondition) : throw new ArgumentException($"Domain.SymmetricPositiveDefinite: the condition number bound must be at least 1, got {maxCondition}");

    /// <summary>Whole numbers in [<paramref name="low"/>, <paramref name="high"/>] (indices, counts, exact arithmetic).</summary>
    public static Domain Whole(int low, int high) =>
        low <= high ? new WholeDomain(low, high) : throw new ArgumentException($"Domain.Whole: low {low} is above high {high}");

    /// <summary>Cotangents: short binary fractions k/4 in [−2, 2], exact in float and double, so a sum of products with
    /// them rounds no more than the function does; they shrink toward a one-hot vector, which pins a wrong gradient
    /// to one output element.</summary>
    public static Domain Cotangent { get; } = new CotangentDomain();

    internal static string Format(double v) => v.ToString(CultureInfo.InvariantCulture);
}
