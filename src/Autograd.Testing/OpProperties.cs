using Autograd.Checking;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.Testing;

/// <summary>
/// The properties the catalog's rows are checked with, for any row, yours included: gradients against finite
/// differences (first and second order), the forward against the row's reference, and float against double. Each
/// runs maxTest shrinkable cases from the row's <see cref="OpInfo{T}.Cases"/> with a replay seed
/// derived from the property's name, so every run draws the same cases; a failure throws FsCheck's report, with the
/// first failing case and the shrunk one, and the reason.
/// </summary>
/// <example><code>
/// var row = new OpInfo&lt;double&gt;("Softsign", "Softsign()", x =&gt; x[0] / (x[0].Abs() + 1),
///     g =&gt; [TensorGen.AwayFrom(g, TensorGen.Shape(g), [0])], x =&gt; Naive.Map(x[0], v =&gt; v / (Math.Abs(v) + 1)));
/// OpProperties.Gradients(row, order: 2);
/// OpProperties.Reference(row);
/// </code></example>
public static class OpProperties
{
    /// <summary>Cases per row and property unless told otherwise.</summary>
    public const int DefaultMaxTest = 50;

    /// <summary>Machine epsilon of float, 2⁻²³.</summary>
    private const double FloatEps = 1.0 / (1 << 23);

    /// <summary>A quiet, throwing, replayable configuration for the property named <paramref name="name"/>.</summary>
    public static Config ConfigFor(string name, int maxTest = DefaultMaxTest) =>
        Config.QuickThrowOnFailure.WithMaxTest(maxTest).WithQuietOnSuccess(true).WithName(name)
            .WithReplay(StableHash(name), 0x9E3779B97F4A7C15UL);

    /// <summary>The row's gradients of order <paramref name="order"/> (1 or 2) match central finite differences in double.</summary>
    public static void Gradients(OpInfo<double> row, int order = 1, int maxTest = DefaultMaxTest)
    {
        ArgumentNullException.ThrowIfNull(row);
        Prop.ForAll(row.Cases, c => CheckGradients(row, c, order)).Check(ConfigFor($"{row.Name} ({OrderName(order)} order)", maxTest));
    }

    /// <summary>One case of <see cref="Gradients"/>; throws a <see cref="GradCheckException"/> naming the row, the
    /// order, the input shapes and the worst element.</summary>
    public static void CheckGradients(OpInfo<double> row, TensorCase c, int order)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(c);
        if (order is not (1 or 2)) throw new ArgumentException($"OpProperties.Gradients: order must be 1 or 2, got {order}");
        var inputs = c.Inputs;
        var result = order == 2
            ? GradCheck.CheckSecondOrder(row.F, inputs, atol: row.Atol, rtol: row.Rtol)
            : GradCheck.Check(row.F, inputs, atol: row.Atol, rtol: row.Rtol);
        if (!result.Passed)
            throw new GradCheckException($"{row.Name}: {OrderName(order)}-order check, input shapes {ShapesOf(c)}: {result}");
    }

    /// <summary>The row's forward equals its <see cref="OpInfo{T}.Reference"/> within 1e-13 + 1e-12·|reference|: both in
    /// double over O(1) values, differing only in the order of a few roundings and in library versus <see cref="Math"/>
    /// implementations of exp, tanh, erf (a few ulps).</summary>
    public static void Reference(OpInfo<double> row, int maxTest = DefaultMaxTest)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Reference is null) throw new ArgumentException($"OpProperties.Reference: row {row.Name} has no reference");
        Prop.ForAll(row.Cases, c => CheckReference(row, c)).Check(ConfigFor($"{row.Name} (reference)", maxTest));
    }

    /// <summary>One case of <see cref="Reference"/>; throws naming the row, the shapes and the first differing element.</summary>
    public static void CheckReference(OpInfo<double> row, TensorCase c)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(c);
        var x = c.Inputs;
        var expected = row.Reference!([.. x.Select(Nd.Of)]);
        var actual = row.F(x);
        Close(expected.Shape, expected.Data, [.. actual.Shape], actual.ToArray(), $"{row.Name}: forward vs reference", 1e-13, 1e-12);
    }

    /// <summary>The row's function in float on float-rounded inputs matches the same function in double on the same
    /// (rounded) values: |f − d| ≤ FloatTol·ε·(1 + |d|), ε = 2⁻²³. <paramref name="single"/> is the same row in float
    /// (same name); the double result is the oracle.</summary>
    public static void FloatAgreement(OpInfo<double> row, OpInfo<float> single, int maxTest = DefaultMaxTest)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(single);
        if (row.Name != single.Name) throw new ArgumentException($"OpProperties.FloatAgreement: rows differ ({row.Name} vs {single.Name})");
        Prop.ForAll(row.Cases, c => CheckFloatAgreement(row, single, c)).Check(ConfigFor($"{row.Name} (float vs double)", maxTest));
    }

    /// <summary>One case of <see cref="FloatAgreement"/>.</summary>
    public static void CheckFloatAgreement(OpInfo<double> row, OpInfo<float> single, TensorCase c)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(single);
        ArgumentNullException.ThrowIfNull(c);
        var x = c.Inputs;
        var expected = row.F([.. x.Select(t => Tensor.FromArray([.. t.ToArray().Select(v => (double)(float)v)], [.. t.Shape], t.RequiresGrad))]);
        var actual = single.Apply(x);
        Close([.. expected.Shape], expected.ToArray(), [.. actual.Shape], [.. actual.ToArray().Select(v => (double)v)],
            $"{row.Name}: float vs double forward", row.FloatTol * FloatEps, row.FloatTol * FloatEps);
    }

    /// <summary>Throws unless the shapes agree and |actual − expected| ≤ atol + rtol·|expected| elementwise.</summary>
    private static void Close(int[] expectedShape, double[] expected, int[] actualShape, double[] actual, string what, double atol, double rtol)
    {
        if (!expectedShape.AsSpan().SequenceEqual(actualShape))
            throw new OpPropertyException($"{what}: shape [{string.Join(", ", actualShape)}], expected [{string.Join(", ", expectedShape)}]");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= atol + rtol * Math.Abs(e) || (double.IsNaN(e) && double.IsNaN(a))))
                throw new OpPropertyException($"{what}: element {i} is {a:G17}, expected {e:G17}");
        }
    }

    private static string OrderName(int order) => order == 2 ? "second" : "first";

    private static string ShapesOf(TensorCase c) => string.Join(" ", c.Shapes.Select(s => $"[{string.Join(", ", s)}]"));

    /// <summary>FNV-1a of the name: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}

/// <summary>Thrown by <see cref="OpProperties"/> when a row's forward disagrees with its reference or its double form.</summary>
public sealed class OpPropertyException(string message) : Exception(message);
