using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// View ops share storage with their input; each derivative maps the gradient back to the input's layout.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo ReshapeOp = new("Reshape", Saved.None, "∂reshape(x)/∂x = 1: g reshaped back");
    private static readonly OpInfo PermuteOp = new("Permute", Saved.None, "∂permute(x)/∂x = 1: g permuted back by the inverse permutation");
    private static readonly OpInfo ExpandOp = new("Expand", Saved.None, "∂expand(x)/∂x = 1: g summed over the expanded dims");
    private static readonly OpInfo NarrowOp = new("Narrow", Saved.None, "∂narrow(x)/∂x = 1 on the slice: g padded with zeros");
    private static readonly OpInfo PadNarrowOp = new("PadNarrow", Saved.None, "∂pad(x)/∂x = 1: g narrowed to x's slice");

    /// <summary>A tensor with the same elements in a new shape (one dim may be −1). A view when the input is contiguous, else a copy.</summary>
    public Tensor<T> Reshape(params int[] shape)
    {
        var target = Shapes.InferReshape("Reshape", Dims, shape);
        if (Shapes.Equal(target, Dims)) return this;
        var source = IsContiguous ? this : ContiguousCopy();
        return RecordedAsReshape(new Tensor<T>(source.Store, source.Offset, target, Shapes.ContiguousStrides(target)));
    }

    /// <summary>A view of this tensor's storage in <paramref name="shape"/> with <paramref name="strides"/>, recorded as a
    /// reshape (every view here keeps the elements in row-major order, so its gradient is g reshaped back).</summary>
    private Tensor<T> ViewAs(int[] shape, int[] strides) => RecordedAsReshape(new Tensor<T>(Store, Offset, shape, strides));

    /// <summary>Records <paramref name="result"/>, this tensor's elements in another shape, as a reshape of it.</summary>
    private Tensor<T> RecordedAsReshape(Tensor<T> result) =>
        Graph.Record(result, ReshapeOp, this, static (g, _, x) => [g.Reshape(x[0].Dims)]);

    /// <summary>
    /// The same elements in a new shape (one dim may be −1), always sharing this tensor's storage, as PyTorch's
    /// <c>view</c>: writing into the result writes this tensor. A strided tensor can be viewed in a new shape only where
    /// the new dims split or merge runs of dims that lie evenly in memory (a transposed matrix can split a dim, not be
    /// flattened); otherwise it throws, where <see cref="Reshape"/> would copy.
    /// </summary>
    /// <exception cref="InvalidOperationException">The shape cannot be laid over this tensor's strides.</exception>
    public Tensor<T> View(params int[] shape)
    {
        var target = Shapes.InferReshape("View", Dims, shape);
        if (IsContiguous || Shapes.Equal(target, Dims)) return Reshape(target);
        var strides = ViewStrides(target) ?? throw new InvalidOperationException(
            $"View: shape {Shapes.Format(target)} cannot be laid over a tensor of shape {Shapes.Format(Dims)} and strides " +
            $"{Shapes.Format(Strides)} without copying; use Reshape (which copies) or Contiguous() first");
        return ViewAs(target, strides);
    }

    /// <summary>
    /// Strides that lay <paramref name="target"/> over this tensor's elements in row-major order, or null when there are
    /// none. The dims are taken from the last, in runs that lie evenly in memory (each dim's stride the next one's times
    /// its size, size-1 dims ignored); every run of the old shape must be matched by whole new dims of the same element
    /// count, which then step through the run at its innermost stride.
    /// </summary>
    private int[]? ViewStrides(int[] target)
    {
        var strides = new int[target.Length];
        int t = target.Length - 1;
        long runElements = 1, viewElements = 1;
        int runStride = Strides[^1];
        for (int d = Rank - 1; d >= 0; d--)
        {
            runElements *= Dims[d];
            // The run ends at d when the dim before it does not continue it in memory.
            bool runEnds = d == 0 || (Dims[d - 1] != 1 && Strides[d - 1] != runElements * runStride);
            if (!runEnds) continue;
            while (t >= 0 && (viewElements < runElements || target[t] == 1))
            {
                strides[t] = (int)(viewElements * runStride);
                viewElements *= target[t];
                t--;
            }
            if (viewElements != runElements) return null;
            if (d > 0)
            {
                runStride = Strides[d - 1];
                runElements = 1;
                viewElements = 1;
            }
        }
        return t == -1 ? strides : null;
    }

    /// <summary>Collapses dims <paramref name="startDim"/>..<paramref name="endDim"/> into one.</summary>
    public Tensor<T> Flatten(int startDim = 0, int endDim = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.NormalizeDim("Flatten", startDim, Rank), e = Shapes.NormalizeDim("Flatten", endDim, Rank);
        if (s > e) throw new ArgumentException($"Flatten: startDim {startDim} comes after endDim {endDim} for shape {Shapes.Format(Dims)}");
        var shape = new List<int>();
        for (int i = 0; i < s; i++) shape.Add(Dims[i]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= Dims[i];
        shape.Add(merged);
        for (int i = e + 1; i < Rank; i++) shape.Add(Dims[i]);
        return Reshape([.. shape]);
    }

    /// <summary>A view with the dims reordered: result dim i is input dim <paramref name="dims"/>[i].</summary>
    public Tensor<T> Permute(params int[] dims)
    {
        if (dims.Length != Rank)
            throw new ArgumentException($"Permute: {dims.Length} dims given for a tensor of rank {Rank} (shape {Shapes.Format(Dims)})");
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Shapes.NormalizeDim("Permute", dims[i], Rank);
            if (seen[d]) throw new ArgumentException($"Permute: dim {d} repeated in [{string.Join(", ", dims)}]");
            seen[d] = true;
            shape[i] = Dims[d];
            strides[i] = Strides[d];
            inverse[d] = i;
        }
        var result = new Tensor<T>(Store, Offset, shape, strides);
        return Graph.Record(result, PermuteOp, this, (g, _, _) => [g.Permute(inverse)]);
    }

    /// <summary>A view with dims <paramref name="dim0"/> and <paramref name="dim1"/> swapped.</summary>
    public Tensor<T> Transpose(int dim0, int dim1)
    {
        int a = Shapes.NormalizeDim("Transpose", dim0, Rank), b = Shapes.NormalizeDim("Transpose", dim1, Rank);
        var perm = new int[Rank];
        for (int i = 0; i < Rank; i++) perm[i] = i;
        (perm[a], perm[b]) = (perm[b], perm[a]);
        return Permute(perm);
    }

    /// <summary>Transpose of the last two dims (a matrix transpose, batched).</summary>
    public Tensor<T> MT
    {
        get
        {
            if (Rank < 2) throw new InvalidOperationException($"MT: needs at least 2 dims, got shape {Shapes.Format(Dims)}");
            return Transpose(-2, -1);
        }
    }

    /// <summary>A view broadcasting size-1 dims (and new leading dims) to <paramref name="shape"/>; −1 keeps a dim. The derivative sums back.</summary>
    public Tensor<T> Expand(params int[] shape)
    {
        if (shape.Length < Rank)
            throw new ArgumentException($"Expand: target {Shapes.Format(shape)} has fewer dims than the input {Shapes.Format(Dims)}");
        var target = (int[])shape.Clone();
        int lead = shape.Length - Rank;
        for (int i = 0; i < target.Length; i++)
        {
            int own = i >= lead ? Dims[i - lead] : 1;
            if (target[i] == -1)
            {
                if (i < lead) throw new ArgumentException($"Expand: -1 is not allowed for the new leading dim {i} in {Shapes.Format(shape)}");
                target[i] = own;
            }
            if (own != 1 && own != target[i])
                throw new ArgumentException($"Expand: cannot expand shape {Shapes.Format(Dims)} to {Shapes.Format(shape)} (dim {i}: {own} vs {target[i]})");
        }
        if (Shapes.Equal(target, Dims)) return this;
        var strides = Shapes.BroadcastStrides(Dims, Strides, target);
        var result = new Tensor<T>(Store, Offset, target, strides);
        return Graph.Record(result, ExpandOp, this, static (g, _, x) => [g.SumTo(x[0].Dims)]);
    }

    /// <summary>Sums a broadcast tensor back to <paramref name="shape"/>: the adjoint of <see cref="Expand"/>.</summary>
    public Tensor<T> SumTo(params int[] shape)
    {
        if (Shapes.Equal(shape, Dims)) return this;
        if (shape.Length > Rank)
            throw new ArgumentException($"SumTo: cannot sum shape {Shapes.Format(Dims)} to the larger rank shape {Shapes.Format(shape)}");
        int lead = Rank - shape.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            if (i < lead) { dims.Add(i); continue; }
            int want = shape[i - lead];
            if (want == Dims[i]) continue;
            if (want != 1)
                throw new ArgumentException($"SumTo: cannot sum shape {Shapes.Format(Dims)} to {Shapes.Format(shape)} (dim {i}: {Dims[i]} vs {want})");
            dims.Add(i);
        }
        var summed = Sum([.. dims], keepDim: true);
        return summed.Reshape(shape);
    }

    /// <summary>A view of <paramref name="length"/> elements along <paramref name="dim"/> starting at <paramref name="start"/>.</summary>
    public Tensor<T> Narrow(int dim, int start, int length)
    {
        int d = Shapes.NormalizeDim("Narrow", dim, Rank);
        if (start < 0) start += Dims[d];
        if (start < 0 || length < 0 || start + length > Dims[d])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: range [{start}, {start + length}) is outside dim {d} of size {Dims[d]} (shape {Shapes.Format(Dims)})");
        if (start == 0 && length == Dims[d]) return this;
        var shape = (int[])Dims.Clone();
        shape[d] = length;
        var result = new Tensor<T>(Store, Offset + start * Strides[d], shape, (int[])Strides.Clone());
        int size = Dims[d];
        return Graph.Record(result, NarrowOp, this, (g, _, _) => [g.PadNarrow(d, start, size)],
            slice: whole => whole.Narrow(d, start, length));
    }

    /// <summary>Adjoint of <see cref="Narrow"/>: zeros of size <paramref name="size"/> along <paramref name="dim"/> with this tensor placed at <paramref name="start"/>.</summary>
    internal Tensor<T> PadNarrow(int dim, int start, int size)
    {
        var shape = (int[])Dims.Clone();
        shape[dim] = size;
        var result = Rented(shape);
        using (Tensor.NoGrad()) result.Narrow(dim, start, Dims[dim]).CopyStrided(this);
        int length = Dims[dim];
        return Graph.Record(result, PadNarrowOp, this, (g, _, _) => [g.Narrow(dim, start, length)]);
    }

    /// <summary>Writes <paramref name="source"/> into this (possibly strided) view element by element; not recorded.</summary>
    internal void CopyStrided(Tensor<T> source)
    {
        if (IsContiguous) Kernels.Strided.CopyTo<T>(source.Storage, source.Layout, Span);
        else Kernels.Strided.CopyFrom<T>(source.IsContiguous ? source.Span : source.ToArray(), Storage, Layout);
    }

    /// <summary>The slice at <paramref name="index"/> along <paramref name="dim"/>, with that dim removed: a view, as in PyTorch
    /// (writing into it writes this tensor).</summary>
    public Tensor<T> Select(int dim, int index)
    {
        int d = Shapes.NormalizeDim("Select", dim, Rank);
        if (index < -Dims[d] || index >= Dims[d])
            throw new ArgumentOutOfRangeException(nameof(index), $"Select: index {index} is out of range for dim {d} of size {Dims[d]}");
        if (index < 0) index += Dims[d];
        return Narrow(d, index, 1).Squeeze(d);
    }

    /// <summary>Removes dim <paramref name="dim"/> if it has size 1 (else returns this tensor). Always a view, as in
    /// PyTorch, also of a strided tensor: <c>t.Select(1, j)</c> is column j of t itself, and writing into it writes t.</summary>
    public Tensor<T> Squeeze(int dim)
    {
        int d = Shapes.NormalizeDim("Squeeze", dim, Rank);
        return Dims[d] != 1 ? this : DropDims(i => i == d);
    }

    /// <summary>Removes every size-1 dim. Always a view.</summary>
    public Tensor<T> Squeeze() => Dims.Contains(1) ? DropDims(i => Dims[i] == 1) : this;

    /// <summary>A view without the dims <paramref name="drop"/> picks, each of size 1 (so the elements and their
    /// strides along the other dims are the same); recorded as a reshape.</summary>
    private Tensor<T> DropDims(Func<int, bool> drop)
    {
        var shape = new List<int>(Rank);
        var strides = new List<int>(Rank);
        for (int i = 0; i < Rank; i++)
            if (!drop(i))
            {
                shape.Add(Dims[i]);
                strides.Add(Strides[i]);
            }
        return ViewAs([.. shape], [.. strides]);
    }

    /// <summary>Inserts a size-1 dim at <paramref name="dim"/> (−1 appends). Always a view.</summary>
    public Tensor<T> Unsqueeze(int dim)
    {
        int d = Shapes.NormalizeDim("Unsqueeze", dim, Rank + 1);
        var shape = new int[Rank + 1];
        var strides = new int[Rank + 1];
        for (int i = 0, j = 0; i <= Rank; i++)
        {
            if (i == d)
            {
                // Any stride serves a dim of size 1; the one a contiguous layout would give keeps contiguous tensors so.
                shape[i] = 1;
                strides[i] = j < Rank ? Strides[j] * Dims[j] : 1;
                continue;
            }
            shape[i] = Dims[j];
            strides[i] = Strides[j++];
        }
        return ViewAs(shape, strides);
    }

    private static readonly OpInfo CloneOp = new("Clone", Saved.None, "∂clone(x)/∂x = 1");
    private static readonly OpInfo ContiguousOp = new("Contiguous", Saved.None, "∂contiguous(x)/∂x = 1");

    /// <summary>This tensor if it is contiguous, otherwise a contiguous copy (the gradient passes through).</summary>
    public Tensor<T> Contiguous()
    {
        if (IsContiguous) return this;
        return Graph.Record(ContiguousCopy(), ContiguousOp, this, PassThrough);
    }

    /// <summary>An independent copy with its own storage, recorded in the graph (the gradient passes through unchanged).</summary>
    public Tensor<T> Clone()
    {
        var result = new Tensor<T>(ToArray(), (int[])Dims.Clone());
        return Graph.Record(result, CloneOp, this, PassThrough);
    }

    /// <summary>The identity rule g ↦ g, shared by the ops whose result equals their input (Clone, Contiguous, a + s).</summary>
    internal static readonly Derivative<T> PassThrough = static (g, _, _) => [g];

    private Tensor<T> ContiguousCopy()
    {
        var data = Buffers.Rent<T>(NumElements, clear: false);
        Kernels.Strided.CopyTo<T>(Storage, Layout, data);
        return new(data, (int[])Dims.Clone());
    }
}
