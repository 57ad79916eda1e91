using Autograd.NN.Optimizers;

namespace Autograd.Tests.NN;

public partial class OptimizerTests
{
    private static Tensor<double> Param(params double[] values) => Tensor.FromArray(values, requiresGrad: true);
    private static void SetGrad(Tensor<double> p, params double[] g) => p.Grad = Tensor.FromArray(g);

    /// <summary>Runs steps with the gradient of f(θ) = θ²/2, i.e. g = θ, and returns θ after each step.</summary>
    private static double[] RunOnHalfSquare(Tensor<double> p, Optimizer<double> opt, int steps)
    {
        var trace = new double[steps];
        for (int s = 0; s < steps; s++)
        {
            opt.ZeroGrad();
            (p * p * 0.5).Sum().Backward();
            opt.Step();
            trace[s] = p.Item();
        }
        return trace;
    }

    // ---------- SGD ----------

    [Fact]
    public void SgdMomentumMatchesHandSequence()
    {
        // f = θ²/2, g = θ, θ₀ = 1, γ = 0.1, μ = 0.9:
        // v₁ = g₁ = 1, θ₁ = 1 − 0.1·1 = 0.9
        // g₂ = 0.9, v₂ = 0.9·1 + 0.9 = 1.8, θ₂ = 0.9 − 0.18 = 0.72
        // g₃ = 0.72, v₃ = 0.9·1.8 + 0.72 = 2.34, θ₃ = 0.72 − 0.234 = 0.486
        var p = Param(1);
        var trace = RunOnHalfSquare(p, new SGD<double>([p], lr: 0.1, momentum: 0.9), 3);
        Assert.Equal(0.9, trace[0], 14);
        Assert.Equal(0.72, trace[1], 14);
        Assert.Equal(0.486, trace[2], 14);
    }

    [Fact]
    public void SgdNesterovDampeningAndWeightDecayMatchHandSequences()
    {
        // Nesterov, γ = 0.1, μ = 0.9, g = θ: b₁ = 1, d = g + μb = 1.9, θ₁ = 1 − 0.19 = 0.81;
        // g₂ = 0.81, b₂ = 0.9 + 0.81 = 1.71, d = 0.81 + 0.9·1.71 = 2.349, θ₂ = 0.81 − 0.2349 = 0.5751
        var p = Param(1);
        var trace = RunOnHalfSquare(p, new SGD<double>([p], lr: 0.1, momentum: 0.9, nesterov: true), 2);
        Assert.Equal(0.81, trace[0], 14);
        Assert.Equal(0.5751, trace[1], 14);
        // Dampening τ = 0.5: b₁ = g₁ = 1 (undamped), θ₁ = 0.9; g₂ = 0.9, b₂ = 0.9·1 + 0.5·0.9 = 1.35, θ₂ = 0.9 − 0.135 = 0.765
        var q = Param(1);
        trace = RunOnHalfSquare(q, new SGD<double>([q], lr: 0.1, momentum: 0.9, dampening: 0.5), 2);
        Assert.Equal(0.9, trace[0], 14);
        Assert.Equal(0.765, trace[1], 14);
        // Weight decay λ = 0.1 with a constant gradient 1, θ₀ = 2: d = 1 + 0.1·2 = 1.2, θ₁ = 2 − 0.12 = 1.88;
        // d = 1 + 0.188 = 1.188, θ₂ = 1.88 − 0.1188 = 1.7612
        var r = Param(2);
        var sgd = new SGD<double>([r], lr: 0.1, weightDecay: 0.1);
        SetGrad(r, 1);
        sgd.Step();
        Assert.Equal(1.88, r.Item(), 14);
        sgd.Step();
        Assert.Equal(1.7612, r.Item(), 14);
    }

    [Fact]
    public void SgdRejectsNesterovWithoutMomentum()
    {
        var e = Assert.Throws<ArgumentException>(() => new SGD<double>([Param(1)], lr: 0.1, nesterov: true));
        Assert.Contains("Nesterov momentum needs momentum > 0", e.Message);
    }

    // ---------- Adam family ----------

