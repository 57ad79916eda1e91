using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Reductions. Sum is the primitive (its derivative expands the gradient back); mean, var, max, min
// and logsumexp are composites of sum, gather and elementwise ops.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo SumOp = new("Sum", Saved.None, "∂(Σᵢ xᵢ)/∂xⱼ = 1: g expanded back over the summed dims");

    /// <summary>Σ of all elements, as a 0-dimensional tensor. ∂/∂xᵢ = 1.</summary>
    public Tensor<T> Sum() => Rank == 0 ? this : Sum([.. Enumerable.Range(0, Rank)], false);

    /// <summary>Σ along <paramref name="dim"/>; with <paramref name="keepDim"/> the reduced dim stays with size 1.</summary>
    public Tensor<T> Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Σ over several dims at once.</summary>
    public Tensor<T> Sum(int[] dims, bool keepDim = false)
    {
        var reduce = NormalizeDims("Sum", dims);
        var keptShape = (int[])Dims.Clone();
        foreach (int d in reduce) keptShape[d] = 1;
        var src = IsContiguous ? this : ContiguousCopy();
        var sum = Buffers.Rent<T>(clear: false, length: Shapes.Size(keptShape));
        Reduce.SumDims(src.Storage, src.Offset, Dims, reduce, sum);
        var outShape = keepDim ? keptShape : DropDims(reduce);
        var result = new Tensor<T>(sum, outShape);
        return Graph.Record(result, SumOp, this, (g, _, x) => [g.Reshape(keptShape).Expand(x[0].Dims)]);
    }

    /// <summary>Arithmetic mean of all elements.</summary>
    public Tensor<T> Mean() => Sum() / T.CreateChecked(Math.Max(NumElements, 1));

    /// <summary>Mean along <paramref name="dim"/>.</summary>
    public Tensor<T> Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>Mean over several dims.</summary>
    public Tensor<T> Mean(int[] dims, bool keepDim = false)
    {
        int count = 1;
        foreach (int d in NormalizeDims("Mean", dims)) count *= Dims[d];
        return Sum(dims, keepDim) / T.CreateChecked(Math.Max(count, 1));
    }

    /// <summary>Unbiased variance Σ(x − mean)²/(n − 1) of all elements (PyTorch's default; other corrections via the dims overload).</summary>
    public Tensor<T> Var() => Flatten().Var([0], false, 1);

    /// <summary>Variance along <paramref name="dim"/>.</summary>
    public Tensor<T> Var(int dim, bool keepDim = false, int correction = 1) => Var([dim], keepDim, correction);

    /// <summary>Variance over several dims: Σ(x − mean)²/(n − correction).</summary>
    public Tensor<T> Var(int[] dims, bool keepDim = false, int correction = 1)
    {
        int count = 1;
        foreach (int d in NormalizeDims("Var", dims)) count *= Dims[d];
        var centered = this - Mean(dims, keepDim: true);
        return (centered * centered).Sum(dims, keepDim) / T.CreateChecked(Math.Max(count - correction, 0));
    }

    /// <summary>Standard deviation √Var along <paramref name="dim"/>.</summary>
    public Tensor<T> Std(int dim, bool keepDim = false, int correction = 1) => Var(dim, keepDim, correction).Sqrt();

    /// <summary>Unbiased standard deviation of all elements.</summary>
    public Tensor<T> Std() => Var().Sqrt();

    /// <summary>Largest element. The gradient flows to the (first) maximal element.</summary>
    public Tensor<T> Max() => Flatten().Max(0);

    /// <summary>Smallest element.</summary>
    public Tensor<T> Min() => Flatten().Min(0);

    /// <summary>Maximum along <paramref name="dim"/>, as x.Gather(dim, argmax): the gradient flows to the argmax positions.</summary>
    public Tensor<T> Max(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: true);

    /// <summary>Minimum along <paramref name="dim"/>, as x.Gather(dim, argmin).</summary>
    public Tensor<T> Min(int dim, bool keepDim = false) => Extreme(dim, keepDim, max: false);

    private Tensor<T> Extreme(int dim, bool keepDim, bool max)
    {
        int d = Shapes.NormalizeDim(max ? "Max" : "Min", dim, Rank);
        if (Dims[d] == 0) throw new ArgumentException($"{(max ? "Max" : "Min")}: dim {d} has size 0 (shape {Shapes.Format(Dims)})");
        var values = Gather(d, ArgExtreme(d, keepDim: true, max));
        return keepDim ? values : values.Squeeze(d);
    }

    /// <summary>log Σ exp(x) along <paramref name="dim"/>, computed stably as m + log Σ exp(x − m) with m the (constant) max.</summary>
    public Tensor<T> LogSumExp(int dim, bool keepDim = false)
    {
        int d = Shapes.NormalizeDim("LogSumExp", dim, Rank);
        Tensor<T> m;
        using (Tensor.NoGrad())
        {
            m = Max(d, keepDim: true);
            // All −∞ (or +∞) rows would give ∞ − ∞; shifting by 0 there keeps the answer exact.
            m = Tensor.Where(m.Abs().Eq(T.PositiveInfinity), Tensor.Scalar(T.Zero), m);
        }
        var result = (this - m).Exp().Sum(d, keepDim: true).Log() + m;
        return keepDim ? result : result.Squeeze(d);
    }

    /// <summary>log Σ exp(x) over all elements.</summary>
    public Tensor<T> LogSumExp() => Flatten().LogSumExp(0);

    internal int[] NormalizeDims(string op, int[] dims)
    {
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = Shapes.NormalizeDim(op, dims[i], Rank);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
            if (result[i] == result[i - 1]) throw new ArgumentException($"{op}: dim {result[i]} appears twice in [{string.Join(", ", dims)}]");
        return result;
    }

    private int[] DropDims(int[] sortedDims)
    {
        var shape = new int[Rank - sortedDims.Length];
        for (int i = 0, j = 0; i < Rank; i++)
            if (Array.BinarySearch(sortedDims, i) < 0) shape[j++] = Dims[i];
        return shape;
    }
}
