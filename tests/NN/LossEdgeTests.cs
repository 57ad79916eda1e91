using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>
/// Losses at the edges of their domains give PyTorch's values and gradients, finite where PyTorch's are. Oracles:
/// PyTorch's documented definitions — BCELoss clamps each log at −100 (torch.nn.BCELoss docs) and its backward divides
/// by max(x(1 − x), 1e−12) (aten binary_cross_entropy_backward, EPSILON = 1e−12); BCEWithLogitsLoss is
/// max(z, 0) − z·y + log(1 + e^−|z|) with gradient σ(z) − y; cross-entropy is −log softmax; KLDivLoss takes 0·log 0 = 0.
/// </summary>
public class LossEdgeTests
{
    private static Tensor<double> Leaf(params double[] v) => Tensor.FromArray(v, requiresGrad: true);

    [Fact]
    public void BceAtSaturatedProbabilitiesHasPyTorchsFiniteValueAndGradient()
    {
        var x = Leaf(0, 1, 1e-30, 0.5, 1);
        var y = Tensor.FromArray([1.0, 0, 1, 0.5, 1], requiresGrad: true);
        var loss = Losses.BinaryCrossEntropy(x, y, reduction: Reduction.None);
        // ℓ = −[y·max(log x, −100) + (1 − y)·max(log(1 − x), −100)]:
        // x = 0, y = 1: 100; x = 1, y = 0: 100; x = 1e−30, y = 1: −log 1e−30 = 30·ln 10; x = ½, y = ½: ln 2; x = 1, y = 1: 0.
        double[] expected = [100, 100, 30 * Math.Log(10), Math.Log(2), 0];
        var values = loss.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], values[i], 12);

        loss.Sum().Backward();
        // ∂ℓ/∂x = (x − y)/max(x(1 − x), 1e−12): −1/1e−12, 1/1e−12, (1e−30 − 1)/1e−12, 0/¼ = 0, 0/1e−12 = 0.
        double[] gx = [-1e12, 1e12, (1e-30 - 1) / 1e-12, 0, 0];
        var grad = x.Grad!.ToArray();
        for (int i = 0; i < gx.Length; i++) Assert.Equal(gx[i], grad[i], 1e-3 * Math.Max(1, Math.Abs(gx[i])));
        // ∂ℓ/∂y = max(log(1 − x), −100) − max(log x, −100): 0 − (−100) = 100 at x = 0; −100 − 0 at x = 1; ln 1 − ln 1e−30;
        // ln ½ − ln ½ = 0; −100 − 0 at x = 1.
        double[] gy = [100, -100, 30 * Math.Log(10), 0, -100];
        var gradY = y.Grad!.ToArray();
        for (int i = 0; i < gy.Length; i++) Assert.Equal(gy[i], gradY[i], 10);
    }

    [Fact]
    public void BceIsTwiceDifferentiableInsideTheInterval()
    {
        var x = Tensor.FromArray([0.2, 0.7, 0.45], [3], requiresGrad: true);
        var y = Tensor.FromArray([0.1, 1.0, 0.5], [3], requiresGrad: true);
        Func<Tensor<double>[], Tensor<double>> f = t => Losses.BinaryCrossEntropy(t[0], t[1], reduction: Reduction.Sum);
        var report = GradCheck.Verify(f, [x, y], new GradCheckOptions { Order = 2 });
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void BceWithLogitsIsFiniteAtExtremeLogits()
    {
        // z = ±1000: max(z, 0) − z·y + log(1 + e^−1000) = 1000 both ways; z = 0, y = 1: ln 2. ∂/∂z = σ(z) − y = 1, −1, −½.
        var z = Leaf(1000, -1000, 0);
        var y = Tensor.FromArray([0.0, 1, 1]);
        var loss = Losses.BinaryCrossEntropyWithLogits(z, y, reduction: Reduction.None);
        Assert.Equal([1000, 1000, Math.Log(2)], loss.ToArray());
        loss.Sum().Backward();
        Assert.Equal([1.0, -1.0, -0.5], z.Grad!.ToArray());
    }

    [Fact]
    public void CrossEntropyIsFiniteAtExtremeLogits()
    {
        // logits [1000, −1000], class 1: −log softmax₁ = 2000 + log(1 + e^−2000) = 2000; ∂/∂z = softmax − onehot = [1, −1].
        var z = Tensor.FromArray([1000.0, -1000], [1, 2], requiresGrad: true);
        var loss = Losses.CrossEntropy(z, [1]);
        Assert.Equal(2000, loss.Item());
        loss.Backward();
        Assert.Equal([1.0, -1.0], z.Grad!.ToArray());
    }

    [Fact]
    public void KlDivWithZeroTargetsIsZeroWithZeroInputGradient()
    {
        // ℓ = p·(log p − input) with 0·log 0 = 0: p = [0, 1], input = [−5, 0] gives [0, 0]; ∂ℓ/∂input = −p = [0, −1].
        var input = Leaf(-5, 0);
        var loss = Losses.KLDiv(input, Tensor.FromArray([0.0, 1]), Reduction.None);
        Assert.Equal([0.0, 0.0], loss.ToArray());
        loss.Sum().Backward();
        Assert.Equal([0.0, -1.0], input.Grad!.ToArray());
    }
}
