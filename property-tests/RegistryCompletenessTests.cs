namespace Autograd.PropertyTests;

/// <summary>The registry lists every tensor-producing public member, or the exceptions list says why not.</summary>
public class RegistryCompletenessTests
{
    private static bool Excepted(string signature) =>
        OpCatalog.Exceptions.ContainsKey(signature) || OpCatalog.Exceptions.ContainsKey(signature[..signature.IndexOf('(')]);

    [Fact]
    public void EveryTensorProducingMemberIsRegisteredOrExcepted()
    {
        var registered = OpCatalog.All.Select(o => o.Member).ToHashSet();
        var missing = Signatures.TensorProducingMembers().Select(Signatures.Of)
            .Where(s => !registered.Contains(s) && !Excepted(s)).Distinct().Order().ToList();
        Assert.True(missing.Count == 0,
            $"Ops with neither a row in OpCatalog.All nor an entry (with a reason) in OpCatalog.Exceptions: {string.Join("; ", missing)}");
    }

    [Fact]
    public void EveryRowAndExceptionNamesAnExistingMember()
    {
        var signatures = Signatures.TensorProducingMembers().Select(Signatures.Of).ToHashSet();
        var names = signatures.Select(s => s[..s.IndexOf('(')]).ToHashSet();
        var stale = OpCatalog.All.Select(o => o.Member).Where(m => !signatures.Contains(m))
            .Concat(OpCatalog.Exceptions.Keys.Where(k => !signatures.Contains(k) && !names.Contains(k))).ToList();
        Assert.True(stale.Count == 0, $"Registry rows or exceptions naming no public member: {string.Join("; ", stale)}");
    }

    [Fact]
    public void RowNamesAreUniqueAndNoMemberIsBothRegisteredAndExcepted()
    {
        var duplicates = OpCatalog.All.GroupBy(o => o.Name).Where(gr => gr.Count() > 1).Select(gr => gr.Key).ToList();
        Assert.True(duplicates.Count == 0, $"Duplicate registry names: {string.Join("; ", duplicates)}");
        var both = OpCatalog.All.Select(o => o.Member).Where(Excepted).Distinct().ToList();
        Assert.True(both.Count == 0, $"Members both registered and excepted: {string.Join("; ", both)}");
        Assert.All(OpCatalog.Exceptions, e => Assert.False(string.IsNullOrWhiteSpace(e.Value), $"{e.Key} has no reason"));
    }
}