    [Fact]
    public void AdamMatchesHandSequenceWithBiasCorrection()
    {
        // γ = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, θ₀ = 1, g = 2 then −1.
        // t = 1: m = 0.1·2 = 0.2, v = 0.001·4 = 0.004; m̂ = 0.2/(1 − 0.9) = 2, √v̂ = √(0.004/0.001) = 2
        //        θ₁ = 1 − 0.1·2/(2 + 1e-8) = 0.9000000005
        // t = 2: m = 0.9·0.2 − 0.1 = 0.08, v = 0.999·0.004 + 0.001·1 = 0.004996
        //        m̂ = 0.08/0.19, √v̂ = √(0.004996/0.001999); θ₂ = θ₁ − 0.1·m̂/(√v̂ + ε) = 0.873366296702432
        var p = Param(1);
        var adam = new Adam<double>([p], lr: 0.1);
        SetGrad(p, 2);
        adam.Step();
        Assert.Equal(0.9000000005, p.Item(), 14);
        SetGrad(p, -1);
        adam.Step();
        double expected = 0.9000000005 - 0.1 * (0.08 / 0.19) / (Math.Sqrt(0.004996 / (1 - 0.999 * 0.999)) + 1e-8);
        Assert.Equal(0.8733662967024315, expected, 12);
        Assert.Equal(expected, p.Item(), 12);
        var state = adam.StateDict();
        Assert.Equal(0.08, state.Tensors["state.0.exp_avg"].Item(), 14);
        Assert.Equal(0.004996, state.Tensors["state.0.exp_avg_sq"].Item(), 14);
        Assert.Equal(2, state.Scalars["state.0.step"]);
    }

    [Fact]
    public void AdamOnALargeParameter_UpdatesEveryChunkAsTheEquationsAndAsASmallParameterWould()
    {
        // 40,000 elements run in parallel chunks. Oracle 1: the documented equations in double, two steps
        // (γ = 0.01, β₁ = 0.9, β₂ = 0.999, ε = 1e-8). Oracle 2: the same element alone in a one-element
        // parameter (the serial path) gives the same bits, so the split into chunks changes nothing.
        const int n = 40_000;
        var g = new Generator(5);
        float[] theta0 = Tensor.Randn<float>([n], g).ToArray(), g1 = Tensor.Randn<float>([n], g).ToArray(), g2 = Tensor.Randn<float>([n], g).ToArray();
        var big = Tensor.FromArray((float[])theta0.Clone(), requiresGrad: true);
        var adam = new Adam<float>([big], lr: 0.01);
        foreach (var grad in new[] { g1, g2 })
        {
            big.Grad = Tensor.FromArray((float[])grad.Clone());
            adam.Step();
        }
        float[] result = big.ToArray();
        for (int i = 0; i < n; i++)
        {
            double th = theta0[i], m = 0, v = 0;
            int t = 0;
            foreach (double gi in new double[] { g1[i], g2[i] })
            {
                t++;
                m = 0.9 * m + 0.1 * gi;
                v = 0.999 * v + 0.001 * gi * gi;
                th -= 0.01 / (1 - Math.Pow(0.9, t)) * m / (Math.Sqrt(v) / Math.Sqrt(1 - Math.Pow(0.999, t)) + 1e-8);
            }
            Assert.True(Math.Abs(result[i] - th) <= 1e-5 * (1 + Math.Abs(th)), $"element {i}: {result[i]} vs {th}");
        }
        foreach (int i in new[] { 0, 1, 16_383, 16_384, 39_999 })
        {
            var one = Tensor.FromArray(new[] { theta0[i] }, requiresGrad: true);
            var single = new Adam<float>([one], lr: 0.01);
            foreach (var grad in new[] { g1, g2 })
            {
                one.Grad = Tensor.FromArray(new[] { grad[i] });
                single.Step();
            }
            Assert.Equal(one.Item(), result[i]);
        }
    }

