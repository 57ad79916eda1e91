using Autograd.Checking;

namespace Autograd.Tests.Engine;

/// <summary>Users' functions with several outputs (<see cref="MultiOutputFunction{T}"/>).</summary>
public class MultiOutputFunctionTests
{
    /// <summary>(sin x, cos x); d/dx = (cos x, −sin x), written with differentiable ops (second order works).</summary>
    private sealed class SinCos : MultiOutputFunction<double>
    {
        /// <summary>The output gradients the last Backward received.</summary>
        public Tensor<double>?[]? Seen;

        protected override Tensor<double>[] Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return [inputs[0].Sin(), inputs[0].Cos()];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double>?[] g)
        {
            Seen = g;
            var x = ctx.SavedTensors[0];
            return [g[0]! * x.Cos() - g[1]! * x.Sin()];
        }
    }

    /// <summary>(x², row sums of x) for x [N, M]: outputs of shapes [N, M] and [N], with a second input y [N, M]
    /// added to the first (x² + y); d/dx = 2x·g₀ + g₁ broadcast over rows, d/dy = g₀.</summary>
    private sealed class SquareAndRowSums : MultiOutputFunction<double>
    {
        protected override Tensor<double>[] Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return [inputs[0] * inputs[0] + inputs[1], inputs[0].Sum(1)];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double>?[] g)
        {
            var x = ctx.SavedTensors[0];
            return [g[0]! * x * 2.0 + g[1]!.Unsqueeze(1), ctx.NeedsInputGrad(1) ? g[0] : null];
        }
    }

    /// <summary>(max of each row, its column as a number): the index is marked non-differentiable.</summary>
    private sealed class RowMaxWithIndex : MultiOutputFunction<double>
    {
        public Tensor<double>?[]? Seen;
        private int _cols;

        protected override Tensor<double>[] Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            var x = inputs[0];
            int rows = x.Shape[0], cols = _cols = x.Shape[1];
            var v = x.ToArray();
            var index = Enumerable.Range(0, rows).Select(r => (double)Enumerable.Range(0, cols).MaxBy(c => v[r * cols + c])).ToArray();
            var values = Enumerable.Range(0, rows).Select(r => v[r * cols + (int)index[r]]).ToArray();
            var indices = Tensor.FromArray(index, [rows]);
            ctx.MarkNonDifferentiable(indices);
            ctx.SaveForBackward(indices);
            return [Tensor.FromArray(values, [rows]), indices];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double>?[] g)
        {
            Seen = g;
            var index = ctx.SavedTensors[0].ToArray();
            var gv = g[0]!.ToArray();
            int rows = index.Length, cols = _cols;
            var grad = new double[rows * cols];
            for (int r = 0; r < rows; r++) grad[r * cols + (int)index[r]] = gv[r];
            return [Tensor.FromArray(grad, [rows, cols])];
        }

        protected override bool IsOnceDifferentiable => true;
    }

    private sealed class NoOutputs : MultiOutputFunction<double>
    {
        protected override Tensor<double>[] Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => [];

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double>?[] g) => [null];
    }

    /// <summary>Equal to a few ulps (the vector sin and cos may round the last bit differently from Math's).</summary>
    private static void Close(IEnumerable<double> expected, Tensor<double> actual) =>
        Assert.Equal(expected, actual.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-15 * Math.Max(1, Math.Abs(a)));

    private static Tensor<double> Leaf(int seed, params int[] shape) =>
        Tensor.Randn<double>(shape, new Generator((ulong)seed), requiresGrad: true);

    [Fact]
    public void SinCosGivesBothValuesAndPassesFirstAndSecondOrderGradCheck()
    {
        // Oracle: Math.Sin and Math.Cos elementwise; finite differences of a loss that mixes both outputs.
        var x = Leaf(1, 5);
        var outputs = new SinCos().Apply(x);
        Assert.Equal(2, outputs.Length);
        Close(x.ToArray().Select(Math.Sin), outputs[0]);
        Close(x.ToArray().Select(Math.Cos), outputs[1]);
        Tensor<double> Loss(Tensor<double>[] v) { var o = new SinCos().Apply(v[0]); return (o[0] * o[1] + o[0] * 3.0 - o[1] * o[1]).Sum(); }
        Assert.True(GradCheck.Check(Loss, [Leaf(2, 4)]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(Loss, [Leaf(3, 4)]).Passed);
    }

    [Fact]
    public void OutputsOfDifferentShapesAndTwoInputsPassGradCheck()
    {
        // Oracle: finite differences; the outputs have Forward's shapes.
        var o = new SquareAndRowSums().Apply(Leaf(4, 2, 3), Leaf(5, 2, 3));
        Assert.Equal([2, 3], o[0].Shape);
        Assert.Equal([2], o[1].Shape);
        Tensor<double> Loss(Tensor<double>[] v)
        {
            var r = new SquareAndRowSums().Apply(v[0], v[1]);
            return (r[0].Sin().Sum() + (r[1] * r[1]).Sum());
        }
        Assert.True(GradCheck.Check(Loss, [Leaf(6, 2, 3), Leaf(7, 2, 3)]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(Loss, [Leaf(8, 2, 3), Leaf(9, 2, 3)]).Passed);
    }

    [Fact]
    public void AnUnusedOutputGetsAGradientOfZeros()
    {
        // Oracle: the loss does not depend on cos x, so ∂loss/∂cos = 0 (PyTorch materializes it as zeros); then
        // ∂loss/∂x = cos x from the sine alone.
        var f = new SinCos();
        var x = Leaf(10, 3);
        var o = f.Apply(x);
        o[0].Sum().Backward();
        Assert.Equal(new double[3], f.Seen![1]!.ToArray());
        Assert.Equal([3], f.Seen[1]!.Shape);
        Close(x.ToArray().Select(Math.Cos), x.Grad!);
    }

    [Fact]
    public void ANonDifferentiableOutputIsReturnedAsMadeAndGetsNoGradient()
    {
        // Oracle: the row maxima of [[1, 5, 2], [7, 0, 3]] are 5 (column 1) and 7 (column 0); d(Σ maxima)/dx is 1 at
        // each row's maximum and 0 elsewhere.
        var f = new RowMaxWithIndex();
        var x = Tensor.FromArray(new double[] { 1, 5, 2, 7, 0, 3 }, [2, 3], requiresGrad: true);
        var o = f.Apply(x);
        Assert.Equal([5.0, 7.0], o[0].ToArray());
        Assert.Equal([1.0, 0.0], o[1].ToArray());
        Assert.False(o[1].RequiresGrad);
        Assert.Null(o[1].GradFn);
        o[0].Sum().Backward();
        Assert.Null(f.Seen![1]);
        Assert.Equal([0.0, 1, 0, 1, 0, 0], x.Grad!.ToArray());
    }

    [Fact]
    public void TheOutputsShareOneNodeNamedAfterTheFunction()
    {
        // Oracle: the design: each output is a view of the one recorded buffer, so both paths reach the same node.
        var o = new SinCos().Apply(Leaf(11, 3));
        static Node<double> Find(Tensor<double> t)
        {
            var node = t.GradFn!;
            while (node.Name != "SinCos") node = node.Edges[0].Node!;
            return node;
        }
        Assert.Same(Find(o[0]), Find(o[1]));
        Assert.Equal("∂SinCos/∂x₀: the backward of SinCos", Find(o[0]).Formula(0));
    }

    [Fact]
    public void WithoutGradTheOutputsAreReturnedAsForwardMadeThem()
    {
        // Oracle: no input requires grad, so nothing is recorded.
        var x = Tensor.FromArray(new double[] { 0.5, 1 });
        var o = new SinCos().Apply(x);
        Assert.All(o, t => Assert.Null(t.GradFn));
        Close(x.ToArray().Select(Math.Sin), o[0]);
    }

    [Fact]
    public void BadForwardsAndBackwardsAreNamed()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new NoOutputs().Apply(Leaf(12, 2)));
        Assert.Equal("NoOutputs.Forward returned no outputs; return at least one", e.Message);
        // A backward that returns one gradient for two inputs: the engine names the function and the counts.
        var x = Leaf(13, 2);
        var o = new SinCos().Apply(x, Leaf(14, 2));
        var b = Assert.Throws<InvalidOperationException>(() => o[0].Sum().Backward());
        Assert.Contains("SinCos.Backward returned 1 gradients for 2 inputs", b.Message);
    }
}
