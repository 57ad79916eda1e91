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

    [Fact]
    public void PaddingRowStartsAtZeroAndGetsNoGradient()
    {
        // Oracle (PyTorch's padding_idx): the row starts at zero; positions holding it return the row as it is (here set
        // to [5, 6]) but send it no gradient. For L = Σ out ⊙ c with ids [2, 1, 2, 0] and padding 2: ∂L/∂W[0] = c₃ = [7, 8],
        // ∂L/∂W[1] = c₁ = [3, 4], ∂L/∂W[2] = 0 (not c₀ + c₂), ∂L/∂W[3] = 0.
        var emb = new Embedding<double>(4, 2, new Generator(5), paddingIdx: 2);
        Assert.Equal(new double[2], emb.Weight.ToArray()[4..6]);
        using (Tensor.NoGrad()) emb.Weight.Select(0, 2).CopyFrom(Tensor.FromArray([5.0, 6]));
        var w = emb.Weight.ToArray();
        var output = emb.Forward([2, 1, 2, 0]);
        Assert.Equal(new[] { 5, 6, w[2], w[3], 5, 6, w[0], w[1] }, output.ToArray());
        (output * Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [4, 2])).Sum().Backward();
        Assert.Equal(new double[] { 7, 8, 3, 4, 0, 0, 0, 0 }, emb.Weight.Grad!.ToArray());
    }

    [Fact]
    public void NegativePaddingIndexCountsFromTheEnd()
    {
        // Oracle: PyTorch stores padding_idx = num_embeddings + padding_idx for a negative index: −1 of 5 is row 4.
        var emb = new Embedding<float>(5, 3, new Generator(6), paddingIdx: -1);
        Assert.Equal(4, emb.PaddingIdx);
        Assert.Equal(new float[3], emb.Weight.ToArray()[12..15]);
        Assert.Null(new Embedding<float>(5, 3, new Generator(6)).PaddingIdx);
    }

    [Fact]
    public void PaddingIndexOutOfRangeFailsByName()
    {
        // Oracle: PyTorch's rule −num ≤ padding_idx < num.
        Assert.Equal("Embedding: paddingIdx 5 is out of range for 5 embeddings (expected -5 ≤ paddingIdx < 5) (Parameter 'paddingIdx')",
            Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding<float>(5, 3, new Generator(7), paddingIdx: 5)).Message);
        Assert.Contains("paddingIdx -6 is out of range for 5 embeddings",
            Assert.Throws<ArgumentOutOfRangeException>(() => new Embedding<float>(5, 3, new Generator(7), paddingIdx: -6)).Message);
        Assert.Contains("Embedding: paddingIdx 9 is out of range for 4 embeddings",
            Assert.Throws<ArgumentOutOfRangeException>(() => Functional.Embedding([0], Tensor.Zeros<float>(4, 2), paddingIdx: 9)).Message);
    }
}
