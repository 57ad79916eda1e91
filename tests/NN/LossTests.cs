using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

public class LossTests
{
    private static Tensor<double> D(double[] values, int[] shape, bool grad = false) => Tensor.FromArray(values, shape, grad);
    private static double Lse(params double[] xs) => Math.Log(xs.Sum(Math.Exp));

    /// <summary>First- and second-order gradient checks of a loss in its input (the other arguments fixed).</summary>
    private static void CheckGradients(Func<Tensor<double>, Tensor<double>> loss, Tensor<double> input, bool secondOrder = true)
    {
        var first = GradCheck.Check(xs => loss(xs[0]), [input]);
        Assert.True(first.Passed, first.ToString());
        if (!secondOrder) return;
        var second = GradCheck.CheckSecondOrder(xs => loss(xs[0]), [input]);
        Assert.True(second.Passed, second.ToString());
    }

    // ---------- regression losses ----------

    [Fact]
    public void MseL1SmoothL1HuberMatchHandValues()
    {
        var x = D([1, 2, 3, 0.5], [4]);
        var y = D([1, 0, 5, 0], [4]);
        // d = [0, 2, −2, 0.5]
        // MSE: (0 + 4 + 4 + 0.25)/4 = 2.0625
        Assert.Equal(2.0625, Losses.MSE(x, y).Item(), 12);
        // L1: (0 + 2 + 2 + 0.5)/4 = 1.125; sum 4.5
        Assert.Equal(1.125, new L1Loss<double>().Forward(x, y).Item(), 12);
        Assert.Equal(4.5, Losses.L1(x, y, Reduction.Sum).Item(), 12);
        // SmoothL1 β = 1: [0, 2 − 0.5, 2 − 0.5, 0.5·0.25/1] = [0, 1.5, 1.5, 0.125], mean 0.78125
        Assert.Equal(0.78125, new SmoothL1Loss<double>().Forward(x, y).Item(), 12);
        // SmoothL1 β = 4: all quadratic 0.5·d²/4 = [0, 0.5, 0.5, 0.03125] → sum 1.03125
        Assert.Equal(1.03125, Losses.SmoothL1(x, y, Reduction.Sum, beta: 4).Item(), 12);
        // SmoothL1 β = 0 is L1
        Assert.Equal(1.125, Losses.SmoothL1(x, y, beta: 0).Item(), 12);
        // Huber δ = 1.5: |d| = 2 ≥ 1.5 → 1.5·(2 − 0.75) = 1.875; 0.5 → 0.125; none: [0, 1.875, 1.875, 0.125]
        Assert.Equal([0, 1.875, 1.875, 0.125], new HuberLoss<double>(Reduction.None, 1.5).Forward(x, y).ToArray());
        // Huber δ = β times SmoothL1(β): mean 1.5·SmoothL1(β=1.5) where SmoothL1 = [0, 1.25, 1.25, 0.5·0.25/1.5]
        Assert.Equal(1.5 * (0 + 1.25 + 1.25 + 0.125 / 1.5) / 4, Losses.Huber(x, y, delta: 1.5).Item(), 12);
    }

    [Fact]
    public void RegressionLossGradientsPassFirstAndSecondOrderChecks()
    {
        // Points kept away from the kinks |d| = 0, β, δ where the finite difference straddles two pieces.
        var y = D([0.3, -0.2, 1.0, 0.0, 2.0, -1.5], [2, 3]);
        double[] xs = [1.1, 0.4, -0.7, 0.2, 2.6, -3.1];
        CheckGradients(x => Losses.MSE(x, y), D(xs, [2, 3], true));
        CheckGradients(x => Losses.L1(x, y, Reduction.Sum), D(xs, [2, 3], true));
        CheckGradients(x => Losses.SmoothL1(x, y, beta: 1.0), D(xs, [2, 3], true));
        CheckGradients(x => Losses.Huber(x, y, Reduction.None, delta: 1.0), D(xs, [2, 3], true));
        // The target's gradient too: ∂MSE/∂y = −2(x − y)/n.
        var target = D([0.3, -0.2, 1.0, 0.0, 2.0, -1.5], [2, 3], true);
        CheckGradients(t => Losses.MSE(D(xs, [2, 3]), t), target);
    }

