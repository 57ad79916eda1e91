using Autograd.NN.Optimizers;
using Autograd.NN.Schedules;

namespace Autograd.Tests.NN;

public class ScheduleTests
{
    private static SGD<double> Sgd(double lr) => new([Tensor.FromArray([1.0], requiresGrad: true)], lr: lr);

    /// <summary>Steps the schedule and checks the optimizer's rate against the closed form at every epoch 0..epochs.</summary>
    private static void AssertFollows(LRScheduler schedule, IOptimizer opt, int epochs, Func<int, double> closedForm)
    {
        for (int t = 0; t <= epochs; t++)
        {
            if (t > 0) schedule.Step();
            Assert.Equal(t, schedule.Epoch);
            Assert.Equal(closedForm(t), opt.GetLearningRate(0), 12);
        }
    }

    [Fact]
    public void StepLRFollowsItsClosedForm()
    {
        // ηₜ = 0.1·0.5^⌊t/3⌋: 0.1 for t = 0..2, 0.05 for 3..5, 0.025 for 6..8, …
        var opt = Sgd(0.1);
        var s = new StepLR(opt, stepSize: 3, gamma: 0.5);
        AssertFollows(s, opt, 100, t => 0.1 * Math.Pow(0.5, t / 3));
        Assert.Equal(0.025, s.LearningRateAt(0, 7), 15);
    }

    [Fact]
    public void MultiStepLRFollowsItsClosedForm()
    {
        // milestones {2, 5, 5, 9} (5 twice decays twice), γ = 0.1: η = 1 (t < 2), 0.1 (2 ≤ t < 5), 0.001 (5 ≤ t < 9), 1e-4 after
        var opt = Sgd(1);
        var s = new MultiStepLR(opt, [9, 5, 2, 5], gamma: 0.1);
        AssertFollows(s, opt, 30, t => t < 2 ? 1 : t < 5 ? 0.1 : t < 9 ? 0.001 : 1e-4);
    }

    [Fact]
    public void ExponentialLRFollowsItsClosedForm()
    {
        // ηₜ = 0.2·0.95ᵗ
        var opt = Sgd(0.2);
        AssertFollows(new ExponentialLR(opt, 0.95), opt, 200, t => 0.2 * Math.Pow(0.95, t));
    }

    [Fact]
    public void CosineAnnealingFollowsItsClosedForm()
    {
        // ηₜ = 0.001 + (0.1 − 0.001)(1 + cos(πt/10))/2: 0.1 at t = 0, (0.1 + 0.001)/2 at t = 5, 0.001 at t = 10, back to 0.1 at t = 20
        var opt = Sgd(0.1);
        var s = new CosineAnnealingLR(opt, tMax: 10, etaMin: 0.001);
        Assert.Equal(0.0505, s.LearningRateAt(0, 5), 15);
        Assert.Equal(0.001, s.LearningRateAt(0, 10), 15);
        Assert.Equal(0.1, s.LearningRateAt(0, 20), 15);
        AssertFollows(s, opt, 40, t => 0.001 + 0.099 * (1 + Math.Cos(Math.PI * t / 10)) / 2);
    }

    [Fact]
    public void LinearWarmupRampsThenHolds()
    {
        // W = 4, s = 0.25, η₀ = 0.1: η = 0.1·(0.25 + 0.75·t/4) = 0.025, 0.04375, 0.0625, 0.08125, then 0.1
        var opt = Sgd(0.1);
        var w = new LinearWarmup(opt, warmupEpochs: 4, startFactor: 0.25);
        Assert.Equal(0.025, opt.LearningRate, 15);
        AssertFollows(w, opt, 20, t => t < 4 ? 0.1 * (0.25 + 0.75 * t / 4) : 0.1);
        Assert.Equal(0.04375, w.LearningRateAt(0, 1), 15);
    }

    [Fact]
    public void LinearWarmupThenCosine()
    {
        // After W = 5 warm-up epochs the cosine schedule starts at its own epoch 0: ηₜ = cos-form(t − 5)
        var opt = Sgd(0.1);
        var cosine = new CosineAnnealingLR(opt, tMax: 20);
        var w = new LinearWarmup(opt, 5, startFactor: 0.1, after: cosine);
        AssertFollows(w, opt, 40, t => t < 5 ? 0.1 * (0.1 + 0.9 * t / 5) : 0.1 * (1 + Math.Cos(Math.PI * (t - 5) / 20)) / 2);
        Assert.Throws<ArgumentException>(() => new LinearWarmup(Sgd(0.1), 5, after: cosine));
    }

    [Fact]
    public void SchedulesScaleEachGroupFromItsOwnBaseRate()
    {
        // Two groups with η₀ = 0.1 and 1: StepLR(γ = 0.1, every 2) gives [0.1, 1] → [0.01, 0.1] at t = 2
        var sgd = new SGD<double>([new ParamGroup<double>([Tensor.FromArray([1.0], requiresGrad: true)]),
            new ParamGroup<double>([Tensor.FromArray([1.0], requiresGrad: true)], learningRate: 1)], lr: 0.1);
        var s = new StepLR(sgd, 2, 0.1);
        s.Step();
        s.Step();
        Assert.Equal(0.01, sgd.GetLearningRate(0), 15);
        Assert.Equal(0.1, sgd.GetLearningRate(1), 15);
        s.SetEpoch(0);
        Assert.Equal([0.1, 1.0], sgd.ParamGroups.Select(g => g.LearningRate));
    }

