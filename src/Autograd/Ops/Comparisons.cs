using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Comparisons and arg-reductions: piecewise constant, so they record nothing and return
// masks (1 where true, 0 where false) or indices stored as whole numbers in T.
public sealed partial class Tensor<T>
{
    /// <summary>Mask of a == b (broadcasting). Not differentiable.</summary>
    public Tensor<T> Eq(Tensor<T> other) => Compare("Eq", other, Comparison.Equal);
    /// <summary>Mask of a ≠ b.</summary>
    public Tensor<T> Ne(Tensor<T> other) => Compare("Ne", other, Comparison.NotEqual);
    /// <summary>Mask of a &gt; b.</summary>
    public Tensor<T> Gt(Tensor<T> other) => Compare("Gt", other, Comparison.Greater);
    /// <summary>Mask of a ≥ b.</summary>
    public Tensor<T> Ge(Tensor<T> other) => Compare("Ge", other, Comparison.GreaterOrEqual);
    /// <summary>Mask of a &lt; b.</summary>
    public Tensor<T> Lt(Tensor<T> other) => Compare("Lt", other, Comparison.Less);
    /// <summary>Mask of a ≤ b.</summary>
    public Tensor<T> Le(Tensor<T> other) => Compare("Le", other, Comparison.LessOrEqual);

    /// <summary>Mask of a == s.</summary>
    public Tensor<T> Eq(T value) => Eq(Tensor.Scalar(value));
    /// <summary>Mask of a ≠ s.</summary>
    public Tensor<T> Ne(T value) => Ne(Tensor.Scalar(value));
    /// <summary>Mask of a &gt; s.</summary>
    public Tensor<T> Gt(T value) => Gt(Tensor.Scalar(value));
    /// <summary>Mask of a ≥ s.</summary>
    public Tensor<T> Ge(T value) => Ge(Tensor.Scalar(value));
    /// <summary>Mask of a &lt; s.</summary>
    public Tensor<T> Lt(T value) => Lt(Tensor.Scalar(value));
    /// <summary>Mask of a ≤ s.</summary>
    public Tensor<T> Le(T value) => Le(Tensor.Scalar(value));

    private Tensor<T> Compare(string op, Tensor<T> other, Comparison kind) =>
        ApplyBinary(op, this, other, new CompareKernel<T>(kind));

    /// <summary>Index of the largest element along <paramref name="dim"/> (first on ties), as whole numbers in T.</summary>
    public Tensor<T> Argmax(int dim, bool keepDim = false) => ArgExtreme(Shapes.NormalizeDim("Argmax", dim, Rank), keepDim, max: true);

    /// <summary>Index of the smallest element along <paramref name="dim"/>.</summary>
    public Tensor<T> Argmin(int dim, bool keepDim = false) => ArgExtreme(Shapes.NormalizeDim("Argmin", dim, Rank), keepDim, max: false);

    /// <summary>Flat row-major index of the largest element.</summary>
    public Tensor<T> Argmax() => Flatten().Argmax(0);

    /// <summary>Row-major argmax along <paramref name="dim"/> as plain integers (e.g. predicted classes).</summary>
    public int[] ArgmaxIndices(int dim)
    {
        int d = Shapes.NormalizeDim("Argmax", dim, Rank);
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        if (n == 0) throw new ArgumentException($"Argmax: dim {d} has size 0 (shape {Shapes.Format(Dims)})");
        var result = new int[outer * inner];
        Reduce.ArgExtreme<T>(src.Storage.AsSpan(src.Offset, outer * n * inner), outer, n, inner, true, result);
        return result;
    }

    private Tensor<T> ArgExtreme(int d, bool keepDim, bool max)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        if (n == 0) throw new ArgumentException($"{(max ? "Argmax" : "Argmin")}: dim {d} has size 0 (shape {Shapes.Format(Dims)})");
        var data = Buffers.Rent<T>(outer * inner, clear: false);
        Reduce.ArgExtreme<T>(src.Storage.AsSpan(src.Offset, outer * n * inner), outer, n, inner, max, data);
        var shape = (int[])Dims.Clone();
        shape[d] = 1;
        var result = new Tensor<T>(data, shape);
        return keepDim ? result : result.Squeeze(d);
    }
}

public static partial class Tensor
{
    private static readonly OpInfo WhereOp = new("Where", Saved.None, "∂where(c, a, b)/∂a = 1 where c", "∂where(c, a, b)/∂b = 1 where not c");

    /// <summary>
    /// Elementwise select: <paramref name="a"/> where <paramref name="mask"/> ≠ 0, else <paramref name="b"/>, all three broadcast.
    /// ∂/∂a = mask, ∂/∂b = 1 − mask; the mask gets no gradient.
    /// </summary>
    public static Tensor<T> Where<T>(Tensor<T> mask, Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = Shapes.Broadcast("Where", Shapes.Broadcast("Where", mask.Dims, a.Dims), b.Dims);
        int n = Shapes.Size(shape);
        T[] m = Broadcast(mask, shape, n), va = Broadcast(a, shape, n), vb = Broadcast(b, shape, n);
        var result = Buffers.Rent<T>(n, clear: false);
        Kernels.Fused.Select<T>(m, va, vb, result);
        foreach (var t in (ReadOnlySpan<T[]>)[m, va, vb]) Kernels.Scratch.Return(t);
        var y = new Tensor<T>(result, shape);
        if (!Graph.ShouldRecord(a, b)) return y;
        var zero = Scalar(T.Zero);
        return Graph.Record(y, WhereOp, a, b, (g, _, x) =>
            [x[0].RequiresGrad ? Where(mask, g, zero) : null, x[1].RequiresGrad ? Where(mask, zero, g) : null]);
    }

    /// <summary>Where with a scalar on the false branch.</summary>
    public static Tensor<T> Where<T>(Tensor<T> mask, Tensor<T> a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Where(mask, a, Scalar(b));

    private static T[] Broadcast<T>(Tensor<T> t, int[] shape, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = Kernels.Scratch.Rent<T>(n);
        Kernels.Strided.CopyTo<T>(t.Storage, t.Layout.BroadcastTo(shape), values);
        return values;
    }
}
