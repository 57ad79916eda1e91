namespace Autograd.PropertyTests;

/// <summary>
/// The float kernels compute what the double kernels compute: for every catalog row, the row's function in float on
/// float-rounded inputs matches the same function in double on the same (rounded) values, within the row's
/// <see cref="OpInfo{T}.FloatTol"/> (<see cref="OpProperties.FloatAgreement"/>). The double result is the oracle; its own
/// correctness is what the gradient checks and the reference comparison rest on. Both sides run the one generic
/// definition of the row.
/// </summary>
public class FloatDoubleAgreement
{
    public static TheoryData<string> Ops => new(OpCatalog.All.Select(o => o.Name));

    // |f − d| ≤ FloatTol·ε·(1 + |d|): each float operation rounds to a relative error of at most ε/2, and the inputs
    // are O(1), so an op with a few roundings per output stays within a small multiple of ε in absolute and relative terms.
    [Theory, MemberData(nameof(Ops))]
    public void FloatForwardMatchesDoubleForward(string op)
    {
        int row = OpCatalog.All.Select(o => o.Name).ToList().IndexOf(op);
        OpProperties.FloatAgreement(OpCatalog.All[row], OpCatalog.Rows<float>()[row]);
    }

    [Fact]
    public void EveryElementTypeListsTheSameRows()
    {
        // The tables are built by one generic method, so row i is the same op in every element type.
        Assert.Equal(OpCatalog.All.Select(o => (o.Name, o.Member, o.FloatTol)), OpCatalog.Rows<float>().Select(o => (o.Name, o.Member, o.FloatTol)));
    }
}
