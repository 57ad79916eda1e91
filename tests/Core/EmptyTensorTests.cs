namespace Autograd.Tests.Core;

/// <summary>Elementwise ops on tensors with no elements (some vector libraries refuse empty spans).</summary>
public class EmptyTensorTests
{
    [Fact]
    public void UnaryAndBinaryOpsOnEmptyTensorsGiveEmptyResultsAndGradients()
    {
        // Every function of an empty tensor is empty; the gradient of Σ over nothing is an empty tensor.
        var x = Tensor.Zeros<double>(0, 3);
        x.RequiresGrad = true;
        foreach (var f in new Func<Tensor<double>, Tensor<double>>[] { t => t.Sigmoid(), t => t.Tanh(), t => t.Exp(), t => t.Relu(), t => t * t + 1.0 })
        {
            var y = f(x);
            Assert.Equal([0, 3], y.Shape);
            y.Sum().Backward();
            Assert.Equal([0, 3], x.Grad!.Shape);
            x.ZeroGrad();
        }
    }
}
