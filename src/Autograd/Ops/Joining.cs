using System.Numerics;
using Autograd.Engine;

namespace Autograd;

public static partial class Tensor
{
    private static readonly OpInfo ConcatOp = new("Concat", Saved.None, "∂cat(x₀, x₁, …)/∂xₖ = 1 on xₖ's slice: gₖ = g narrowed to xₖ's place along dim");

    /// <summary>Joins tensors along an existing dim; all other dims must match. The derivative narrows the gradient back into pieces.</summary>
    public static Tensor<T> Concat<T>(IReadOnlyList<Tensor<T>> tensors, int dim = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tensors.Count == 0) throw new ArgumentException("Concat: no tensors given");
        var first = tensors[0];
        int d = Shapes.NormalizeDim("Concat", dim, first.Rank);
        int total = 0;
        foreach (var t in tensors)
        {
            bool same = t.Rank == first.Rank;
            for (int i = 0; same && i < t.Rank; i++) same = i == d || t.Dims[i] == first.Dims[i];
            if (!same)
                throw new ArgumentException($"Concat: shapes {Shapes.Format(first.Dims)} and {Shapes.Format(t.Dims)} differ outside dim {d}");
            total += t.Dims[d];
        }
        var shape = (int[])first.Dims.Clone();
        shape[d] = total;
        var result = Tensor<T>.Rented(shape, clear: false); // every element is written below
        var sizes = new int[tensors.Count];
        using (NoGrad())
        {
            int offset = 0;
            for (int k = 0; k < tensors.Count; k++)
            {
                sizes[k] = tensors[k].Dims[d];
                result.Narrow(d, offset, sizes[k]).CopyStrided(tensors[k]);
                offset += sizes[k];
            }
        }
        return Graph.Record(result, ConcatOp, [.. tensors], (g, _, x) =>
        {
            var grads = new Tensor<T>?[x.Length];
            for (int k = 0, offset = 0; k < x.Length; offset += sizes[k], k++)
                if (x[k].RequiresGrad) grads[k] = g.Narrow(d, offset, sizes[k]);
            return grads;
        });
    }

    /// <summary>Joins equally shaped tensors along a new dim.</summary>
    public static Tensor<T> Stack<T>(IReadOnlyList<Tensor<T>> tensors, int dim = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tensors.Count == 0) throw new ArgumentException("Stack: no tensors given");
        var first = tensors[0];
        foreach (var t in tensors)
            if (!Shapes.Equal(t.Dims, first.Dims))
                throw new ArgumentException($"Stack: all tensors must have the same shape, got {Shapes.Format(first.Dims)} and {Shapes.Format(t.Dims)}");
        int d = Shapes.NormalizeDim("Stack", dim, first.Rank + 1);
        return Concat([.. tensors.Select(t => t.Unsqueeze(d))], d);
    }
}

public sealed partial class Tensor<T>
{
    /// <summary>Splits along <paramref name="dim"/> into pieces of <paramref name="splitSize"/> (the last may be smaller); views.</summary>
    public Tensor<T>[] Split(int splitSize, int dim = 0)
    {
        int d = Shapes.NormalizeDim("Split", dim, Rank);
        if (splitSize <= 0) throw new ArgumentException($"Split: split size must be positive, got {splitSize}");
        var sizes = new List<int>();
        for (int start = 0; start < Dims[d]; start += splitSize) sizes.Add(Math.Min(splitSize, Dims[d] - start));
        return Split([.. sizes], d);
    }

    /// <summary>Splits along <paramref name="dim"/> into pieces of the given sizes, which must add up to the dim's size.</summary>
    public Tensor<T>[] Split(int[] sizes, int dim = 0)
    {
        int d = Shapes.NormalizeDim("Split", dim, Rank);
        if (sizes.Sum() != Dims[d] || sizes.Any(s => s < 0))
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] do not add up to dim {d} of size {Dims[d]}");
        var parts = new Tensor<T>[sizes.Length];
        for (int k = 0, start = 0; k < sizes.Length; start += sizes[k], k++) parts[k] = Narrow(d, start, sizes[k]);
        return parts;
    }

    /// <summary>Splits into <paramref name="chunks"/> nearly equal pieces along <paramref name="dim"/>.</summary>
    public Tensor<T>[] Chunk(int chunks, int dim = 0)
    {
        int d = Shapes.NormalizeDim("Chunk", dim, Rank);
        if (chunks <= 0) throw new ArgumentException($"Chunk: chunk count must be positive, got {chunks}");
        return Split(Math.Max(1, (Dims[d] + chunks - 1) / chunks), d);
    }
}
