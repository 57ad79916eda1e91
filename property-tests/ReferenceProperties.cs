namespace Autograd.PropertyTests;

/// <summary>
/// The forward of every catalog row that has a reference equals it: oracle, the row's
/// <see cref="OpInfo{T}.Reference"/>, the same function written independently on plain arrays (<see cref="Naive"/>:
/// coordinate loops, <see cref="Math"/> and textbook formulas). The gradient checks compare a function with its own
/// derivative, so they would pass for a wrong forward with a matching wrong rule; this property pins the forward down.
/// </summary>
public class ReferenceProperties
{
    public static TheoryData<string> Ops => new(OpCatalog.All.Where(o => o.Reference is not null).Select(o => o.Name));

    // |forward − reference| ≤ 1e-13 + 1e-12·|reference| (OpProperties.Reference): both in double over O(1) values,
    // differing only in the order of a few roundings (ε = 2.2e-16) and in library versus Math implementations of exp,
    // tanh, erf (a few ulps).
    [Theory, MemberData(nameof(Ops))]
    public void ForwardMatchesReference(string op) => OpProperties.Reference(OpCatalog.Get(op));

    [Fact]
    public void EveryRowOfAMemberWithAReferenceHasOne()
    {
        // A member some row checks against a reference is checked on all its rows, so a new variant cannot skip it.
        var withReference = OpCatalog.All.Where(o => o.Reference is not null).Select(o => o.Member).ToHashSet();
        var missing = OpCatalog.All.Where(o => o.Reference is null && withReference.Contains(o.Member)).Select(o => o.Name).ToList();
        Assert.True(missing.Count == 0, $"Rows without a reference whose member has one elsewhere: {string.Join("; ", missing)}");
    }
}