    [Fact]
    public void AmsGradUsesRunningMaximumOfSecondMoment()
    {
        // g = 2, 0.01, 0.01: v = 0.004, 0.0039961, 0.0039922039 decreases, so AMSGrad keeps v̂ = 0.004.
        // t = 2: m = 0.181; AMSGrad θ₂ = θ₁ − 0.1·(0.181/0.19)/(√(0.004/0.001999) + ε) = 0.832655618443266
        //        plain Adam uses v = 0.0039961:      θ₂ = 0.832622764030503
        // t = 3: m = 0.1639; AMSGrad θ₃ = 0.780304844425702, Adam θ₃ = 0.780220898834086 (same recurrences, one more step)
        double[] Run(bool ams)
        {
            var p = Param(1);
            var opt = new Adam<double>([p], lr: 0.1, amsgrad: ams);
            var trace = new List<double>();
            foreach (double g in new[] { 2, 0.01, 0.01 })
            {
                SetGrad(p, g);
                opt.Step();
                trace.Add(p.Item());
            }
            return [.. trace];
        }
        double t2 = 0.9000000005 - 0.1 * (0.181 / 0.19) / (Math.Sqrt(0.004 / (1 - 0.999 * 0.999)) + 1e-8);
        var amsTrace = Run(true);
        Assert.Equal(t2, amsTrace[1], 12);
        Assert.Equal(0.8326556184432657, amsTrace[1], 12);
        Assert.Equal(0.7803048444257017, amsTrace[2], 12);
        var plain = Run(false);
        Assert.Equal(0.832622764030503, plain[1], 12);
        Assert.Equal(0.7802208988340857, plain[2], 12);
    }

    [Fact]
    public void AdamWDecaysWeightsDirectlyWhileAdamAddsL2ToGradient()
    {
        // θ₀ = 1, g = 2, γ = 0.1, λ = 0.1.
        // AdamW: θ ← θ(1 − γλ) = 0.99, then the Adam step −γ·m̂/(√v̂ + ε) = −0.1·2/(2 + 1e-8): θ₁ = 0.8900000005
        // Adam (L2): g ← 2 + 0.1·1 = 2.1, m̂ = 2.1, √v̂ = 2.1: θ₁ = 1 − 0.1·2.1/(2.1 + 1e-8) = 0.90000000047619
        var w = Param(1);
        var adamW = new AdamW<double>([w], lr: 0.1, weightDecay: 0.1);
        SetGrad(w, 2);
        adamW.Step();
        Assert.Equal(0.99 - 0.1 * 2 / (2 + 1e-8), w.Item(), 14);
        var a = Param(1);
        var adam = new Adam<double>([a], lr: 0.1, weightDecay: 0.1);
        SetGrad(a, 2);
        adam.Step();
        Assert.Equal(1 - 0.1 * 2.1 / (2.1 + 1e-8), a.Item(), 14);
        Assert.Equal(0.01, new AdamW<double>([Param(1)]).ParamGroups[0].WeightDecay);
    }

    // ---------- RMSprop, Adagrad ----------

    [Fact]
    public void RmspropMatchesHandSequences()
    {
        // γ = 0.01, α = 0.99, ε = 1e-8, θ₀ = 1, g = 2 then −1.
        // plain: v₁ = 0.01·4 = 0.04, θ₁ = 1 − 0.01·2/(0.2 + ε) = 0.900000005
        //        v₂ = 0.99·0.04 + 0.01·1 = 0.0496, θ₂ = θ₁ + 0.01/(√0.0496 + ε) = 0.944901328490565
        // centered: ḡ₁ = 0.02, d₁ = √(0.04 − 0.0004) + ε, θ₁ = 1 − 0.02/d₁ = 0.899496223524584
        //        ḡ₂ = 0.99·0.02 − 0.01 = 0.0098, d₂ = √(0.0496 − 0.0098²) + ε, θ₂ = θ₁ + 0.01/d₂ = 0.944441081243658
        // momentum μ = 0.9: b₁ = 2/0.2 = 10, θ₁ = 0.9; b₂ = 9 − 1/√0.0496, θ₂ = 0.9 − 0.01·b₂ = 0.854901332990564
        (double, double) Run(double momentum, bool centered)
        {
            var p = Param(1);
            var opt = new RMSprop<double>([p], lr: 0.01, momentum: momentum, centered: centered);
            SetGrad(p, 2);
            opt.Step();
            double first = p.Item();
            SetGrad(p, -1);
            opt.Step();
            return (first, p.Item());
        }
        var (a1, a2) = Run(0, false);
        Assert.Equal(1 - 0.02 / (0.2 + 1e-8), a1, 14);
        Assert.Equal(a1 + 0.01 / (Math.Sqrt(0.0496) + 1e-8), a2, 14);
        Assert.Equal(0.9449013284905645, a2, 12);
        var (c1, c2) = Run(0, true);
        Assert.Equal(1 - 0.02 / (Math.Sqrt(0.0396) + 1e-8), c1, 14);
        Assert.Equal(c1 + 0.01 / (Math.Sqrt(0.0496 - 0.0098 * 0.0098) + 1e-8), c2, 13);
        var (m1, m2) = Run(0.9, false);
        double b1 = 2 / (0.2 + 1e-8);
        Assert.Equal(1 - 0.01 * b1, m1, 14);
        Assert.Equal(m1 - 0.01 * (0.9 * b1 - 1 / (Math.Sqrt(0.0496) + 1e-8)), m2, 13);
        Assert.Equal(0.8549013329905644, m2, 12);
    }