    [Fact]
    public void ScheduledRateIsUsedByTheNextStep()
    {
        // η₀ = 1, ExponentialLR γ = 0.5 stepped once: η = 0.5; with g = 1, θ = 1 − 0.5 = 0.5
        var p = Tensor.FromArray([1.0], requiresGrad: true);
        var sgd = new SGD<double>([p], lr: 1);
        new ExponentialLR(sgd, 0.5).Step();
        p.Grad = Tensor.FromArray([1.0]);
        sgd.Step();
        Assert.Equal(0.5, p.Item(), 15);
    }

    [Fact]
    public void ReduceLROnPlateauCutsAfterPatienceAndCoolsDown()
    {
        // patience 2, factor 0.5, cooldown 1, threshold 0 (absolute), η = 1.
        // epoch 1: 1.0 best | 2: 0.9 best | 3: 0.95 bad 1 | 4: 0.95 bad 2 | 5: 0.95 bad 3 > 2 → η = 0.5, cooldown 1
        // epoch 6: bad, but cooling down → count reset to 0 | 7: bad 1 | 8: bad 2 | 9: bad 3 → η = 0.25
        var opt = Sgd(1);
        var plateau = new ReduceLROnPlateau(opt, factor: 0.5, patience: 2, threshold: 0, thresholdMode: ThresholdMode.Absolute, cooldown: 1);
        double[] losses = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95];
        double[] expected = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25];
        for (int e = 0; e < losses.Length; e++)
        {
            plateau.Step(losses[e]);
            Assert.Equal(expected[e], opt.LearningRate, 15);
        }
        Assert.Equal(0.9, plateau.Best);
    }

    [Fact]
    public void ReduceLROnPlateauThresholdMaxModeAndFloor()
    {
        // Relative threshold 0.1 in Min mode: after best 1.0, 0.95 is not < 1.0·(1 − 0.1) = 0.9, so it is a bad epoch.
        var opt = Sgd(1);
        var plateau = new ReduceLROnPlateau(opt, patience: 0, threshold: 0.1, minLearningRate: 0.05);
        plateau.Step(1.0);
        Assert.True(plateau.Step(0.95));                 // bad 1 > patience 0 → η = 0.1
        Assert.Equal(0.1, opt.LearningRate, 15);
        plateau.Step(0.5);                               // 0.5 < 0.9: best, no cut
        Assert.Equal(0.1, opt.LearningRate, 15);
        plateau.Step(0.5);                               // bad → max(0.01, 0.05) = 0.05 (floor)
        Assert.Equal(0.05, opt.LearningRate, 15);
        Assert.False(plateau.Step(0.5));                 // already at the floor: no change
        // Max mode (accuracy), absolute threshold 0.01, patience 1: 0.8, 0.805 (not > 0.81), 0.805 → cut
        var acc = Sgd(1);
        var up = new ReduceLROnPlateau(acc, PlateauMode.Max, factor: 0.1, patience: 1, threshold: 0.01, thresholdMode: ThresholdMode.Absolute);
        up.Step(0.8);
        up.Step(0.805);
        Assert.Equal(1, acc.LearningRate);
        up.Step(0.805);
        Assert.Equal(0.1, acc.LearningRate, 15);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        // Losses 1.0, 0.8, 0.85, 0.9, 0.95 with patience 3: best at epoch 1; epochs 2, 3, 4 are bad → stop after epoch 4.
        // The weights at epoch e are set to [e, −e], so the restored weights must be [1, −1].
        var w = Tensor.FromArray([0.0, 0.0], requiresGrad: true);
        var b = Tensor.FromArray([0.0], requiresGrad: true);
        var stopper = new EarlyStopping<double>([w, b], patience: 3);
        double[] losses = [1.0, 0.8, 0.85, 0.9, 0.95];
        bool stopped = false;
        for (int e = 0; e < losses.Length && !stopped; e++)
        {
            w.AsSpan()[0] = e;
            w.AsSpan()[1] = -e;
            b.AsSpan()[0] = 10 * e;
            stopped = stopper.Step(losses[e]);
            Assert.Equal(e == 4, stopped);
        }
        Assert.Equal(1, stopper.BestEpoch);
        Assert.Equal(0.8, stopper.BestLoss);
        stopper.RestoreBestWeights();
        Assert.Equal([1.0, -1.0], w.ToArray());
        Assert.Equal([10.0], b.ToArray());
    }

    [Fact]
    public void EarlyStoppingMinDeltaAndSnapshotProvider()
    {
        // minDelta 0.05: 0.8 → 0.79 is not an improvement (needs < 0.75); 0.7 is.
        var weights = new Dictionary<string, Tensor<double>> { ["w"] = Tensor.FromArray([1.0]) };
        IReadOnlyDictionary<string, Tensor<double>>? restored = null;
        var stopper = new EarlyStopping<double>(() => weights, d => restored = d, patience: 2, minDelta: 0.05);
        stopper.Step(0.8);                                 // best, snapshot w = 1
        weights["w"].AsSpan()[0] = 2;
        Assert.False(stopper.Step(0.79));                  // bad 1
        weights["w"].AsSpan()[0] = 3;
        Assert.False(stopper.Step(0.7));                   // best, snapshot w = 3
        weights["w"].AsSpan()[0] = 4;
        stopper.Step(0.7);                                 // bad 1
        Assert.True(stopper.Step(0.69));                   // bad 2 = patience → stop
        Assert.Equal(2, stopper.BestEpoch);
        stopper.RestoreBestWeights();
        // The snapshot was a copy: later writes to w (4) did not reach it.
        Assert.Equal(3.0, restored!["w"].Item());
        Assert.Throws<InvalidOperationException>(() => new EarlyStopping<double>([Tensor.FromArray([1.0])]).RestoreBestWeights());
    }
}
