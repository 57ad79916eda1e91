namespace Autograd.Testing;

/// <summary>
/// A plain row-major array of doubles, what the registry's reference functions read and return. It shares no code
/// with <see cref="Tensor{T}"/> (no views, kernels or strides), so a value computed on it is an independent oracle.
/// </summary>
/// <param name="Data">Elements in row-major order.</param>
/// <param name="Shape">Sizes of the dims.</param>
public sealed record Nd(double[] Data, int[] Shape)
{
    /// <summary>The values and shape of <paramref name="t"/>, in its logical (row-major) order.</summary>
    public static Nd Of(Tensor<double> t) => new(t.ToArray(), [.. t.Shape]);

    /// <summary>The last two dims swapped, as <see cref="Tensor{T}.MT"/>.</summary>
    public Nd MT => Transpose(-2, -1);

    /// <summary>Dims <paramref name="a"/> and <paramref name="b"/> swapped.</summary>
    public Nd Transpose(int a, int b)
    {
        var perm = Enumerable.Range(0, Shape.Length).ToArray();
        int i = Naive.Axis(a, Shape.Length), j = Naive.Axis(b, Shape.Length);
        (perm[i], perm[j]) = (j, i);
        return Permute(perm);
    }

    /// <summary>result[c₀, …] = this[c at positions perm⁻¹]: dim i of the result is dim perm[i] of this.</summary>
    public Nd Permute(params int[] perm)
    {
        int[] shape = [.. perm.Select(p => Shape[p])];
        var data = new double[Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Naive.Coords(i, shape);
            var source = new int[Shape.Length];
            for (int d = 0; d < perm.Length; d++) source[perm[d]] = c[d];
            data[i] = Data[Naive.Flat(source, Shape)];
        }
        return new(data, shape);
    }

    /// <summary>The same elements in the same order under another shape (one −1 is inferred).</summary>
    public Nd Reshape(params int[] shape)
    {
        int known = shape.Where(d => d != -1).Aggregate(1, (p, d) => p * d);
        return new(Data, [.. shape.Select(d => d == -1 ? Data.Length / known : d)]);
    }

    /// <summary>Elements <paramref name="start"/> … start + length − 1 along <paramref name="dim"/> (negative: from the end).</summary>
    public Nd Narrow(int dim, int start, int length)
    {
        dim = Naive.Axis(dim, Shape.Length);
        if (start < 0) start += Shape[dim];
        var shape = TensorGen.With(Shape, dim, length);
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            var c = Naive.Coords(i, shape);
            c[dim] += start;
            data[i] = Data[Naive.Flat(c, Shape)];
        }
        return new(data, shape);
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, that dim removed.</summary>
    public Nd Select(int dim, int index)
    {
        dim = Naive.Axis(dim, Shape.Length);
        return Narrow(dim, index, 1).Reshape([.. Shape.Where((_, d) => d != dim)]);
    }

    /// <summary>The element at coordinates <paramref name="c"/>.</summary>
    public double this[params int[] c] => Data[Naive.Flat(c, Shape)];
}