    [Fact]
    public void AdagradMatchesHandSequence()
    {
        // γ = 0.1, η = 0.5, s₀ = 0.1, ε = 1e-10, θ₀ = 1, g = 2 then −1.
        // t = 1: γ₁ = 0.1, s = 0.1 + 4 = 4.1, θ₁ = 1 − 0.1·2/√4.1 = 0.901227040339919
        // t = 2: γ₂ = 0.1/(1 + 0.5) , s = 5.1,   θ₂ = θ₁ + (0.1/1.5)/√5.1 = 0.930747536523282
        var p = Param(1);
        var opt = new Adagrad<double>([p], lr: 0.1, lrDecay: 0.5, initialAccumulatorValue: 0.1);
        SetGrad(p, 2);
        opt.Step();
        Assert.Equal(1 - 0.2 / (Math.Sqrt(4.1) + 1e-10), p.Item(), 14);
        SetGrad(p, -1);
        opt.Step();
        Assert.Equal(0.9307475365232817, p.Item(), 12);
    }

    // ---------- behaviour common to all ----------

    public static TheoryData<string> Names => ["SGD", "SGD-momentum", "Adam", "AdamW", "AMSGrad", "RMSprop", "RMSprop-centered", "Adagrad"];

    private static Optimizer<double> Make(string name, IEnumerable<Tensor<double>> ps) => name switch
    {
        "SGD" => new SGD<double>(ps, lr: 0.1),
        "SGD-momentum" => new SGD<double>(ps, lr: 0.05, momentum: 0.9, nesterov: true),
        "Adam" => new Adam<double>(ps, lr: 0.1),
        "AdamW" => new AdamW<double>(ps, lr: 0.1, weightDecay: 1e-4),
        "AMSGrad" => new Adam<double>(ps, lr: 0.1, amsgrad: true),
        "RMSprop" => new RMSprop<double>(ps, lr: 0.01),
        "RMSprop-centered" => new RMSprop<double>(ps, lr: 0.01, momentum: 0.5, centered: true),
        "Adagrad" => new Adagrad<double>(ps, lr: 0.5),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryOptimizerMinimisesAQuadratic(string name)
    {
        // f(θ) = Σ aᵢ(θᵢ − cᵢ)² has its minimum 0 at θ = c; every optimizer must get close from θ₀ = 0.
        var a = Tensor.FromArray([1.0, 3.0, 0.5]);
        var c = Tensor.FromArray([1.0, -2.0, 0.5]);
        var theta = Tensor.Zeros<double>(3);
        theta.RequiresGrad = true;
        var opt = Make(name, [theta]);
        double initial = (a * (theta - c).Square()).Sum().Item();
        double loss = initial;
        for (int step = 0; step < 500; step++)
        {
            opt.ZeroGrad();
            var f = (a * (theta - c).Square()).Sum();
            f.Backward();
            opt.Step();
            loss = f.Item();
        }
        Assert.True(loss < 1e-3 * initial, $"{name}: loss {loss} from {initial}");
        Assert.Equal(500, opt.StepCount);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void StepAllocatesNothingInSteadyState(string name)
    {
        var p = Tensor.FromArray([1.0, 2, 3, 4], requiresGrad: true);
        var q = Tensor.FromArray([0.5, -1], requiresGrad: true);
        var opt = Make(name, [p, q]);
        p.Grad = Tensor.FromArray([0.1, -0.2, 0.3, 0.4]);
        q.Grad = Tensor.FromArray([1.0, -1]);
        opt.Step();
        opt.Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) opt.Step();
        // Oracle: the allocation counter does not move across ten steady-state steps.
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ParametersWithoutGradientAreSkipped(string name)
    {
        var p = Param(1, 2);
        var q = Param(3);
        var opt = Make(name, [p, q]);
        SetGrad(p, 0.5, 0.5);
        opt.Step();
        // q had no gradient: unchanged and without state; p moved.
        Assert.Equal([3.0], q.ToArray());
        Assert.NotEqual([1.0, 2.0], p.ToArray());
        Assert.DoesNotContain(opt.StateDict().Scalars.Keys, k => k.StartsWith("state.1."));
        Assert.Equal(1, opt.StateDict().Scalars["state.0.step"]);
    }

    [Fact]
    public void ParamGroupsOverrideDefaultsAndLearningRateSetsAll()
    {
        // Two groups, g = 1 each: group 0 uses the default γ = 0.1, group 1 overrides γ = 0.5 and momentum 0.
        var a = Param(1);
        var b = Param(1);
        var sgd = new SGD<double>([new ParamGroup<double>([a]), new ParamGroup<double>([b], learningRate: 0.5, options: new Dictionary<string, double> { ["momentum"] = 0 })],
            lr: 0.1, momentum: 0.9);
        SetGrad(a, 1);
        SetGrad(b, 1);
        sgd.Step();
        Assert.Equal(0.9, a.Item(), 14);  // 1 − 0.1·1
        Assert.Equal(0.5, b.Item(), 14);  // 1 − 0.5·1
        Assert.Equal(0.9, sgd.ParamGroups[0]["momentum"]);
        Assert.Equal(0.0, sgd.ParamGroups[1]["momentum"]);
        sgd.LearningRate = 0.01;
        Assert.Equal([0.01, 0.01], sgd.ParamGroups.Select(g => g.LearningRate));
        Assert.Throws<KeyNotFoundException>(() => sgd.ParamGroups[0]["beta1"] = 0.5);
        Assert.Contains("unknown option 'beta1'", Assert.Throws<ArgumentException>(() =>
            new SGD<double>([new ParamGroup<double>([Param(1)], options: new Dictionary<string, double> { ["beta1"] = 0.9 })])).Message);
        Assert.Contains("appears more than once", Assert.Throws<ArgumentException>(() => new Adam<double>([a, a])).Message);
        Assert.Contains("is not a leaf", Assert.Throws<ArgumentException>(() => new Adam<double>([a * 2.0])).Message);
        Assert.Contains("lr must be a finite non-negative number", Assert.Throws<ArgumentOutOfRangeException>(() => new Adam<double>([Param(1)], lr: -1)).Message);
    }

    [Fact]
    public void ZeroGradClearsOrZeroesGradients()
    {
        var p = Param(1, 2);
        var opt = new SGD<double>([p]);
        SetGrad(p, 3, 4);
        opt.ZeroGrad(setToNull: false);
        Assert.Equal([0.0, 0.0], p.Grad!.ToArray());
        opt.ZeroGrad();
        Assert.Null(p.Grad);
    }

    [Fact]
    public void FloatParametersWork()
    {
        // SGD in float: θ₁ = 1 − 0.5·θ₀ = 0.5 with g = θ (f = θ²/2)
        var p = Tensor.FromArray([1f], requiresGrad: true);
        var opt = new SGD<float>([p], lr: 0.5f);
        (p * p * 0.5f).Sum().Backward();
        opt.Step();
        Assert.Equal(0.5f, p.Item());
    }
}
