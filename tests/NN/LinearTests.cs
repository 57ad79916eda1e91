using Autograd.NN;

namespace Autograd.Tests.NN;

public class LinearTests
{
    [Fact]
    public void OutputIsXTimesWTransposedPlusB()
    {
        // Oracle: hand-computed y = x·Wᵀ + b with W = [[1, 2, 3], [4, 5, 6]], b = [0.5, −1]:
        // row [1, 0, −1]: [1 − 3 + 0.5, 4 − 6 − 1] = [−1.5, −3]; row [2, 1, 1]: [2 + 2 + 3 + 0.5, 8 + 5 + 6 − 1] = [7.5, 18].
        var layer = new Linear<double>(3, 2, new Generator(1));
        using (Tensor.NoGrad())
        {
            layer.Weight.CopyFrom(Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
            layer.Bias!.CopyFrom(Tensor.FromArray(new double[] { 0.5, -1 }));
        }
        var y = layer.Forward(Tensor.FromArray(new double[] { 1, 0, -1, 2, 1, 1 }, [2, 3]));
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal(new double[] { -1.5, -3, 7.5, 18 }, y.ToArray());
    }

    [Fact]
    public void BatchedInputKeepsLeadingDimsAndVectorInputWorks()
    {
        // Oracle: Linear acts on the last dim only, so [2, 5, 3] → [2, 5, 4]; a vector [3] → [4] equal to row 0 of a batch.
        var layer = new Linear<float>(3, 4, new Generator(2));
        var x = Tensor.Randn<float>([2, 5, 3], new Generator(3));
        Assert.Equal([2, 5, 4], layer.Forward(x).Shape);
        var row = x.Select(0, 0).Select(0, 0).Contiguous();
        Assert.Equal(layer.Forward(x).Select(0, 0).Select(0, 0).ToArray(), layer.Forward(row).ToArray());
    }

    [Fact]
    public void WrongFeatureCountFailsWithShapes()
    {
        // Oracle: the error text required by the style guide.
        var layer = new Linear<float>(784, 10, new Generator(1));
        var error = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros<float>(128, 783)));
        Assert.Equal("Linear: input has 783 features, weight expects 784 (input shape [128, 783])", error.Message);
    }

    [Fact]
    public void GradientsPassFiniteDifferences()
    {
        // Oracle: finite differences; first and second order (second derivatives of a bilinear map: ∂²y/∂x∂W ≠ 0).
        ModuleGradCheck.Assert(new Linear<double>(3, 2, new Generator(4)), ModuleGradCheck.Input(5, 4, 3));
        ModuleGradCheck.Assert(new Linear<double>(3, 2, new Generator(4), bias: false), ModuleGradCheck.Input(6, 2, 2, 3));
    }

    [Fact]
    public void FunctionalFormMatchesTheLayer()
    {
        // Oracle: the layer is defined as Functional.Linear of its own parameters.
        var layer = new Linear<double>(3, 2, new Generator(7));
        var x = Tensor.Randn<double>([4, 3], new Generator(8));
        Assert.Equal(layer.Forward(x).ToArray(), Functional.Linear(x, layer.Weight, layer.Bias).ToArray());
        Assert.Equal(layer.Forward(x).ToArray(), (x.MatMul(layer.Weight.Transpose(0, 1)) + layer.Bias!).ToArray());
    }
}
