namespace Autograd.Tests.Core;

/// <summary>
/// Squeeze, Unsqueeze and so Select are views of strided tensors too, as in PyTorch: <c>t.select(1, j).fill_(0)</c>
/// zeroes column j of t. (They were copies of a strided input, so writing into one silently left t as it was.) View
/// never copies: it lays the new shape over the strides, or throws. Oracles: the elements written out by index from the
/// base array.
/// </summary>
public class StridedViewTests
{
    // t[i, j] = 10·i + j, shape [3, 4].
    private static Tensor<double> Grid() =>
        Tensor.FromArray([.. Enumerable.Range(0, 12).Select(k => 10.0 * (k / 4) + k % 4)], [3, 4]);

    [Fact]
    public void WritingIntoASelectedColumnWritesTheTensor()
    {
        var t = Grid();
        var column = t.Select(1, 2);
        Assert.Equal([2.0, 12, 22], column.ToArray());
        int version = t.Version;
        using (Tensor.NoGrad()) column.FillInPlace(-1);
        double[] expected = [.. Enumerable.Range(0, 12).Select(k => k % 4 == 2 ? -1 : 10.0 * (k / 4) + k % 4)];
        Assert.Equal(expected, t.ToArray());
        Assert.True(t.Version > version, "the base's version counter must see the write");
    }

    [Fact]
    public void SqueezeAndUnsqueezeOfAStridedViewShareItsElements()
    {
        var t = Grid();
        var slice = t.Narrow(1, 1, 1);               // [3, 1], column 1, strided
        var squeezed = slice.Squeeze();              // [3]
        var unsqueezed = squeezed.Unsqueeze(0);      // [1, 3]
        var appended = squeezed.Unsqueeze(-1);       // [3, 1]
        Assert.Equal([3], squeezed.Shape);
        Assert.Equal([1, 3], unsqueezed.Shape);
        Assert.Equal([3, 1], appended.Shape);
        Assert.Equal([1.0, 11, 21], squeezed.ToArray());
        Assert.Equal([1.0, 11, 21], unsqueezed.ToArray());
        Assert.Equal([1.0, 11, 21], appended.ToArray());
        using (Tensor.NoGrad()) unsqueezed.FillInPlace(5);
        Assert.Equal([5.0, 5, 5], t.Select(1, 1).ToArray());
        Assert.Equal([0.0, 10, 20], t.Select(1, 0).ToArray());
    }

    [Fact]
    public void TheGradientOfASelectedColumnLandsInThatColumn()
    {
        // L = Σ_i w_i · t[i, 2] ⇒ ∂L/∂t[i, j] = w_i where j = 2, else 0.
        var t = Grid();
        t.RequiresGrad = true;
        var w = Tensor.FromArray([1.0, -2, 3]);
        (t.Select(1, 2) * w).Sum().Backward();
        double[] expected = [.. Enumerable.Range(0, 12).Select(k => k % 4 == 2 ? w.ToArray()[k / 4] : 0)];
        Assert.Equal(expected, t.Grad!.ToArray());
    }

    [Fact]
    public void ViewSplitsADimOfATransposedMatrixInPlaceAndRefusesToFlattenIt()
    {
        // tt = tᵀ, [4, 3]: tt[i, c] = t[c, i] = 10·c + i. Split i = 2a + b: tt.View(2, 2, 3)[a, b, c] = 10·c + 2a + b.
        var t = Grid();
        var tt = t.Transpose(0, 1);
        var split = tt.View(2, 2, 3);
        double[] expected = [.. from a in Enumerable.Range(0, 2) from b in Enumerable.Range(0, 2) from c in Enumerable.Range(0, 3)
                                select 10.0 * c + 2 * a + b];
        Assert.Equal(expected, split.ToArray());
        using (Tensor.NoGrad()) split.Select(0, 1).Select(0, 0).FillInPlace(-7); // i = 2: column 2 of t
        Assert.Equal([-7.0, -7, -7], t.Select(1, 2).ToArray());

        // Flattening tᵀ would need the elements 0, 10, 20, 1, … to lie evenly: they do not, so View refuses (Reshape copies).
        var error = Assert.Throws<InvalidOperationException>(() => tt.View(-1));
        Assert.Contains("View", error.Message);
        Assert.Contains("Reshape", error.Message);
        Assert.Equal(tt.ToArray(), tt.Reshape(-1).ToArray());
    }

    [Fact]
    public void ViewOfAStridedTensorBackpropagatesLikeReshape()
    {
        // L = Σ w ⊙ tᵀ.View(2, 2, 3) ⇒ ∂L/∂t[c, i] = w[i / 2, i % 2, c]; the same as through Reshape, which copies.
        var t1 = Grid();
        var t2 = Grid();
        t1.RequiresGrad = t2.RequiresGrad = true;
        var w = Tensor.FromArray([.. Enumerable.Range(0, 12).Select(k => k * 0.5 - 2)], [2, 2, 3]);
        (t1.Transpose(0, 1).View(2, 2, 3) * w).Sum().Backward();
        (t2.Transpose(0, 1).Reshape(2, 2, 3) * w).Sum().Backward();
        Assert.Equal(t2.Grad!.ToArray(), t1.Grad!.ToArray());
        double[] wv = w.ToArray();
        Assert.Equal([.. Enumerable.Range(0, 12).Select(k => wv[(k % 4) * 3 + k / 4])], t1.Grad!.ToArray());
    }
}
