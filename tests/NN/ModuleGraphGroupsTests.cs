using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Graph nodes named after the module that recorded them, for pictures that collapse by module.</summary>
public class ModuleGraphGroupsTests
{
    private static Sequential<double> Model() =>
        new(new Linear<double>(3, 4, new Generator(1)), new ReLU<double>(), new Linear<double>(4, 2, new Generator(2)));

    [Fact]
    public void EveryOpIsNamedAfterItsModuleAndTheLossAfterNone()
    {
        // Oracle: the model's structure: Linear (one fused op) in "0", Relu in "1", Linear in "2"; the loss's Sum outside.
        var model = Model();
        using var groups = new ModuleGraphGroups<double>(model);
        var loss = model.Forward(Tensor.Ones<double>(5, 3)).Sum();
        var ops = loss.Snapshot().Nodes.Where(n => !n.IsLeaf).Select(n => (n.Op, groups.Of(n))).ToList();
        Assert.Equal([("Linear", "0"), ("Relu", "1"), ("Linear", "2"), ("Sum", null)], ops);
        Assert.All(loss.Snapshot().Nodes.Where(n => n.IsLeaf), n => Assert.Null(groups.Of(n)));
    }

    [Fact]
    public void DepthReachesNestedModulesAndTheInnermostWins()
    {
        // Sequential(Sequential(Linear, ReLU), Linear): at depth 2 the inner ops are "0.0" and "0.1", the last "1".
        var g = new Generator(3);
        var model = new Sequential<double>(new Sequential<double>(new Linear<double>(2, 2, g), new ReLU<double>()), new Linear<double>(2, 1, g));
        using var groups = new ModuleGraphGroups<double>(model, depth: 2);
        var loss = model.Forward(Tensor.Ones<double>(1, 2)).Sum();
        var names = loss.Snapshot().Nodes.Where(n => !n.IsLeaf).Select(groups.Of).ToList();
        Assert.Equal(["0.0", "0.1", "1", null], names);
    }

    [Fact]
    public void APictureAboveTheLimitCollapsesToOneBoxPerModule()
    {
        // collapseAbove: 0 collapses any graph: the three modules become three boxes (plus the leaves and the loss).
        var model = Model();
        using var groups = new ModuleGraphGroups<double>(model);
        var loss = model.Forward(Tensor.Ones<double>(5, 3)).Sum();
        string svg = loss.ToSvg(collapseAbove: 0, groupOf: groups.Of);
        foreach (var name in new[] { "0", "1", "2" }) Assert.Contains(name, svg);
        string full = loss.ToSvg(collapseAbove: 1000, groupOf: groups.Of);
        Assert.True(svg.Length < full.Length, "the collapsed picture draws fewer boxes");
    }

    [Fact]
    public void DisposingRemovesTheHooks()
    {
        var model = Model();
        var groups = new ModuleGraphGroups<double>(model);
        groups.Dispose();
        var loss = model.Forward(Tensor.Ones<double>(1, 3)).Sum();
        Assert.All(loss.Snapshot().Nodes, n => Assert.Null(groups.Of(n)));
    }
}
