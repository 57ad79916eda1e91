using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// The float kernels compute what the double kernels compute: for every registry row, the row's function in float on
/// float-rounded inputs matches the same function in double on the same (rounded) values, within the row's
/// <see cref="OpInfo{T}.FloatTol"/>. The double result is the oracle; its own correctness is what the gradient checks
/// and the reference comparison rest on. Both sides run the one generic definition of the row.
/// </summary>
public class FloatDoubleAgreement
{
    public static TheoryData<string> Ops => new(OpRegistry.All.Select(o => o.Name));

    /// <summary>Machine epsilon of float, 2⁻²³.</summary>
    private const double Eps = 1.0 / (1 << 23);

    // |f − d| ≤ FloatTol·ε·(1 + |d|): each float operation rounds to a relative error of at most ε/2, and the inputs
    // are O(1), so an op with a few roundings per output stays within a small multiple of ε in absolute and relative terms.
    [Theory, MemberData(nameof(Ops))]
    public void FloatForwardMatchesDoubleForward(string op)
    {
        int row = OpRegistry.All.Select(o => o.Name).ToList().IndexOf(op);
        Prop.ForAll(PropertyConfig.Seeds, seed => CheckCase(row, seed)).Check(PropertyConfig.For($"{op} (float vs double)"));
    }

    /// <summary>Compares one case of row <paramref name="row"/>; throws naming the op, the case seed and the worst element.</summary>
    internal static void CheckCase(int row, ulong seed)
    {
        OpInfo<double> d = OpRegistry.All[row];
        OpInfo<float> f = OpRegistry.Rows<float>()[row];
        var x = d.Inputs(new Generator(seed));
        var expected = d.F([.. x.Select(t => Convert(t, v => (double)(float)v))]);
        var actual = f.F([.. x.Select(t => Convert(t, v => (float)v))]);
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{d.Name}: float shape differs from double shape (case seed {seed})");
        Laws.Close(expected.ToArray(), [.. actual.ToArray().Select(v => (double)v)],
            $"{d.Name}: float vs double forward, case seed {seed}", atol: d.FloatTol * Eps, rtol: d.FloatTol * Eps);
    }

    [Fact]
    public void EveryElementTypeListsTheSameRows()
    {
        // The tables are built by one generic method, so row i is the same op in every element type.
        Assert.Equal(OpRegistry.All.Select(o => (o.Name, o.Member, o.FloatTol)), OpRegistry.Rows<float>().Select(o => (o.Name, o.Member, o.FloatTol)));
    }

    private static Tensor<T> Convert<T>(Tensor<double> t, Func<double, T> to) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        Tensor.FromArray([.. t.ToArray().Select(to)], [.. t.Shape], t.RequiresGrad);
}
