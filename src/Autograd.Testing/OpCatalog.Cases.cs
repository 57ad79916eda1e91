using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// The input generators of the catalog rows that draw several related tensors (shapes that must agree).
public static partial class OpCatalog
{
    /// <summary>x [N, C, *] with at least two values per channel, and γ, β [C].</summary>
    private static Tensor<double>[] BatchNormCase(Choices g)
    {
        int c = Dim(g);
        return [Uniform(g, [1 + g.NextInt(2), c, 2 + g.NextInt(2), .. Shape(g, 0, 1)]), Uniform(g, [c]), Uniform(g, [c])];
    }

    /// <summary>x [.. <paramref name="leading"/>, in], W [out, in] and b [out]; when <paramref name="transposed"/>, x and W
    /// are stored as [in, n] and [in, out] (leading is [n]) for rows that read them through MT.</summary>
    private static Tensor<double>[] LinearCase(Choices g, int[] leading, bool transposed = false)
    {
        int i = Dim(g), o = Dim(g);
        int[] x = transposed ? [i, .. leading] : [.. leading, i], w = transposed ? [i, o] : [o, i];
        return [Uniform(g, x), Uniform(g, w), Uniform(g, [o])];
    }

    private static Tensor<double>[] ConvCase(Choices g)
    {
        int n = 1 + g.NextInt(2), c = 1 + g.NextInt(2), o = 1 + g.NextInt(3);
        return [Uniform(g, [n, c, 4 + g.NextInt(2), 4 + g.NextInt(2)]), Uniform(g, [o, c, 2, 1 + g.NextInt(2)]), Uniform(g, [o])];
    }

    private static Tensor<double>[] ConcatCase(Choices g)
    {
        int a = Dim(g), c = Dim(g), count = 2 + g.NextInt(2);
        return [.. Enumerable.Range(0, count).Select(_ => Uniform(g, [a, g.NextInt(3), c]))];
    }

    private static Tensor<double>[] StackCase(Choices g)
    {
        var shape = Shape(g, 0, 2);
        return [.. Enumerable.Range(0, 2 + g.NextInt(2)).Select(_ => Uniform(g, shape))];
    }

    /// <summary>A 0/1 mask (no grad) whose shape broadcasts to the input's, then the input.</summary>
    private static Tensor<double>[] MaskedFillCase(Choices g)
    {
        var full = Shape(g);
        var maskShape = Reduced(g, full);
        var mask = Tensor.FromArray([.. Enumerable.Range(0, Count(maskShape)).Select(_ => (double)g.NextInt(2))], maskShape);
        return [mask, Uniform(g, full)];
    }

    private static Tensor<double>[] WhereCase(Choices g)
    {
        var full = Shape(g);
        var maskShape = Reduced(g, full);
        var mask = Tensor.FromArray([.. Enumerable.Range(0, Count(maskShape)).Select(_ => (double)g.NextInt(2))], maskShape);
        return [mask, Uniform(g, Reduced(g, full)), Uniform(g, Reduced(g, full))];
    }

    /// <summary>Input [a, n, c] (stored as [a, c, n] when <paramref name="transposed"/>, for rows that apply MT first);
    /// index with dims ≤ the input's outside <paramref name="dim"/>, any size along it.</summary>
    private static Tensor<double>[] GatherCase(Choices g, int dim, bool scatter, bool transposed = false)
    {
        int[] shape = [Dim(g), Dim(g), Dim(g)];
        var indexShape = new int[3];
        for (int i = 0; i < 3; i++) indexShape[i] = i == dim ? Dim(g) : 1 + g.NextInt(shape[i]);
        var index = Index(g, indexShape, shape[dim]);
        var input = Uniform(g, transposed ? [shape[0], shape[2], shape[1]] : shape);
        return scatter ? [input, index, Uniform(g, indexShape)] : [input, index];
    }

    /// <summary>Input [a, n, …] (stored as [a, …, n] when <paramref name="transposed"/>) and 1-D indices into dim 1, with repeats.</summary>
    private static Tensor<double>[] IndexCase(Choices g, bool add, bool transposed = false)
    {
        int[] shape = transposed ? [Dim(g), Dim(g), Dim(g)] : [Dim(g), Dim(g), .. Shape(g, 0, 1)];
        var index = Index(g, [1 + g.NextInt(4)], transposed ? shape[2] : shape[1]);
        return add ? [Uniform(g, shape), index, Uniform(g, With(shape, 1, index.NumElements))] : [Uniform(g, shape), index];
    }
}
