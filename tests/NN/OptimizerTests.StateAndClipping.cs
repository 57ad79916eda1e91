using Autograd.NN.Optimizers;

namespace Autograd.Tests.NN;

// Checkpoints (state dictionaries), gradient clipping and penalties.
public partial class OptimizerTests
{
    [Theory]
    [MemberData(nameof(Names))]
    public void StateDictRoundTripContinuesIdentically(string name)
    {
        // Oracle: an optimizer restored from a checkpoint takes the same next step as the original.
        var p1 = Param(1, -2, 0.5);
        var opt1 = Make(name, [p1]);
        for (int s = 0; s < 3; s++) { SetGrad(p1, 0.3 * s + 0.1, -0.2, 1.5 - s); opt1.Step(); }
        var saved = opt1.StateDict();
        var p2 = Param(p1.ToArray());
        var opt2 = Make(name, [p2]);
        opt2.LearningRate = 123; // overwritten by the load
        opt2.LoadStateDict(saved);
        Assert.Equal(opt1.LearningRate, opt2.LearningRate);
        Assert.Equal(3, opt2.StepCount);
        SetGrad(p1, 0.7, 0.1, -0.3);
        SetGrad(p2, 0.7, 0.1, -0.3);
        opt1.Step();
        opt2.Step();
        Assert.Equal(p1.ToArray(), p2.ToArray());
        // The saved dictionary is a copy: further steps do not change it.
        Assert.Equal(3, saved.Scalars["step"]);
        foreach (var (key, t) in opt1.StateDict().Tensors)
            Assert.Equal([.. p1.Shape], t.Shape);
    }

    [Fact]
    public void LoadStateDictValidatesBeforeChangingAnything()
    {
        var p = Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        var adam = new Adam<double>([p], lr: 0.1);
        SetGradShaped(p);
        adam.Step();
        var good = adam.StateDict();
        Assert.Equal([2, 2], good.Tensors["state.0.exp_avg"].Shape);
        var fresh = new Adam<double>([Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true)], lr: 0.5);

        var wrongShape = adam.StateDict();
        wrongShape.Tensors["state.0.exp_avg"] = Tensor.Zeros<double>(4);
        var e = Assert.Throws<ArgumentException>(() => fresh.LoadStateDict(wrongShape));
        Assert.Equal("Adam.LoadStateDict: \"state.0.exp_avg\" has shape [4] but parameter 0 has shape [2, 2]", e.Message);

        var missing = adam.StateDict();
        missing.Scalars.Remove("param_groups.0.beta2");
        Assert.Contains("missing \"param_groups.0.beta2\"", Assert.Throws<ArgumentException>(() => fresh.LoadStateDict(missing)).Message);

        var unknown = adam.StateDict();
        unknown.Scalars["param_groups.0.momentum"] = 0.9;
        Assert.Contains("unknown option \"param_groups.0.momentum\"", Assert.Throws<ArgumentException>(() => fresh.LoadStateDict(unknown)).Message);

        var badValue = adam.StateDict();
        badValue.Scalars["param_groups.0.beta1"] = 1.5;
        Assert.Contains("beta1 must lie in [0, 1)", Assert.Throws<ArgumentOutOfRangeException>(() => fresh.LoadStateDict(badValue)).Message);

