using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Gather/scatter-add and index-select/index-add: each pair are each other's adjoints,
// so every derivative here is written with the other op of its pair.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// out[i][j][k] = x[i][index[i][j][k]][k] for dim = 1 (likewise for any dim); index holds whole numbers.
    /// ∂/∂x = zeros.ScatterAdd(dim, index, g).
    /// </summary>
    public Tensor<T> Gather(int dim, Tensor<T> index)
    {
        int d = Shapes.NormalizeDim("Gather", dim, Rank);
        var idx = ReadIndex("Gather", d, index, checkOtherDims: true);
        var outShape = (int[])index.Dims.Clone();
        var result = Buffers.Rent<T>(idx.Length);
        var walk = new IndexWalk(outShape);
        for (int p = 0; p < idx.Length; p++)
        {
            result[p] = Storage[Offset + walk.OffsetWith(Strides, d, idx[p])];
            walk.Next();
        }
        var y = new Tensor<T>(result, outShape);
        return Graph.Record(y, "Gather", this, (g, _, x) => [Tensor.ZerosLike(x[0]).ScatterAdd(d, index, g)]);
    }

    /// <summary>
    /// A copy of this tensor with src added at the index positions: out[i][index[i][j][k]][k] += src[i][j][k] (dim = 1).
    /// ∂/∂self = g, ∂/∂src = g.Gather(dim, index).
    /// </summary>
    public Tensor<T> ScatterAdd(int dim, Tensor<T> index, Tensor<T> source)
    {
        int d = Shapes.NormalizeDim("ScatterAdd", dim, Rank);
        if (!Shapes.Equal(index.Dims, source.Dims))
            throw new ArgumentException($"ScatterAdd: index shape {Shapes.Format(index.Dims)} must equal source shape {Shapes.Format(source.Dims)}");
        var idx = ReadIndex("ScatterAdd", d, index, checkOtherDims: true);
        var result = Buffers.Rent<T>(NumElements, clear: false);
        Strided.CopyTo<T>(Storage, Layout, result);
        var strides = Shapes.ContiguousStrides(Dims);
        ReadOnlySpan<T> src = source.IsContiguous ? source.Storage.AsSpan(source.Offset, source.NumElements) : source.ToArray();
        var walk = new IndexWalk(index.Dims);
        for (int p = 0; p < idx.Length; p++)
        {
            result[walk.OffsetWith(strides, d, idx[p])] += src[p];
            walk.Next();
        }
        var y = new Tensor<T>(result, (int[])Dims.Clone());
        return Graph.Record(y, "ScatterAdd", this, source, (g, _, x) =>
            [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? g.Gather(d, index) : null]);
    }

    /// <summary>Selects the slices <paramref name="indices"/> along <paramref name="dim"/>. ∂/∂x = zeros.IndexAdd(dim, indices, g).</summary>
    public Tensor<T> IndexSelect(int dim, int[] indices)
    {
        int d = Shapes.NormalizeDim("IndexSelect", dim, Rank);
        CheckIndices("IndexSelect", d, indices);
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        var shape = (int[])Dims.Clone();
        shape[d] = indices.Length;
        var result = Buffers.Rent<T>(outer * indices.Length * inner);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
                src.Storage.AsSpan(src.Offset + (o * n + indices[j]) * inner, inner)
                    .CopyTo(result.AsSpan((o * indices.Length + j) * inner, inner));
        var y = new Tensor<T>(result, shape);
        return Graph.Record(y, "IndexSelect", this, (g, _, x) => [Tensor.ZerosLike(x[0]).IndexAdd(d, indices, g)]);
    }

    /// <summary>A copy with source slice j added to slice indices[j] along <paramref name="dim"/>. ∂/∂src = g.IndexSelect(dim, indices).</summary>
    public Tensor<T> IndexAdd(int dim, int[] indices, Tensor<T> source)
    {
        int d = Shapes.NormalizeDim("IndexAdd", dim, Rank);
        CheckIndices("IndexAdd", d, indices);
        var expected = (int[])Dims.Clone();
        expected[d] = indices.Length;
        if (!Shapes.Equal(expected, source.Dims))
            throw new ArgumentException($"IndexAdd: source shape {Shapes.Format(source.Dims)} should be {Shapes.Format(expected)} for {indices.Length} indices into shape {Shapes.Format(Dims)}");
        var result = ToArray();
        var src = source.ToArray();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++)
            {
                var dst = result.AsSpan((o * n + indices[j]) * inner, inner);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, src.AsSpan((o * indices.Length + j) * inner, inner), dst);
            }
        var y = new Tensor<T>(result, (int[])Dims.Clone());
        return Graph.Record(y, "IndexAdd", this, source, (g, _, x) =>
            [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? g.IndexSelect(d, indices) : null]);
    }

    private void CheckIndices(string op, int d, int[] indices)
    {
        foreach (int i in indices)
            if (i < 0 || i >= Dims[d])
                throw new ArgumentOutOfRangeException(nameof(indices), $"{op}: index {i} is out of range for dim {d} of size {Dims[d]} (shape {Shapes.Format(Dims)})");
    }

    /// <summary>Reads an index tensor as ints, checking rank, sizes and that every value is a whole number in range.</summary>
    private int[] ReadIndex(string op, int d, Tensor<T> index, bool checkOtherDims)
    {
        if (index.Rank != Rank)
            throw new ArgumentException($"{op}: index has rank {index.Rank} (shape {Shapes.Format(index.Dims)}) but the input has rank {Rank} (shape {Shapes.Format(Dims)})");
        if (checkOtherDims)
            for (int i = 0; i < Rank; i++)
                if (i != d && index.Dims[i] > Dims[i])
                    throw new ArgumentException($"{op}: index shape {Shapes.Format(index.Dims)} exceeds input shape {Shapes.Format(Dims)} in dim {i}");
        var values = index.ToArray();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            T v = values[i];
            if (!T.IsInteger(v) || v < T.Zero || v >= T.CreateChecked(Dims[d]))
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index value {v} is not a valid position in dim {d} of size {Dims[d]}");
            result[i] = int.CreateChecked(v);
        }
        return result;
    }

    /// <summary>Row-major odometer over a shape that computes storage offsets with one dim's coordinate replaced.</summary>
    private struct IndexWalk(int[] shape)
    {
        private readonly int[] _index = new int[shape.Length];

        public readonly int OffsetWith(int[] strides, int dim, int replacement)
        {
            int offset = 0;
            for (int i = 0; i < _index.Length; i++) offset += (i == dim ? replacement : _index[i]) * strides[i];
            return offset;
        }

        public void Next()
        {
            for (int i = _index.Length - 1; i >= 0; i--)
            {
                if (++_index[i] < shape[i]) return;
                _index[i] = 0;
            }
        }
    }
}
