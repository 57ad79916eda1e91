using Autograd.NN;

namespace Autograd.Tests.NN;

public class ContainerTests
{
    [Fact]
    public void SequentialChainsLayersAndNamesThemByPosition()
    {
        // Oracle: Sequential(f, g, h)(x) = h(g(f(x))), evaluated here layer by layer; names "0", "1", "2".
        var g = new Generator(1);
        var model = new Sequential<double> { new Linear<double>(3, 4, g), new Tanh<double>() };
        model.Add(new Linear<double>(4, 2, g));
        var x = Tensor.Randn<double>([5, 3], g);
        Assert.Equal(model[2].Forward(model[1].Forward(model[0].Forward(x))).ToArray(), model.Forward(x).ToArray());
        Assert.Equal(3, model.Count);
        Assert.Equal(["0", "1", "2"], model.NamedChildren().Select(c => c.Name).ToArray());
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], model.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void SequentialGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences through a small MLP with several activation kinds, first and second order.
        var g = new Generator(2);
        var model = new Sequential<double>(new Linear<double>(3, 4, g), new GELU<double>(), new Linear<double>(4, 3, g),
            new LayerNorm<double>(3), new SiLU<double>(), new Linear<double>(3, 2, g));
        ModuleGradCheck.Assert(model, ModuleGradCheck.Input(3, 2, 3));
    }

    [Fact]
    public void FlattenCollapsesAllButTheBatchDim()
    {
        // Oracle: [2, 3, 4, 5] → [2, 60] keeping row-major order; gradients by finite differences.
        var x = Tensor.Randn<float>([2, 3, 4, 5], new Generator(4));
        var y = new Flatten<float>().Forward(x);
        Assert.Equal([2, 60], y.Shape);
        Assert.Equal(x.ToArray(), y.ToArray());
        Assert.Equal([2, 3, 20], new Flatten<float>(2).Forward(x).Shape);
        ModuleGradCheck.Assert(new Flatten<double>(), ModuleGradCheck.Input(5, 2, 2, 3));
    }

    [Fact]
    public void ResidualBlockAddsTheSkipPath()
    {
        // Oracle: y = x + F(x) with F evaluated separately; equal widths need no projection.
        var g = new Generator(5);
        var block = new ResidualBlock<double>(4, 4, g);
        Assert.Null(block.Projection);
        var x = Tensor.Randn<double>([3, 4], g);
        Assert.Equal((x + block.Body.Forward(x)).ToArray(), block.Forward(x).ToArray());
        Assert.Equal(["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"], block.NamedParameters().Select(p => p.Name).ToArray());
    }

    [Fact]
    public void ResidualBlockProjectsWhenWidthsDiffer()
    {
        // Oracle: y = P·x + F(x) with P a bias-free Linear(3 → 2); gradients by finite differences.
        var g = new Generator(6);
        var block = new ResidualBlock<double>(3, 2, g, hiddenFeatures: 5);
        var projection = Assert.IsType<Linear<double>>(block.Projection);
        Assert.Null(projection.Bias);
        Assert.Contains("projection.weight", block.NamedParameters().Select(p => p.Name));
        var x = Tensor.Randn<double>([2, 3], g);
        Assert.Equal((projection.Forward(x) + block.Body.Forward(x)).ToArray(), block.Forward(x).ToArray());
        ModuleGradCheck.Assert(block, ModuleGradCheck.Input(7, 2, 3));
    }

    [Fact]
    public void ResidualBlockWithoutProjectionRejectsAShapeChange()
    {
        // Oracle: x + F(x) needs F(x) to have x's shape.
        var block = new ResidualBlock<float>(new Linear<float>(3, 2, new Generator(8)));
        var error = Assert.Throws<ArgumentException>(() => block.Forward(Tensor.Zeros<float>(4, 3)));
        Assert.Contains("body output shape [4, 2] differs from the skip path's shape [4, 3]", error.Message);
    }
}
