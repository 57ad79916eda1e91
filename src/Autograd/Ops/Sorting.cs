using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Sorting. The values are x gathered at the sorted positions, recorded through the gather primitive, so their
// derivative is the scatter-add of g back to those positions; the indices are an IndexTensor and carry no gradient.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo SortOp = new("Sort", Saved.None, "∂sort(x)ⱼ/∂x_{indices[j]} = 1: g scatter-added to the sorted positions");
    private static readonly OpInfo TopKOp = new("TopK", Saved.None, "∂topk(x)ⱼ/∂x_{indices[j]} = 1: g scatter-added to the k selected positions, 0 elsewhere");

    /// <summary>
    /// Sorts along <paramref name="dim"/> (torch.sort with stable = true): Values[…, j, …] = x[…, Indices[…, j, …], …],
    /// ascending unless <paramref name="descending"/>; equal elements keep their original order; NaN sorts as the
    /// largest. Indices are typed positions (no gradient). ∂Values/∂x scatter-adds g to Indices.
    /// </summary>
    public (Tensor<T> Values, IndexTensor Indices) Sort(int dim = -1, bool descending = false)
    {
        if (Rank == 0)
        {
            Shapes.NormalizeDim("Sort", dim, 1);
            var (v, i) = Reshape(1).Sort(0, descending);
            return (v.Reshape([]), i.Reshape([]));
        }
        int d = Shapes.NormalizeDim("Sort", dim, Rank);
        return SortedPrefix(SortOp, d, Dims[d], descending);
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or smallest, when not <paramref name="largest"/>) elements along
    /// <paramref name="dim"/> and their positions (torch.topk): Values[…, j, …] = x[…, Indices[…, j, …], …]. The k
    /// elements always come in sorted order (largest first when <paramref name="largest"/>), which also satisfies
    /// <paramref name="sorted"/> = false; among equal elements the earlier one comes first. Indices require no
    /// gradient. ∂Values/∂x scatter-adds g to the k selected positions; every other position gets 0.
    /// </summary>
    public (Tensor<T> Values, IndexTensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        _ = sorted; // the kernel always sorts, a valid answer for both.
        if (Rank == 0)
        {
            Shapes.NormalizeDim("TopK", dim, 1);
            if (k < 0 || k > 1)
                throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is out of range for a 0-dimensional tensor (k must be 0 or 1)");
            var (v, i) = Reshape(1).TopK(k, 0, largest);
            return k == 1 ? (v.Reshape([]), i.Reshape([])) : (v, i);
        }
        int d = Shapes.NormalizeDim("TopK", dim, Rank);
        if (k < 0 || k > Dims[d])
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is out of range for dim {d} of size {Dims[d]} (shape {Shapes.Format(Dims)})");
        return SortedPrefix(TopKOp, d, k, descending: largest);
    }

    /// <summary>
    /// The positions that sort each lane along <paramref name="dim"/> (torch.argsort with stable = true):
    /// x[…, result[…, j, …], …] is ascending in j (descending when <paramref name="descending"/>); ties keep their
    /// original order and NaN sorts as the largest. Positions are not differentiable.
    /// </summary>
    public IndexTensor Argsort(int dim = -1, bool descending = false)
    {
        if (Rank == 0)
        {
            Shapes.NormalizeDim("Argsort", dim, 1);
            return IndexTensor.Own([0], []);
        }
        int d = Shapes.NormalizeDim("Argsort", dim, Rank);
        return SortedPositions(d, Dims[d], descending);
    }

    /// <summary>The first k elements of each lane along d in stable sorted order, gathered (and recorded) as op.</summary>
    private (Tensor<T> Values, IndexTensor Indices) SortedPrefix(OpInfo op, int d, int k, bool descending)
    {
        var indices = SortedPositions(d, k, descending);
        var offsets = Kernels.Gather.AlongDim(indices.Dims, Shapes.ContiguousStrides(Dims), d, indices.Values);
        return (GatherRuns(op, offsets, 1, (int[])indices.Dims.Clone()), indices);
    }

    /// <summary>The positions of the first k elements of each lane along d in stable sorted order.</summary>
    private IndexTensor SortedPositions(int d, int k, bool descending)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        var positions = new int[outer * k * inner];
        Kernels.Sort.Lanes(src.Storage, src.Offset, outer, n, inner, k, descending, positions);
        var shape = (int[])Dims.Clone();
        shape[d] = k;
        return IndexTensor.Own(positions, shape);
    }
}
