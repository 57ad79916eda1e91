using Autograd.Checking;

namespace Autograd.Tests.Engine;

/// <summary>Users' differentiable functions with their own backward (<see cref="Function{T}"/>).</summary>
public class FunctionTests
{
    /// <summary>softplus(x) = log(1 + eˣ), computed stably as relu(x) + log(1 + e^−|x|); d/dx = σ(x), written with
    /// differentiable ops so that second order works.</summary>
    private sealed class StableSoftplus : Function<double>
    {
        public override string Formula(int input) => "∂softplus(x)/∂x = σ(x)";

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            return inputs[0].Relu() + ((-inputs[0].Abs()).Exp() + 1.0).Log();
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> gradOutput) =>
            [gradOutput * ctx.SavedTensors[0].Sigmoid()];
    }

    /// <summary>Straight-through estimator: forward rounds, backward passes the gradient unchanged where |x| ≤ 1.</summary>
    private sealed class StraightThroughRound : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0]);
            var values = inputs[0].ToArray().Select(v => Math.Round(v)).ToArray();
            return Tensor.FromArray(values, [.. inputs[0].Shape]);
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> gradOutput) =>
            [Tensor.Where(ctx.SavedTensors[0].Abs().Le(1.0), gradOutput, 0.0)];
    }

    /// <summary>x·y with a backward through raw arrays (not differentiable), declared once-differentiable.</summary>
    private sealed class RawProduct : Function<double>
    {
        protected override bool IsOnceDifferentiable => true;

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            ctx.SaveForBackward(inputs[0], inputs[1]);
            return inputs[0] * inputs[1];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            var (x, y) = (ctx.SavedTensors[0].ToArray(), ctx.SavedTensors[1].ToArray());
            var gs = g.ToArray();
            var shape = ctx.SavedTensors[0].Shape.ToArray();
            return
            [
                ctx.NeedsInputGrad(0) ? Tensor.FromArray(gs.Select((v, i) => v * y[i]).ToArray(), shape) : null,
                ctx.NeedsInputGrad(1) ? Tensor.FromArray(gs.Select((v, i) => v * x[i]).ToArray(), shape) : null,
            ];
        }
    }

    private static Tensor<double> Vec(params double[] v) => Tensor.FromArray(v, requiresGrad: true);

    [Fact]
    public void ReusingTheInputArrayAfterApplyDoesNotChangeTheGraph()
    {
        // y = a·b recorded from an array the caller then fills with other tensors (c = 2a and d, computed ones): the
        // graph keeps a and b, so ∂y/∂a = b and ∂y/∂b = a, and c's node gets nothing (its consumers were not this node).
        var (a, b, d) = (Vec(2, 3), Vec(5, 7), Vec(1, 1));
        var c = a * 2.0;
        var operands = new[] { a, b };
        var y = new RawProduct().Apply(operands);
        operands[0] = c;
        operands[1] = d * 1.0;
        y.Sum().Backward();
        Assert.Equal([5.0, 7.0], a.Grad!.ToArray());
        Assert.Equal([2.0, 3.0], b.Grad!.ToArray());
        Assert.Null(d.Grad);
    }

    [Fact]
    public void SoftplusMatchesItsDefinitionAndPassesFirstAndSecondOrderGradCheck()
    {
        var x = Vec(-30, -1.5, 0, 0.7, 40);
        var y = new StableSoftplus().Apply(x);
        // Oracle: log(1 + eˣ) in closed form, with log1p for the tails.
        double[] expected = x.ToArray().Select(v => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v))).ToArray();
        Assert.Equal(expected, y.ToArray(), (a, b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(b)));
        Assert.True(GradCheck.Check(x => new StableSoftplus().Apply(x[0]).Sum(), [Vec(-2, -0.3, 0.4, 1.9)]).Passed);
        Assert.True(GradCheck.CheckSecondOrder(x => new StableSoftplus().Apply(x[0]).Sum(), [Vec(-2, -0.3, 0.4, 1.9)]).Passed);
    }

    [Fact]
    public void SoftplusGradientOfGradientIsTheSigmoidDerivative()
    {
        // d²/dx² softplus(x) = σ(x)(1 − σ(x)) = 0.25 at x = 0.
        var x = Vec(0.0);
        var g = Tensor.Grad([new StableSoftplus().Apply(x).Sum()], [x], createGraph: true)[0];
        Assert.Equal(0.5, g.Item(), 12);
        var h = Tensor.Grad([g.Sum()], [x])[0];
        Assert.Equal(0.25, h.Item(), 12);
    }

    [Fact]
    public void StraightThroughEstimatorPassesGradientInsideTheClipRange()
    {
        var x = Vec(-2.0, -0.6, 0.4, 0.5, 3.0);
        var y = new StraightThroughRound().Apply(x);
        // Forward: round-half-even of each value.
        Assert.Equal(new[] { -2.0, -1.0, 0.0, 0.0, 3.0 }, y.ToArray());
        // Backward of Σ 3·y: 3 where |x| ≤ 1, else 0.
        (y * 3.0).Sum().Backward();
        Assert.Equal(new[] { 0.0, 3.0, 3.0, 3.0, 0.0 }, x.Grad!.ToArray());
        // The STE's backward is written with differentiable ops: gradcheck of the surrogate g ↦ where(|x| ≤ 1, g, 0) in
        // the upstream gradient (linear, so finite differences are exact) through createGraph.
        var x2 = Vec(-0.5, 0.25, 2.0);
        Assert.True(GradCheck.Check(u =>
        {
            var z = new StraightThroughRound().Apply(x2);
            return Tensor.Grad([z], [x2], [u[0]], createGraph: true)[0].Square().Sum();
        }, [Vec(0.3, -1.2, 0.8)]).Passed);
    }

    [Fact]
    public void OnceDifferentiableFunctionGivesFirstOrderAndRefusesSecondNamingItself()
    {
        var x = Vec(2.0, -1.0);
        var y = Vec(3.0, 4.0);
        // First order: ∂(Σ x·y)/∂x = y.
        new RawProduct().Apply(x, y).Sum().Backward();
        Assert.Equal(new[] { 3.0, 4.0 }, x.Grad!.ToArray());
        // Under createGraph the first-order gradient is still right, but differentiating it again throws by name.
        var g = Tensor.Grad([new RawProduct().Apply(x, y).Sum()], [x], createGraph: true)[0];
        Assert.Equal(new[] { 3.0, 4.0 }, g.ToArray());
        var error = Assert.Throws<InvalidOperationException>(() => g.Sum().Backward());
        Assert.Contains("RawProduct", error.Message);
        Assert.Contains("once-differentiable", error.Message);
    }

    [Fact]
    public void NeedsInputGradReflectsWhichInputsRequireGrad()
    {
        var x = Vec(2.0);
        var c = Tensor.FromArray(new[] { 5.0 });
        bool[]? seen = null;
        var probe = new Probe(ctx => seen = [ctx.NeedsInputGrad(0), ctx.NeedsInputGrad(1)]);
        var y = probe.Apply(x, c);
        Assert.Equal(new[] { true, false }, seen);
        y.Backward();
        // ∂(x·c)/∂x = c = 5; the constant gets no gradient.
        Assert.Equal(5.0, x.Grad!.Item());
        Assert.Null(c.Grad);
        Assert.Equal(new[] { true, false }, probe.SeenInBackward);
        using (Tensor.NoGrad())
        {
            probe.Apply(x, c);
            Assert.Equal(new[] { false, false }, seen);
        }
    }

    private sealed class Probe(Action<FunctionContext<double>> onForward) : Function<double>
    {
        public bool[]? SeenInBackward;

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            onForward(ctx);
            ctx.SaveForBackward(inputs[1]);
            return inputs[0] * inputs[1];
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g)
        {
            SeenInBackward = [ctx.NeedsInputGrad(0), ctx.NeedsInputGrad(1)];
            return [g * ctx.SavedTensors[0], null];
        }
    }

    [Fact]
    public void MarkNonDifferentiableOutputHasNoNode()
    {
        var x = Vec(1.0, -2.0);
        var mask = new PositiveMask().Apply(x);
        Assert.False(mask.RequiresGrad);
        Assert.Null(mask.GradFn);
        Assert.Equal(new[] { 1.0, 0.0 }, mask.ToArray());
    }

    private sealed class PositiveMask : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs)
        {
            var mask = inputs[0].Gt(0.0);
            ctx.MarkNonDifferentiable(mask);
            return mask;
        }

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [null];
    }

    [Fact]
    public void SavedTensorModifiedInPlaceThrowsNamingTheFunctionShapeAndVersions()
    {
        var x = Vec(1.0, 2.0, 3.0);
        var y = new StableSoftplus().Apply(x);
        using (Tensor.NoGrad()) x.MulInPlace(100.0);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("StableSoftplus", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("version 0 when saved, 1 now", error.Message);
    }

    [Fact]
    public void FunctionNodeIsOneNodeOfTheGraphView()
    {
        var x = Vec(1.0);
        var y = new StableSoftplus().Apply(x) * 2.0;
        var node = y.GradFn!.Edges[0].Node!;
        Assert.Equal("StableSoftplus", node.Name);
        Assert.Equal("∂softplus(x)/∂x = σ(x)", node.Edges[0].Formula);
        Assert.Same(x, node.Edges[0].Input);
        Assert.Same(x, Assert.Single(node.SavedTensors));
    }

    [Fact]
    public void BackwardReturningTheWrongNumberOfGradientsThrows()
    {
        var x = Vec(1.0);
        var y = new WrongCount().Apply(x, x);
        var error = Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.Contains("WrongCount.Backward returned 1 gradients for 2 inputs", error.Message);
    }

    private sealed class WrongCount : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0] + inputs[1];

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [g];
    }
}
