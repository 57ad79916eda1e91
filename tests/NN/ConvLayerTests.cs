using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

public class ConvLayerTests
{
    [Fact]
    public void Conv2dLayerGradientsPassChecksForInputAndParameters()
    {
        var conv = new Conv2d<double>(2, 3, 3, new Generator(1), stride: 1, padding: 1);
        var x = Tensor.Randn<double>([2, 2, 4, 4], new Generator(2), requiresGrad: true);
        // The layer reads its own Weight/Bias tensors, which GradCheck perturbs in place: a finite-difference oracle for all three.
        GradCheck.Assert(_ => conv.Forward(x), [x, conv.Weight, conv.Bias!], name: "Conv2d layer");
    }

    [Fact]
    public void Conv2dLayerInitialisationBoundAndShapes()
    {
        // PyTorch's default: U(−1/√fanIn, 1/√fanIn), fanIn = 4·3·3 = 36 ⇒ bound 1/6.
        var conv = new Conv2d<double>(4, 8, 3, new Generator(3));
        Assert.Equal(new[] { 8, 4, 3, 3 }, conv.Weight.Shape);
        Assert.All(conv.Weight.ToArray(), v => Assert.InRange(v, -1.0 / 6, 1.0 / 6));
        Assert.All(conv.Bias!.ToArray(), v => Assert.InRange(v, -1.0 / 6, 1.0 / 6));
        Assert.Equal(8 * 4 * 9 + 8, conv.ParameterCount());
        Assert.Contains("Conv2d", conv.ToString());
    }

    [Fact]
    public void PoolingLayersReduceSpatialSize()
    {
        // 28×28 pooled by 2 ⇒ 14×14; the max of the window [[0,1],[28,29]] of arange is 29.
        var x = Tensor.Arange<double>(2 * 28 * 28).Reshape(1, 2, 28, 28);
        var max = new MaxPool2d<double>(2).Forward(x);
        Assert.Equal(new[] { 1, 2, 14, 14 }, max.Shape);
        Assert.Equal(29.0, max.ToArray()[0]);
        // mean(0, 1, 28, 29) = 14.5
        Assert.Equal(14.5, new AvgPool2d<double>(2).Forward(x).ToArray()[0]);
    }
}