    [Fact]
    public void MseGradientIsTwiceTheDifferenceOverN()
    {
        // ∂/∂x mean((x − y)²) = 2(x − y)/n = 2·[1, −2]/2 = [1, −2]
        var x = D([2, 0], [2], true);
        Losses.MSE(x, D([1, 2], [2])).Backward();
        Assert.Equal([1.0, -2.0], x.Grad!.ToArray());
    }

    [Fact]
    public void ShapeMismatchNamesLossAndShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Losses.MSE(D([1, 2, 3, 4, 5, 6], [3, 2]), D([1, 2, 3], [3])));
        Assert.Equal("MSELoss: input shape [3, 2] differs from target shape [3]", e.Message);
    }

    // ---------- cross-entropy ----------

    [Fact]
    public void CrossEntropyOfSingleRowMatchesLogSumExp()
    {
        // CE([1, 2, 3], 2) = log(e¹ + e² + e³) − 3 = 0.40760596444438
        Assert.Equal(0.40760596444438013, Losses.CrossEntropy(D([1, 2, 3], [1, 3]), [2]).Item(), 12);
        // Unbatched [C] input with one target gives the same.
        Assert.Equal(0.40760596444438013, Losses.CrossEntropy(D([1, 2, 3], [3]), [2]).Item(), 12);
    }

    [Fact]
    public void CrossEntropyBatchReductionsAndTensorTargets()
    {
        var logits = D([1, 2, 3, 0.5, -1, 2], [2, 3]);
        // row 0, target 2: lse(1,2,3) − 3 = 0.40760596444438; row 1, target 0: lse(0.5,−1,2) − 0.5 = 1.74131129665716
        double l0 = Lse(1, 2, 3) - 3, l1 = Lse(0.5, -1, 2) - 0.5;
        Assert.Equal(0.40760596444438013, l0, 14);
        Assert.Equal(1.7413112966571571, l1, 14);
        Assert.Equal((l0 + l1) / 2, Losses.CrossEntropy(logits, [2, 0]).Item(), 12);
        Assert.Equal(l0 + l1, Losses.CrossEntropy(logits, [2, 0], reduction: Reduction.Sum).Item(), 12);
        var none = new CrossEntropyLoss<double>(reduction: Reduction.None).Forward(logits, D([2, 0], [2]));
        Assert.Equal([2], none.Shape);
        Assert.Equal(l0, none.ToArray()[0], 12);
        Assert.Equal(l1, none.ToArray()[1], 12);
    }

    [Fact]
    public void CrossEntropyWithClassWeightsUsesWeightedMean()
    {
        // w = [1, 2, 3]; targets [2, 0] → weights 3 and 1: (3·l0 + 1·l1)/(3 + 1) = 0.74103229749757
        var logits = D([1, 2, 3, 0.5, -1, 2], [2, 3]);
        var loss = new CrossEntropyLoss<double>(weight: D([1, 2, 3], [3])).Forward(logits, [2, 0]);
        Assert.Equal(0.7410322974975744, loss.Item(), 12);
        // Sum is not normalised: 3·l0 + l1
        double l0 = Lse(1, 2, 3) - 3, l1 = Lse(0.5, -1, 2) - 0.5;
        Assert.Equal(3 * l0 + l1, Losses.CrossEntropy(logits, [2, 0], D([1, 2, 3], [3]), reduction: Reduction.Sum).Item(), 12);
    }

    [Fact]
    public void CrossEntropyIgnoreIndexDropsEntriesFromSumAndCount()
    {
        // targets [2, −100]: only row 0 counts, mean over 1 sample = l0
        var logits = D([1, 2, 3, 0.5, -1, 2], [2, 3], true);
        var loss = Losses.CrossEntropy(logits, [2, -100]);
        Assert.Equal(0.40760596444438013, loss.Item(), 12);
        // The ignored row gets zero gradient; row 0 gets softmax − onehot.
        loss.Backward();
        var g = logits.Grad!.ToArray();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(Math.Exp(1) / z, g[0], 12);
        Assert.Equal(Math.Exp(3) / z - 1, g[2], 12);
        Assert.Equal([0.0, 0.0, 0.0], g[3..]);
        // A custom ignore index, with a tensor target.
        Assert.Equal(0.40760596444438013, Losses.CrossEntropy(logits.Detach(), D([2, 7], [2]), ignoreIndex: 7).Item(), 12);
    }

    [Fact]
    public void CrossEntropyLabelSmoothingMatchesHandFormula()
    {
        // ε = 0.1, C = 3: ℓₙ = 0.9·(lse − x_y) + (0.1/3)·Σ_c (lse − x_c)
        var logits = D([1, 2, 3, 0.5, -1, 2], [2, 3]);
        double lseA = Lse(1, 2, 3), lseB = Lse(0.5, -1, 2);
        double s0 = 0.9 * (lseA - 3) + 0.1 / 3 * (3 * lseA - 6);
        double s1 = 0.9 * (lseB - 0.5) + 0.1 / 3 * (3 * lseB - 1.5);
        Assert.Equal(1.1244586305507687, (s0 + s1) / 2, 12);
        Assert.Equal((s0 + s1) / 2, Losses.CrossEntropy(logits, [2, 0], labelSmoothing: 0.1).Item(), 12);
        // With weights w = [1, 2, 3] (PyTorch): [0.9·(3·(lseA − 3) + 1·(lseB − 0.5)) + (0.1/3)·Σₙ Σ_c w_c(lse − x_c)] / (3 + 1)
        double smoothA = 1 * (lseA - 1) + 2 * (lseA - 2) + 3 * (lseA - 3);
        double smoothB = 1 * (lseB - 0.5) + 2 * (lseB + 1) + 3 * (lseB - 2);
        double expected = (0.9 * (3 * (lseA - 3) + (lseB - 0.5)) + 0.1 / 3 * (smoothA + smoothB)) / 4;
        Assert.Equal(0.7952082641362271, expected, 12);
        Assert.Equal(expected, Losses.CrossEntropy(logits, [2, 0], D([1, 2, 3], [3]), labelSmoothing: 0.1).Item(), 12);
        // Ignored rows drop out of the smoothing term as well: only row 0 remains, denominator w₂ = 3
        double ignored = (0.9 * 3 * (lseA - 3) + 0.1 / 3 * smoothA) / 3;
        Assert.Equal(ignored, Losses.CrossEntropy(logits, [2, -100], D([1, 2, 3], [3]), labelSmoothing: 0.1).Item(), 12);
    }

    [Fact]
    public void CrossEntropyWithProbabilityTargets()
    {
        // p = [0.25, 0.25, 0.5] on [1, 2, 3]: −Σ p_c(x_c − lse) = lse − (0.25 + 0.5 + 1.5) = 1.15760596444438
        var logits = D([1, 2, 3], [1, 3]);
        Assert.Equal(1.1576059644443801, Losses.CrossEntropy(logits, D([0.25, 0.25, 0.5], [1, 3])).Item(), 12);
        // One-hot probabilities equal the class-index loss; smoothing ε = 0.2 mixes with 1/3:
        // p' = [0.2/3, 0.8 + 0.2/3, 0.2/3] on [0.5, −1, 2]: −Σ p'_c(x_c − lse) = 2.94131129665716
        var b = D([0.5, -1, 2], [1, 3]);
        Assert.Equal(Losses.CrossEntropy(b, [1]).Item(), Losses.CrossEntropy(b, D([0, 1, 0], [1, 3])).Item(), 12);
        Assert.Equal(2.9413112966571573, Losses.CrossEntropy(b, D([0, 1, 0], [1, 3]), labelSmoothing: 0.2).Item(), 12);
        // Weighted probability targets average over samples, not weights: −Σ w_c p_c logp_c / N
        var w = D([2, 1, 1], [3]);
        double lse = Lse(1, 2, 3);
        double weighted = -(2 * 0.25 * (1 - lse) + 0.25 * (2 - lse) + 0.5 * (3 - lse));
        Assert.Equal(weighted, Losses.CrossEntropy(logits, D([0.25, 0.25, 0.5], [1, 3]), w).Item(), 12);
    }

    [Fact]
    public void CrossEntropyOverSpatialDimsEqualsFlattenedRows()
    {
        // [N=2, C=3, d=2]: sample (n, j) has logits x[n, :, j]; the oracle is the 2-D loss on those 4 rows.
        double[] data = [1, 2, 3, 4, 5, 6, -1, 0, 1, 2, 0.5, -0.5];
        var logits = D(data, [2, 3, 2]);
        int[] targets = [0, 2, 1, 1]; // row-major over [N, d]
        double[] rows = [1, 3, 5, 2, 4, 6, -1, 1, 0.5, 0, 2, -0.5];
        var expected = Losses.CrossEntropy(D(rows, [4, 3]), targets, D([1, 2, 0.5], [3]), labelSmoothing: 0.05).Item();
        var actual = Losses.CrossEntropy(logits, targets, D([1, 2, 0.5], [3]), labelSmoothing: 0.05);
        Assert.Equal(expected, actual.Item(), 12);
        Assert.Equal([2, 2], Losses.CrossEntropy(logits, D([0, 2, 1, 1], [2, 2]), reduction: Reduction.None).Shape);
    }

    [Fact]
    public void CrossEntropyGradientsPassFirstAndSecondOrderChecks()
    {
        double[] data = [0.2, -1.3, 0.7, 1.9, 0.1, -0.4, 0.5, 0.3, -2.0, 1.2, 0.8, -0.6];
        var w = D([0.5, 2, 1], [3]);
        CheckGradients(x => Losses.CrossEntropy(x, [2, 0, 1, 1]), D(data, [4, 3], true));
        CheckGradients(x => Losses.CrossEntropy(x, [2, -100, 1, 0], w, labelSmoothing: 0.1), D(data, [4, 3], true));
        CheckGradients(x => Losses.CrossEntropy(x, D([0.1, 0.6, 0.3, 0, 0, 1, 0.5, 0.5, 0, 0.2, 0.2, 0.6], [4, 3]), w, labelSmoothing: 0.2), D(data, [4, 3], true));
        CheckGradients(x => Losses.CrossEntropy(x, [1, 0, 2, 1], reduction: Reduction.None), D(data, [2, 3, 2], true));
        CheckGradients(x => Losses.Nll(x.LogSoftmax(1), [0, 2, 1, 2], w), D(data, [4, 3], true));
    }

    [Fact]
    public void CrossEntropyGradientIsSoftmaxMinusOneHotOverN()
    {
        // ∂/∂x mean CE = (softmax(x) − onehot(y))/N; row [1, 2, 3], y = 2, N = 1
        var x = D([1, 2, 3], [1, 3], true);
        Losses.CrossEntropy(x, [2]).Backward();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        var g = x.Grad!.ToArray();
        Assert.Equal(Math.Exp(1) / z, g[0], 14);
        Assert.Equal(Math.Exp(2) / z, g[1], 14);
        Assert.Equal(Math.Exp(3) / z - 1, g[2], 14);
    }

    [Fact]
    public void ExtremeLogitsGiveFiniteLossesAndGradients()
    {
        // logits [1000, −1000, 0], target 1: loss = lse − (−1000) = 1000 + 1000 = 2000; grad = softmax − onehot = [1, −1, 0]
        var x = Tensor.FromArray([1000f, -1000f, 0f, -1000f, 1000f, 1000f], [2, 3], requiresGrad: true);
        var loss = Losses.CrossEntropy(x, [1, 1], reduction: Reduction.Sum, labelSmoothing: 0.1);
        loss.Backward();
        Assert.True(float.IsFinite(loss.Item()));
        Assert.All(x.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
        var plain = Tensor.FromArray([1000.0, -1000.0, 0.0], [1, 3], requiresGrad: true);
        var ce = Losses.CrossEntropy(plain, [1]);
        ce.Backward();
        Assert.Equal(2000.0, ce.Item(), 9);
        Assert.Equal([1.0, -1.0, 0.0], plain.Grad!.ToArray());
        // Probability targets and BCE-with-logits at ±1000 as well.
        var probs = Losses.CrossEntropy(x.Detach(), Tensor.FromArray([0f, 1f, 0f, 0.5f, 0.5f, 0f], [2, 3]));
        Assert.True(float.IsFinite(probs.Item()));
        var z = Tensor.FromArray([1000f, -1000f, 1000f, -1000f], [4], requiresGrad: true);
        // ℓ = max(z, 0) − z·y + log(1 + e^−|z|): z = 1000, y = 0 → 1000; z = −1000, y = 1 → 1000; correct ones → 0
        var bce = Losses.BinaryCrossEntropyWithLogits(z, Tensor.FromArray([0f, 1f, 1f, 0f], [4]), reduction: Reduction.None);
        Assert.Equal([1000f, 1000f, 0f, 0f], bce.ToArray());
        bce.Sum().Backward();
        // ∂ℓ/∂z = σ(z) − y = [1, −1, 0, 0]
        Assert.Equal([1f, -1f, 0f, 0f], z.Grad!.ToArray());
    }

    [Fact]
    public void CrossEntropyErrorsNameLossAndShapes()
    {
        var logits = Tensor.Zeros<float>(128, 10);
        var e = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(logits, new int[127]));
        Assert.Equal("CrossEntropyLoss: target has 127 entries but input has batch size 128", e.Message);
        var targets = new int[128];
        targets[3] = 12;
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossEntropyLoss<float>().Forward(logits, targets));
        Assert.StartsWith("CrossEntropyLoss: target class 12 out of range for 10 classes", r.Message);
        var t = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(logits, Tensor.Zeros<float>(127)));
        Assert.Equal("CrossEntropyLoss: target has 127 entries but input has batch size 128", t.Message);
        var frac = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(Tensor.Zeros<float>(2, 3), Tensor.FromArray([0.5f, 1f])));
        Assert.Contains("not a whole class number", frac.Message);
        var w = Assert.Throws<ArgumentException>(() => Losses.CrossEntropy(logits, targets.Select(_ => 0).ToArray(), Tensor.Ones<float>(9)));
        Assert.Contains("weight of shape [9] should have one entry per class (10)", w.Message);
        var nll = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.Nll(Tensor.Zeros<float>(2, 3), [0, -1]));
        Assert.StartsWith("NLLLoss: target class -1 out of range for 3 classes", nll.Message);
    }

    // ---------- NLL, BCE, KL ----------

    [Fact]
    public void NllPicksNegatedLogProbabilities()
    {
        // logp = [[−0.5, −1, −2], [−3, −0.1, −4]], y = [0, 1]: mean(0.5, 0.1) = 0.3; w = [2, 1, 1]: (2·0.5 + 0.1)/3
        var logp = D([-0.5, -1, -2, -3, -0.1, -4], [2, 3]);
        Assert.Equal(0.3, new NLLLoss<double>().Forward(logp, [0, 1]).Item(), 14);
        Assert.Equal(1.1 / 3, Losses.Nll(logp, D([0, 1], [2]), D([2, 1, 1], [3])).Item(), 14);
        // CE = NLL ∘ LogSoftmax
        var x = D([1, 2, 3, 0.5, -1, 2], [2, 3]);
        Assert.Equal(Losses.CrossEntropy(x, [2, 0]).Item(), Losses.Nll(x.LogSoftmax(1), [2, 0]).Item(), 14);
    }

    [Fact]
    public void BceMatchesHandValuesAndClampsLogs()
    {
        // x = [0.8, 0.3], y = [1, 0]: [−log 0.8, −log 0.7] = [0.22314355131421, 0.35667494393873], mean 0.28990924762647
        var x = D([0.8, 0.3], [2]);
        var y = D([1, 0], [2]);
        Assert.Equal(0.2899092476264711, new BCELoss<double>().Forward(x, y).Item(), 12);
        // weight [2, 1]: (2·0.22314355 + 0.35667494)/2
        Assert.Equal((2 * 0.2231435513142097 + 0.35667494393873245) / 2, Losses.BinaryCrossEntropy(x, y, D([2, 1], [2])).Item(), 12);
        // x = 0, y = 1: log 0 clamped to −100 → loss 100, with a finite gradient
        var zero = D([0, 1], [2], true);
        var clamped = Losses.BinaryCrossEntropy(zero, D([1, 0], [2]), reduction: Reduction.None);
        Assert.Equal(100, clamped.ToArray()[0], 9);
        Assert.Equal(100, clamped.ToArray()[1], 9);
        clamped.Sum().Backward();
        Assert.All(zero.Grad!.ToArray(), v => Assert.True(double.IsFinite(v)));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Losses.BinaryCrossEntropy(D([1.5], [1]), D([1], [1])));
        Assert.StartsWith("BCELoss: every input element should be a probability in [0, 1], found 1.5", e.Message);
    }

    [Fact]
    public void BceWithLogitsMatchesHandValuesAndPosWeight()
    {
        // z = 0.5, y = 1: log(1 + e^−0.5) = 0.47407698418011; z = −1, y = 0: log(1 + e^−1) = 0.31326168751822
        var z = D([0.5, -1], [2]);
        var y = D([1, 0], [2]);
        Assert.Equal((0.4740769841801067 + 0.31326168751822286) / 2, new BCEWithLogitsLoss<double>().Forward(z, y).Item(), 12);
        // posWeight 3 scales only the positive term: 3·0.47407698418011 + 0.31326168751822
        Assert.Equal(3 * 0.4740769841801067 + 0.31326168751822286,
            Losses.BinaryCrossEntropyWithLogits(z, y, posWeight: D([3], [1]), reduction: Reduction.Sum).Item(), 12);
        // Equals BCE(σ(z), y) for moderate z.
        var soft = D([0.3, -0.2, 0.9, 0.5], [2, 2]);
        Assert.Equal(Losses.BinaryCrossEntropy(soft.Sigmoid(), y.Reshape(2, 1).Expand(2, 2).Contiguous()).Item(),
            Losses.BinaryCrossEntropyWithLogits(soft, y.Reshape(2, 1).Expand(2, 2).Contiguous()).Item(), 12);
    }

    [Fact]
    public void BinaryAndKlLossGradientsPassFirstAndSecondOrderChecks()
    {
        var y = D([1, 0, 0.3, 0.8], [2, 2]);
        CheckGradients(x => Losses.BinaryCrossEntropy(x, y, D([1, 2], [2])), D([0.7, 0.2, 0.4, 0.9], [2, 2], true));
        CheckGradients(x => Losses.BinaryCrossEntropyWithLogits(x, y, D([0.5, 2], [2]), D([3, 1], [2])), D([0.7, -2.2, 0.4, 3.1], [2, 2], true));
        var p = D([0.5, 0.5, 0, 0.2, 0.3, 0.5], [2, 3]);
        CheckGradients(q => Losses.KLDiv(q.LogSoftmax(1), p, Reduction.BatchMean), D([0.1, 0.9, -0.3, 1.2, 0.0, -0.8], [2, 3], true));
        CheckGradients(q => Losses.KLDiv(q, p.Log().Maximum(D([-50], [1])), Reduction.Sum, logTarget: true), D([-0.7, -0.9, -1.3, -1.2, -2.0, -0.8], [2, 3], true));
        // The target's gradient for KL: ∂/∂p p·(log p − log q) = log p + 1 − log q (p > 0 here).
        CheckGradients(t => Losses.KLDiv(D([-0.7, -0.9, -1.3], [3]), t), D([0.2, 0.3, 0.5], [3], true));
    }

    [Fact]
    public void KlDivMatchesHandValues()
    {
        // p = [0.5, 0.5, 0], q = [0.25, 0.25, 0.5]: Σ p log(p/q) = 2·0.5·log 2 + 0 = 0.69314718055995
        var logQ = D([Math.Log(0.25), Math.Log(0.25), Math.Log(0.5)], [1, 3]);
        var p = D([0.5, 0.5, 0], [1, 3]);
        Assert.Equal(Math.Log(2), Losses.KLDiv(logQ, p, Reduction.BatchMean).Item(), 14);
        Assert.Equal(Math.Log(2), Losses.KLDiv(logQ, p, Reduction.Sum).Item(), 14);
        // Mean divides by the 3 elements, not the batch
        Assert.Equal(Math.Log(2) / 3, new KLDivLoss<double>().Forward(logQ, p).Item(), 14);
        // logTarget: ℓ = e^(log p)·(log p − log q), here with p = [0.5, 0.5], q = [0.25, 0.75]
        var logP = D([Math.Log(0.5), Math.Log(0.5)], [1, 2]);
        var logQ2 = D([Math.Log(0.25), Math.Log(0.75)], [1, 2]);
        // 0.5·log(0.5/0.25) + 0.5·log(0.5/0.75) = 0.5·(log 2 + log(2/3)) = 0.5·log(4/3)
        Assert.Equal(0.5 * Math.Log(4.0 / 3), new KLDivLoss<double>(Reduction.BatchMean, logTarget: true).Forward(logQ2, logP).Item(), 14);
        Assert.Throws<ArgumentException>(() => Losses.MSE(logQ, p, Reduction.BatchMean));
    }
}
