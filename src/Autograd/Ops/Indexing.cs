using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Gather/scatter-add and index-select/index-add, all on one gather primitive (runs at flat offsets) and one scatter-add
// primitive, each the other's adjoint, so every derivative here is written with the other primitive.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo GatherOp = new("Gather", Saved.None, "∂gather(x, dim, index)/∂x = scatter-add of g to index");
    private static readonly OpInfo ScatterAddOp = new("ScatterAdd", Saved.None, "∂scatteradd(x, dim, index, s)/∂x = 1", "∂scatteradd(x, dim, index, s)/∂s = gather(g, dim, index)");
    private static readonly OpInfo IndexSelectOp = new("IndexSelect", Saved.None, "∂indexselect(x, dim, i)/∂x = index-add of g at i");
    private static readonly OpInfo ScatterAddIntoZerosOp = new("ScatterAdd", Saved.None, "∂(zeros with s added at index)/∂s = g gathered at index");
    private static readonly OpInfo IndexAddOp = new("IndexAdd", Saved.None, "∂indexadd(x, dim, i, s)/∂x = 1", "∂indexadd(x, dim, i, s)/∂s = indexselect(g, dim, i)");

    /// <summary>
    /// out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (likewise for any dim), as torch.gather; index has the input's
    /// rank and sizes ≤ the input's outside <paramref name="dim"/>. ∂/∂x = zeros.ScatterAdd(dim, index, g).
    /// </summary>
    public Tensor<T> Gather(int dim, IndexTensor index)
    {
        int d = Shapes.NormalizeDim("Gather", dim, Rank);
        CheckIndexTensor("Gather", d, index);
        var offsets = Kernels.Gather.AlongDim(index.Dims, Shapes.ContiguousStrides(Dims), d, index.Values);
        return GatherRuns(GatherOp, offsets, 1, (int[])index.Dims.Clone());
    }

    /// <summary>Gather with positions given as whole numbers in T (the older form of <see cref="Gather(int, IndexTensor)"/>).</summary>
    public Tensor<T> Gather(int dim, Tensor<T> index) => Gather(dim, IndexTensor.FromTensor("Gather", index));

    /// <summary>
    /// A copy of this tensor with src added at the index positions: out[i][index[i][j][k]][k] += src[i][j][k] (dim = 1),
    /// as torch.scatter_add. ∂/∂self = g, ∂/∂src = g.Gather(dim, index).
    /// </summary>
    public Tensor<T> ScatterAdd(int dim, IndexTensor index, Tensor<T> source)
    {
        int d = Shapes.NormalizeDim("ScatterAdd", dim, Rank);
        if (!Shapes.Equal(index.Dims, source.Dims))
            throw new ArgumentException($"ScatterAdd: index shape {Shapes.Format(index.Dims)} must equal source shape {Shapes.Format(source.Dims)}");
        CheckIndexTensor("ScatterAdd", d, index);
        var offsets = Kernels.Gather.AlongDim(index.Dims, Shapes.ContiguousStrides(Dims), d, index.Values);
        return ScatterAddRuns(ScatterAddOp, this, source, offsets, 1, Dims);
    }

    /// <summary>ScatterAdd with positions given as whole numbers in T (the older form of <see cref="ScatterAdd(int, IndexTensor, Tensor{T})"/>).</summary>
    public Tensor<T> ScatterAdd(int dim, Tensor<T> index, Tensor<T> source) => ScatterAdd(dim, IndexTensor.FromTensor("ScatterAdd", index), source);

    /// <summary>Selects the slices <paramref name="indices"/> along <paramref name="dim"/>. ∂/∂x = zeros.IndexAdd(dim, indices, g).</summary>
    public Tensor<T> IndexSelect(int dim, int[] indices)
    {
        int d = Shapes.NormalizeDim("IndexSelect", dim, Rank);
        CheckIndices("IndexSelect", d, indices);
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        var shape = (int[])Dims.Clone();
        shape[d] = indices.Length;
        return GatherRuns(IndexSelectOp, Kernels.Gather.Slices(outer, n, inner, indices), inner, shape);
    }

    /// <summary>Selects the slices of a 1-D <paramref name="indices"/> along <paramref name="dim"/> (torch.index_select).</summary>
    public Tensor<T> IndexSelect(int dim, IndexTensor indices) => IndexSelect(dim, OneDim("IndexSelect", indices));

    /// <summary>A copy with source slice j added to slice indices[j] along <paramref name="dim"/>. ∂/∂src = g.IndexSelect(dim, indices).</summary>
    public Tensor<T> IndexAdd(int dim, int[] indices, Tensor<T> source)
    {
        int d = Shapes.NormalizeDim("IndexAdd", dim, Rank);
        CheckIndices("IndexAdd", d, indices);
        var expected = (int[])Dims.Clone();
        expected[d] = indices.Length;
        if (!Shapes.Equal(expected, source.Dims))
            throw new ArgumentException($"IndexAdd: source shape {Shapes.Format(source.Dims)} should be {Shapes.Format(expected)} for {indices.Length} indices into shape {Shapes.Format(Dims)}");
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        return ScatterAddRuns(IndexAddOp, this, source, Kernels.Gather.Slices(outer, n, inner, indices), inner, Dims);
    }

    /// <summary>IndexAdd with a 1-D <paramref name="indices"/> (torch.index_add).</summary>
    public Tensor<T> IndexAdd(int dim, IndexTensor indices, Tensor<T> source) => IndexAdd(dim, OneDim("IndexAdd", indices), source);

    /// <summary>
    /// The gather primitive: y[j·run + r] = x.flat[offsets[j] + r] (row-major x), shaped <paramref name="shape"/>.
    /// ∂/∂x = ScatterAddRuns(zeros, g): the adjoint scatters each run back. <paramref name="blocks"/> &gt; 1 promises that
    /// the runs of block b (of offsets.Length / blocks each) read only the b-th block of x, which lets the adjoint scatter
    /// run blocks in parallel.
    /// </summary>
    internal Tensor<T> GatherRuns(OpInfo op, int[] offsets, int run, int[] shape, int blocks = 1)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var y = Buffers.Rent<T>(clear: false, length: offsets.Length * run);
        Kernels.Gather.Runs(src.Storage, src.Offset, offsets, run, y);
        var result = new Tensor<T>(y, shape);
        return Graph.Record(result, op, this, (g, _, x) => [ScatterAddRuns(ScatterAddIntoZerosOp, null, g, offsets, run, x[0].Dims, blocks)]);
    }

    /// <summary>
    /// The scatter-add primitive: a copy of <paramref name="target"/> (zeros of <paramref name="shape"/> when null) with
    /// y.flat[offsets[j] + r] += source.flat[j·run + r], in increasing j. ∂/∂target = g, ∂/∂source = g.GatherRuns(offsets).
    /// With <paramref name="blocks"/> &gt; 1 (see <see cref="GatherRuns"/>) blocks are scattered in parallel.
    /// </summary>
    internal static Tensor<T> ScatterAddRuns(OpInfo op, Tensor<T>? target, Tensor<T> source, int[] offsets, int run, int[] shape, int blocks = 1)
    {
        var src = source.IsContiguous ? source : source.ContiguousCopy();
        var y = Buffers.Rent<T>(Shapes.Size(shape), clear: false);
        if (target is not null) Strided.CopyTo<T>(target.Storage, target.Layout, y);
        Kernels.Gather.ScatterAddRuns(src.Storage, src.Offset, offsets, run, y, clear: target is null, blocks);
        var result = new Tensor<T>(y, (int[])shape.Clone());
        var sourceShape = (int[])source.Dims.Clone();
        if (target is null)
            return Graph.Record(result, op, source, (g, _, _) => [g.GatherRuns(GatherOp, offsets, run, sourceShape, blocks)]);
        return Graph.Record(result, op, target, source, (g, _, x) =>
            [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? g.GatherRuns(GatherOp, offsets, run, sourceShape, blocks) : null]);
    }

    private void CheckIndices(string op, int d, int[] indices)
    {
        foreach (int i in indices)
            if (i < 0 || i >= Dims[d])
                throw new ArgumentOutOfRangeException(nameof(indices), $"{op}: index {i} is out of range for dim {d} of size {Dims[d]} (shape {Shapes.Format(Dims)})");
    }

    /// <summary>Checks an index tensor against this input: same rank, sizes ≤ the input's outside d, values in dim d's range.</summary>
    private void CheckIndexTensor(string op, int d, IndexTensor index)
    {
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index has rank {index.Rank} (shape {Shapes.Format(index.Dims)}) but the input has rank {Rank} (shape {Shapes.Format(Dims)})");
        for (int i = 0; i < Rank; i++)
            if (i != d && index.Dims[i] > Dims[i])
                throw new ArgumentException($"{op}: index shape {Shapes.Format(index.Dims)} exceeds input shape {Shapes.Format(Dims)} in dim {i}");
        index.CheckRange(op, d, Dims[d], Shape);
    }

    private static int[] OneDim(string op, IndexTensor indices) => indices.Rank == 1 ? indices.Values
        : throw new ArgumentException($"{op}: indices must be 1-D, got shape {Shapes.Format(indices.Dims)}");
}
