using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// The one gather and the one scatter-add behind Gather, IndexSelect, max pooling and their adjoints: runs of
/// <c>run</c> consecutive elements at flat offsets. Gather reads y[j·run + r] = x[offset + index[j] + r]; scatter-add
/// writes y[index[j] + r] += src[j·run + r], in increasing j, so repeated offsets accumulate in a fixed order.
/// </summary>
internal static class Gather
{
    /// <summary>y[j·run + r] = x[offset + index[j] + r] for every j and r &lt; run, in parallel chunks when large.</summary>
    public static void Runs<T>(T[] x, int offset, int[] index, int run, T[] y) where T : unmanaged
    {
        if (run == 1)
        {
            Chunks.For(index.Length, Chunks.Grain, (s, e) =>
            {
                for (int j = s; j < e; j++) y[j] = x[offset + index[j]];
            });
            return;
        }
        Chunks.ForItems(index.Length, run, (s, e) =>
        {
            for (int j = s; j < e; j++) x.AsSpan(offset + index[j], run).CopyTo(y.AsSpan(j * run, run));
        });
    }

    /// <summary>
    /// y[index[j] + r] += src[j·run + r] for every j (in increasing order) and r &lt; run. With
    /// <paramref name="blocks"/> &gt; 1 the caller promises that the j of block b (index.Length / blocks each) write only
    /// the b-th block of y (y.Length / blocks elements): blocks are then zeroed and scattered in parallel, when
    /// <paramref name="clear"/>, each by the thread that scatters into it. Otherwise y is zeroed first when
    /// <paramref name="clear"/> and the scatter runs serially.
    /// </summary>
    public static void ScatterAddRuns<T>(T[] src, int srcOffset, int[] index, int run, T[] y, bool clear, int blocks = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int per = blocks > 1 ? index.Length / blocks : index.Length, owned = blocks > 1 ? y.Length / blocks : y.Length;
        if (blocks <= 1 || per * blocks != index.Length || owned * blocks != y.Length)
        {
            if (clear) Array.Clear(y);
            AddRange(src, srcOffset, index, run, y, 0, index.Length);
            return;
        }
        // Block b writes only the b-th block of y, so each block is zeroed by the thread that scatters into it; within a
        // block the order is the serial one, so results are deterministic.
        Chunks.ForItems(blocks, 2L * per * run + owned, (b0, b1) =>
        {
            if (clear) y.AsSpan(b0 * owned, (b1 - b0) * owned).Clear();
            AddRange(src, srcOffset, index, run, y, b0 * per, b1 * per);
        });
    }

    private static void AddRange<T>(T[] src, int srcOffset, int[] index, int run, T[] y, int j0, int j1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (run == 1)
        {
            for (int j = j0; j < j1; j++) y[index[j]] += src[srcOffset + j];
            return;
        }
        for (int j = j0; j < j1; j++)
        {
            var d = y.AsSpan(index[j], run);
            TensorPrimitives.Add(d, src.AsSpan(srcOffset + j * run, run), d);
        }
    }

    /// <summary>
    /// Flat offsets, in a row-major array of strides <paramref name="strides"/>, of the
    /// positions an index tensor of <paramref name="indexShape"/> names along <paramref name="dim"/>: offset[p] is the
    /// offset of index position p with its coordinate in dim replaced by values[p] (torch.gather's addressing).
    /// </summary>
    public static int[] AlongDim(int[] indexShape, int[] strides, int dim, int[] values)
    {
        var offsets = new int[values.Length];
        var at = new int[indexShape.Length];
        for (int p = 0; p < values.Length; p++)
        {
            int offset = 0;
            for (int i = 0; i < at.Length; i++) offset += (i == dim ? values[p] : at[i]) * strides[i];
            offsets[p] = offset;
            for (int i = at.Length - 1; i >= 0; i--)
            {
                if (++at[i] < indexShape[i]) break;
                at[i] = 0;
            }
        }
        return offsets;
    }

    /// <summary>Flat offsets of the slices <paramref name="indices"/> of a row-major [outer, n, inner] array, slice j of
    /// outer block o at position o·|indices| + j (each a run of inner elements): offset = (o·n + indices[j])·inner.</summary>
    public static int[] Slices(int outer, int n, int inner, int[] indices)
    {
        var offsets = new int[outer * indices.Length];
        for (int o = 0, p = 0; o < outer; o++)
            for (int j = 0; j < indices.Length; j++) offsets[p++] = (o * n + indices[j]) * inner;
        return offsets;
    }
}
