using Autograd.NN;

namespace Autograd.Tests.NN;

public class EmbeddingTests
{
    [Fact]
    public void LooksUpRowsAndAccumulatesGradientsOfRepeatedIds()
    {
        // Oracle: out[i] = W[ids[i]]; for L = Σ out ⊙ c, ∂L/∂W[r] = Σ_{i: ids[i] = r} c[i]: row 1 gets c0 + c2, row 3 gets c1.
        var emb = new Embedding<double>(5, 2, new Generator(1));
        var w = emb.Weight.ToArray();
        var output = emb.Forward([1, 3, 1]);
        Assert.Equal(new[] { w[2], w[3], w[6], w[7], w[2], w[3] }, output.ToArray());
        var c = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        (output * c).Sum().Backward();
        Assert.Equal(new double[] { 0, 0, 1 + 5, 2 + 6, 0, 0, 3, 4, 0, 0 }, emb.Weight.Grad!.ToArray());
    }

    [Fact]
    public void TensorIdsKeepTheirShape()
    {
        // Oracle: ids of shape [2, 2] give [2, 2, dim], the same rows as the flat lookup.
        var emb = new Embedding<float>(10, 3, new Generator(2));
        var ids = Tensor.FromArray(new float[] { 0, 9, 4, 4 }, [2, 2]);
        var output = emb.Forward(ids);
        Assert.Equal([2, 2, 3], output.Shape);
        Assert.Equal(emb.Forward([0, 9, 4, 4]).ToArray(), output.ToArray());
        Assert.Equal(output.ToArray(), emb.Forward([0, 9, 4, 4], [2, 2]).ToArray());
    }

    [Fact]
    public void BadIdsFailByName()
    {
        // Oracle: ids must be whole numbers in [0, num).
        var emb = new Embedding<float>(10, 3, new Generator(3));
        Assert.Contains("id 12 at position 1 is out of range for 10 embeddings",
            Assert.Throws<ArgumentOutOfRangeException>(() => emb.Forward([1, 12])).Message);
        Assert.Contains("whole numbers", Assert.Throws<ArgumentException>(() => emb.Forward(Tensor.FromArray(new[] { 1.5f }))).Message);
    }

    [Fact]
    public void WeightGradientPassesFiniteDifferences()
    {
        // Oracle: finite differences with respect to the table (ids are not differentiable), first and second order.
        var emb = new Embedding<double>(4, 3, new Generator(4));
        Checking.GradCheck.Assert(xs => Functional.Embedding([2, 0, 2], xs[0]), [emb.Weight]);
    }
}
