namespace Autograd.Tests.Core;

// Bad input fails early with the op's name and the shapes involved, never with an index error from a kernel.
public class ErrorMessageTests
{
    private static Tensor<float> Z(params int[] shape) => Tensor.Zeros<float>(shape);

    private static void Fails<TException>(Action action, params string[] fragments) where TException : Exception
    {
        var error = Assert.ThrowsAny<TException>(action);
        foreach (var f in fragments) Assert.Contains(f, error.Message);
    }

    [Fact]
    public void BroadcastMismatchNamesOpAndBothShapes() =>
        Fails<ArgumentException>(() => _ = Z(2, 3) + Z(4, 3), "Add", "[2, 3]", "[4, 3]");

    [Fact]
    public void MatMulMisalignmentNamesShapes() =>
        Fails<ArgumentException>(() => Z(2, 3).MatMul(Z(4, 5)), "MatMul", "[2, 3]", "[4, 5]");

    [Fact]
    public void ReshapeToWrongSizeNamesBothShapes() =>
        Fails<ArgumentException>(() => Z(2, 3).Reshape(4, 2), "Reshape", "[2, 3]", "[4, 2]");

    [Fact]
    public void DimOutOfRangeNamesOpDimAndRank() =>
        Fails<ArgumentOutOfRangeException>(() => Z(2, 3).Sum(2), "Sum", "dim 2", "rank 2");

    [Fact]
    public void SoftmaxBadDimNamesOp() =>
        Fails<ArgumentOutOfRangeException>(() => Z(2, 3).Softmax(-3), "Softmax", "dim -3");

    [Fact]
    public void GatherIndexOutOfRangeNamesValueAndDim() =>
        Fails<ArgumentOutOfRangeException>(() => Z(2, 3).Gather(1, Tensor.FromArray(new float[] { 0, 3 }, [2, 1])), "Gather", "3", "dim 1");

    [Fact]
    public void ConcatShapeMismatchNamesShapes() =>
        Fails<ArgumentException>(() => Tensor.Concat([Z(2, 3), Z(2, 4)], 0), "Concat", "[2, 3]", "[2, 4]");

    [Fact]
    public void FromArrayWithWrongLengthNamesShape() =>
        Fails<ArgumentException>(() => Tensor.FromArray(new float[5], [2, 3]), "FromArray", "[2, 3]");

    [Fact]
    public void ItemOfManyElementsNamesShape() =>
        Fails<InvalidOperationException>(() => Z(2, 2).Item(), "Item", "[2, 2]");

    [Fact]
    public void BackwardGradientShapeMismatchNamesShapes()
    {
        var x = Tensor.Zeros<float>(2, 3);
        x.RequiresGrad = true;
        Fails<ArgumentException>(() => (x * 2f).Backward(Z(3, 2)), "Backward", "[3, 2]", "[2, 3]");
    }

    [Fact]
    public void BackwardOfTensorWithoutGradExplains() =>
        Fails<InvalidOperationException>(() => Z(1).Sum().Backward(), "Backward", "does not require grad");

    [Fact]
    public void ExpandToIncompatibleShapeNamesShapes() =>
        Fails<ArgumentException>(() => Z(2, 3).Expand(4, 3), "Expand", "[2, 3]", "[4, 3]");
}
