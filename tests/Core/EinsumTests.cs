namespace Autograd.Tests.Core;

/// <summary>Tensor.Einsum on small hand-computed cases, its gradient, and the errors naming the equation.</summary>
public class EinsumTests
{
    private static readonly Tensor<double> A = Tensor.FromArray([1.0, 2, 3, 4], [2, 2]); // [[1, 2], [3, 4]]
    private static readonly Tensor<double> B = Tensor.FromArray([5.0, 6, 7, 8], [2, 2]); // [[5, 6], [7, 8]]

    [Fact]
    public void TwoOperandForms()
    {
        // matrix product: [[1·5 + 2·7, 1·6 + 2·8], [3·5 + 4·7, 3·6 + 4·8]] = [[19, 22], [43, 50]]
        Assert.Equal([19.0, 22, 43, 50], Tensor.Einsum("ij,jk->ik", A, B).ToArray());
        // implicit output "ik" (letters used once, sorted): the same product
        Assert.Equal([19.0, 22, 43, 50], Tensor.Einsum("ij,jk", A, B).ToArray());
        // Aᵀ·B written with the letters swapped: out[j, k] = Σᵢ A[i, j]B[i, k] = [[1·5 + 3·7, 1·6 + 3·8], [2·5 + 4·7, 2·6 + 4·8]]
        Assert.Equal([26.0, 30, 38, 44], Tensor.Einsum("ij,ik->jk", A, B).ToArray());
        // elementwise product summed per row: [1·5 + 2·6, 3·7 + 4·8] = [17, 53]
        Assert.Equal([17.0, 53], Tensor.Einsum("ij,ij->i", A, B).ToArray());
        // dot and outer products of [1, 2] and [3, 4]
        var u = Tensor.FromArray([1.0, 2], [2]);
        var v = Tensor.FromArray([3.0, 4], [2]);
        Assert.Equal(11.0, Tensor.Einsum("i,i->", u, v).Item());
        Assert.Equal([3.0, 4, 6, 8], Tensor.Einsum("i,j->ij", u, v).ToArray());
        // batched: each batch is its own product; batch 0 = A·B, batch 1 = B·A = [[5 + 18, 10 + 24], [7 + 24, 14 + 32]]
        var left = Tensor.Stack([A, B], 0);
        var right = Tensor.Stack([B, A], 0);
        Assert.Equal([19.0, 22, 43, 50, 23, 34, 31, 46], Tensor.Einsum("bij,bjk->bik", left, right).ToArray());
    }

    [Fact]
    public void OneOperandForms()
    {
        // trace 1 + 4, diagonal [1, 4], transpose, sum 10, row sums [3, 7]
        Assert.Equal(5.0, Tensor.Einsum("ii->", A).Item());
        Assert.Equal([1.0, 4], Tensor.Einsum("ii->i", A).ToArray());
        Assert.Equal([1.0, 3, 2, 4], Tensor.Einsum("ij->ji", A).ToArray());
        Assert.Equal(10.0, Tensor.Einsum("ij->", A).Item());
        Assert.Equal([3.0, 7], Tensor.Einsum("ij->i", A).ToArray());
    }

    [Fact]
    public void GradientOfAMatrixProduct()
    {
        var a = Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        var b = Tensor.FromArray([5.0, 6, 7, 8], [2, 2], requiresGrad: true);
        Tensor.Einsum("ij,jk->ik", a, b).Sum().Backward();
        // ∂Σ(AB)/∂A[i, j] = Σ_k B[j, k]: rows sums of B [11, 15] for every i; ∂/∂B[j, k] = Σᵢ A[i, j]: column sums [4, 6]
        Assert.Equal([11.0, 15, 11, 15], a.Grad!.ToArray());
        Assert.Equal([4.0, 4, 6, 6], b.Grad!.ToArray());
        var x = Tensor.FromArray([1.0, 2, 3, 4], [2, 2], requiresGrad: true);
        Tensor.Einsum("ii->", x).Backward();
        // ∂trace/∂x = I
        Assert.Equal([1.0, 0, 0, 1], x.Grad!.ToArray());
    }

    [Fact]
    public void UnsupportedOrInconsistentEquationsAreNamed()
    {
        static string Message(Action a) => Assert.ThrowsAny<ArgumentException>(a).Message;
        Assert.Equal("Einsum: ellipsis (...) is not supported in \"...ij,...jk->...ik\"", Message(() => Tensor.Einsum("...ij,...jk->...ik", A, B)));
        Assert.Contains("3 operands; only one or two are supported in \"ij,jk,kl->il\"", Message(() => Tensor.Einsum("ij,jk,kl->il", A, B, A)));
        Assert.Contains("operand 1 has shape [2, 2] but \"j\" names 1 dims in \"ij,j->i\"", Message(() => Tensor.Einsum("ij,j->i", A, B)));
        Assert.Contains("letter 'j' has size 2 and size 3", Message(() => Tensor.Einsum("ij,jk->ik", A, Tensor.Ones<double>(3, 2))));
        Assert.Contains("output letter 'z' names no input dim in \"ij->z\"", Message(() => Tensor.Einsum("ij->z", A)));
        Assert.Contains("'1' is not a subscript letter", Message(() => Tensor.Einsum("i1->i", A)));
        Assert.Contains("2 subscript terms for 1 operands", Message(() => Tensor.Einsum("ij,jk->ik", A)));
    }
}