        var twoGroups = new Adam<double>([new ParamGroup<double>([Param(1, 2, 3, 4)]), new ParamGroup<double>([Param(1)])]);
        Assert.Contains("param_groups.1.num_params", Assert.Throws<ArgumentException>(() => twoGroups.LoadStateDict(good)).Message);
        Assert.Contains("unexpected tensor", Assert.Throws<ArgumentException>(() => new SGD<double>([Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true)], momentum: 0.9).LoadStateDict(Retag(good))).Message);
        // Nothing changed by the failed loads.
        Assert.Equal(0.5, fresh.LearningRate);
        Assert.Equal(0, fresh.StepCount);
        fresh.LoadStateDict(good);
        Assert.Equal(0.1, fresh.LearningRate);
    }

    private static void SetGradShaped(Tensor<double> p) => p.Grad = Tensor.FromArray([0.1, 0.2, 0.3, 0.4], [2, 2]);

    private static OptimizerStateDict<double> Retag(OptimizerStateDict<double> d)
    {
        // An Adam checkpoint with SGD's option names, so only the buffers are foreign.
        var r = new OptimizerStateDict<double>();
        r.Scalars["step"] = 1;
        r.Scalars["param_groups.0.num_params"] = 1;
        foreach (var k in new[] { "lr", "momentum", "dampening", "weight_decay" }) r.Scalars[$"param_groups.0.{k}"] = k == "momentum" ? 0.9 : 0;
        r.Scalars["state.0.step"] = 1;
        r.Tensors["state.0.exp_avg"] = d.Tensors["state.0.exp_avg"];
        return r;
    }

    // ---------- clipping and penalties ----------

    [Fact]
    public void ClipGradNormUsesTheGlobalNorm()
    {
        // grads [3, 4] and [12]: ‖g‖₂ = √(9 + 16 + 144) = 13; maxNorm 6.5 scales by 6.5/(13 + 1e-6) ≈ 0.5 → [1.5, 2], [6]
        var a = Param(0, 0);
        var b = Param(0);
        SetGrad(a, 3, 4);
        SetGrad(b, 12);
        double total = GradientClipping.ClipGradNorm([a, b, Param(5)], 6.5);
        Assert.Equal(13, total, 12);
        double k = 6.5 / (13 + 1e-6);
        Assert.Equal([3 * k, 4 * k], a.Grad!.ToArray());
        Assert.Equal(12 * k, b.Grad!.Item(), 14);
        // The clipped global norm is maxNorm (up to the 1e-6 guard).
        Assert.Equal(6.5, GradientClipping.ClipGradNorm([a, b], 100), 5);
        // Below the limit nothing changes.
        SetGrad(a, 3, 4);
        SetGrad(b, 12);
        Assert.Equal(13, GradientClipping.ClipGradNorm([a, b], 20), 12);
        Assert.Equal([3.0, 4.0], a.Grad!.ToArray());
        // L1 norm 3 + 4 + 12 = 19, ∞-norm max = 12, L3 (27 + 64 + 1728)^(1/3)
        Assert.Equal(19, GradientClipping.ClipGradNorm([a, b], 100, normType: 1), 12);
        Assert.Equal(12, GradientClipping.ClipGradNorm([a, b], 100, normType: double.PositiveInfinity), 12);
        Assert.Equal(Math.Cbrt(1819), GradientClipping.ClipGradNorm([a, b], 100, normType: 3), 12);
        // ∞-norm clipping to 6: factor 6/(12 + 1e-6)
        GradientClipping.ClipGradNorm([a, b], 6, normType: double.PositiveInfinity);
        Assert.Equal(12 * 6 / (12 + 1e-6), b.Grad!.Item(), 12);
    }

    [Fact]
    public void ClipGradValueClampsElements()
    {
        var a = Param(0, 0, 0);
        SetGrad(a, -3, 0.5, 7);
        GradientClipping.ClipGradValue([a], 1);
        Assert.Equal([-1.0, 0.5, 1.0], a.Grad!.ToArray());
    }

    [Fact]
    public void PenaltiesMatchHandValuesAndGradients()
    {
        // θ = [1, −2], [3]; λ = 0.1: L1 = 0.1·(1 + 2 + 3) = 0.6, L2 = 0.05·(1 + 4 + 9) = 0.7
        var a = Param(1, -2);
        var b = Param(3);
        Assert.Equal(0.6, Regularization.L1Penalty([a, b], 0.1).Item(), 14);
        var l2 = Regularization.L2Penalty([a, b], 0.1);
        Assert.Equal(0.7, l2.Item(), 14);
        // ∂/∂θ (λ/2)Σθ² = λθ = [0.1, −0.2], [0.3]
        l2.Backward();
        Assert.Equal(0.1, a.Grad!.ToArray()[0], 14);
        Assert.Equal(-0.2, a.Grad!.ToArray()[1], 14);
        Assert.Equal(0.3, b.Grad!.Item(), 14);
    }
}
