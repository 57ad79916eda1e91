using System.Collections.ObjectModel;
using System.Numerics;
using System.Text;
using Autograd.Engine;

namespace Autograd;

/// <summary>
/// An n-dimensional array of <typeparamref name="T"/> that records the operations applied to it,
/// so that <see cref="Backward()"/> can compute gradients by reverse-mode differentiation.
/// Storage is row-major with shape, strides and offset; views share storage with their base.
/// Tensors are ordinary managed objects: nothing needs disposing.
/// </summary>
/// <typeparam name="T">Element type: <see cref="float"/> for training, <see cref="double"/> for gradient checks.</typeparam>
public sealed partial class Tensor<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    // The elements, and the storage object views share (element array, version counter, pooled-scope state). A fresh
    // tensor that is not pooled gets its storage object only when a view, an alias or an in-place change needs it, so
    // a plain op result (a scalar in a long chain, say) costs no second allocation; until then its version is 0.
    private readonly T[] _array;
    private TensorStorage<T>? _store;
    internal readonly int Offset;
    internal readonly int[] Dims;
    internal readonly int[] Strides;
    private ReadOnlyCollection<int>? _shapeView;
    private bool _requiresGrad;

    /// <summary>
    /// The recorded op that produced this tensor (PyTorch's <c>grad_fn</c>): a read-only view of the graph behind it,
    /// with the op's name, its inputs and their local-derivative formulas. Null for a leaf or a tensor made without grad.
    /// </summary>
    public Node<T>? GradFn { get; internal set; }

    /// <summary>Hooks registered on this tensor, or null (the usual case: nothing to check during backward). Kept in a
    /// side table, so a tensor without hooks carries only the flag.</summary>
    internal TensorHooks<T>? Hooks => _hasHooks ? TensorHooks<T>.Of(this) : null;

    private bool _hasHooks;

    /// <summary>The hooks of this tensor, created on first use.</summary>
    internal TensorHooks<T> GetOrAddHooks()
    {
        var hooks = TensorHooks<T>.GetOrAdd(this);
        _hasHooks = true;
        return hooks;
    }

    /// <summary>Gradient being accumulated for this tensor during one backward pass.</summary>
    internal Tensor<T>? PendingGrad;

    /// <summary>
    /// Set on a gradient while it waits as a computed tensor's <see cref="PendingGrad"/> and the backward pass alone
    /// holds it (a sum the engine made, its own seed, or such a gradient scaled in place): the engine may then add into
    /// it, or scale it in place, instead of allocating. Cleared when the engine hands it on; never set under
    /// createGraph. (For float it fits in the object's padding.)
    /// </summary>
    internal bool OwnedByPass;

    /// <summary>The element array; throws when the storage went back to the pool at the end of its scope.</summary>
    internal T[] Storage => _store is { } store ? store.Array : _array;

    /// <summary>The storage object shared by this tensor and its views (made on first use).</summary>
    internal TensorStorage<T> Store
    {
        get
        {
            if (_store is { } store) return store;
            Interlocked.CompareExchange(ref _store, new TensorStorage<T>(_array, 0), null);
            return _store;
        }
    }

    /// <summary>Counts one in-place change of the elements (seen by every view of the same storage).</summary>
    internal void BumpVersion() => Store.Version++;

    /// <summary>Whether this tensor and <paramref name="other"/> view the same elements.</summary>
    internal bool SharesStorageWith(Tensor<T> other) => ReferenceEquals(_array, other._array);

    internal Tensor(T[] storage, int offset, int[] shape, int[] strides)
    {
        _array = storage;
        if (storage.Length >= Buffers.MinPooled && TensorScope.Current is not null) _store = new TensorStorage<T>(storage, 0);
        Offset = offset;
        Dims = shape;
        Strides = strides;
        NumElements = Shapes.Size(shape);
        IsContiguous = NumElements == 0 || ComputeContiguous(shape, strides);
    }

    /// <summary>A view of <paramref name="store"/> (shares its elements and version counter).</summary>
    internal Tensor(TensorStorage<T> store, int offset, int[] shape, int[] strides)
    {
        _store = store;
        _array = store.ArrayUnchecked;
        Offset = offset;
        Dims = shape;
        Strides = strides;
        NumElements = Shapes.Size(shape);
        IsContiguous = NumElements == 0 || ComputeContiguous(shape, strides);
    }

    private static bool ComputeContiguous(int[] shape, int[] strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    internal Tensor(T[] storage, int[] shape) : this(storage, 0, shape, Shapes.ContiguousStrides(shape)) { }

    /// <summary>A new contiguous op result of <paramref name="shape"/> (copied) over storage from the scope's pool,
    /// zeroed when <paramref name="clear"/>: what the factories' fresh arrays are for users, this is for ops and the
    /// engine, so that large results allocate nothing once a training step has run.</summary>
    internal static Tensor<T> Rented(int[] shape, bool clear = true) =>
        new(Buffers.Rent<T>(Shapes.Size(shape), clear), (int[])shape.Clone());

    /// <summary>A new contiguous tensor over <paramref name="storage"/> with the shape of <paramref name="like"/>, sharing
    /// its (immutable) shape array and, when it is contiguous, its strides. Its size is known, so nothing is recomputed.</summary>
    internal Tensor(T[] storage, Tensor<T> like)
    {
        _array = storage;
        if (storage.Length >= Buffers.MinPooled && TensorScope.Current is not null) _store = new TensorStorage<T>(storage, 0);
        Dims = like.Dims;
        Strides = like.IsContiguous ? like.Strides : Shapes.ContiguousStrides(like.Dims);
        NumElements = like.NumElements;
        IsContiguous = true;
    }

    /// <summary>The size of each dimension.</summary>
    public IReadOnlyList<int> Shape => _shapeView ??= new ReadOnlyCollection<int>(Dims);

    /// <summary>Number of dimensions.</summary>
    public int Rank => Dims.Length;

    /// <summary>Total number of elements.</summary>
    public int NumElements { get; }

    /// <summary>Size of one dimension (negative dims count from the end).</summary>
    public int Size(int dim) => Dims[Shapes.NormalizeDim("Size", dim, Dims.Length)];

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward()"/>; null until then. Setting it to null
    /// drops the reference (a tensor read from it stays usable); <see cref="ZeroGrad"/> also hands the engine's buffer
    /// back for the next backward.</summary>
    public Tensor<T>? Grad
    {
        get => _grad;
        set
        {
            // A gradient assigned by hand may be held elsewhere (another leaf's .Grad, say): never release it. Nor keep
            // a spare array for this leaf any longer: the next backward adds into the assigned gradient, or, when this
            // is null, into a fresh one.
            if (value?._store is { EngineGrad: true } store) store.EngineGrad = false;
            _spareGrad = null;
            _grad = value;
        }
    }

    private Tensor<T>? _grad;

    /// <summary>The array of this leaf's last engine-written gradient, taken back by <see cref="ZeroGrad"/>: the next
    /// backward writes this leaf's gradient into it instead of a fresh array (see <see cref="AdoptGrad"/>).</summary>
    private T[]? _spareGrad;

    /// <summary>Makes <paramref name="grad"/>, a gradient the engine made and nothing else holds, this leaf's .Grad and
    /// marks its storage releasable by <see cref="ZeroGrad"/>. A gradient an op computed (<paramref name="opResult"/>)
    /// is kept past the scope it was made in; when its array was rented from that scope's pool, the spare array from the
    /// last ZeroGrad goes to the pool in its place, so a training step that clears gradients to null allocates none. (A
    /// copy the engine made into the spare or a fresh array belongs to no scope.)</summary>
    internal void AdoptGrad(Tensor<T> grad, bool opResult)
    {
        var store = grad.Store;
        if (opResult)
        {
            grad.Keep();
            if (TakeSpareGrad(grad.NumElements) is { } spare && store.Pooled) ExactPool<T>.Instance.Return(spare);
        }
        store.EngineGrad = true;
        _grad = grad;
    }

    /// <summary>The spare array from the last <see cref="ZeroGrad"/> when it has <paramref name="length"/> elements
    /// (else null); the leaf no longer holds it.</summary>
    internal T[]? TakeSpareGrad(int length)
    {
        var spare = _spareGrad;
        _spareGrad = null;
        return spare?.Length == length ? spare : null;
    }

    /// <summary>Whether operations on this tensor are recorded for differentiation.
    /// Settable on leaves only; results of recorded ops require grad automatically.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad || GradFn is not null;
        set
        {
            if (GradFn is not null && !value)
                throw new InvalidOperationException($"RequiresGrad: cannot clear it on a non-leaf tensor (produced by '{GradFn.Name}'); use Detach()");
            _requiresGrad = value;
        }
    }

    /// <summary>True when this tensor was not produced by a recorded op.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>Name of the op that produced this tensor (null for leaves).</summary>
    public string? GradFnName => GradFn?.Name;

    /// <summary>How many in-place changes the storage behind this tensor (shared with its views) has had.
    /// A backward that reads a tensor saved at an older version throws.</summary>
    public int Version => _store?.Version ?? 0;

    /// <summary>True when elements are laid out row-major without gaps, starting at <see cref="Offset"/> (fixed at construction: shape and strides never change).</summary>
    public bool IsContiguous { get; }

    /// <summary>The single value of a one-element tensor.</summary>
    public T Item()
    {
        if (NumElements != 1)
            throw new InvalidOperationException($"Item: tensor has {NumElements} elements (shape {Shapes.Format(Dims)}); only one-element tensors can be converted");
        return Storage[Offset];
    }

    /// <summary>The elements in row-major order as an array and the index of the first: the storage itself when contiguous
    /// (no copy), else a fresh copy at index 0. For kernels that read arrays.</summary>
    internal (T[] Array, int Offset) RowMajor() => IsContiguous ? (Storage, Offset) : (ToArray(), 0);

    /// <summary>A row-major copy of the elements.</summary>
    public T[] ToArray()
    {
        // Uninitialised: the copy writes every element, so a large array is not zeroed first (a second pass over it).
        var result = GC.AllocateUninitializedArray<T>(NumElements);
        Kernels.Strided.CopyTo<T>(Storage, Layout, result);
        return result;
    }

    /// <summary>Elements of a contiguous tensor as a span over its storage (writes are visible to every view).</summary>
    internal Span<T> Span => IsContiguous ? Elements : throw new InvalidOperationException("internal: Span of a non-contiguous tensor");

    /// <summary>The storage from <see cref="Offset"/> on, <see cref="NumElements"/> long, for a contiguous tensor; empty for an
    /// empty one, whose offset may lie past the array's end (an empty Narrow at the end of a strided dim).</summary>
    private Span<T> Elements => NumElements == 0 ? Span<T>.Empty : Storage.AsSpan(Offset, NumElements);

    /// <summary>The elements in row-major order, to read: the storage itself when contiguous, else a copy.</summary>
    internal ReadOnlySpan<T> ElementsInOrder => IsContiguous ? Elements : ToArray();

    /// <summary>
    /// Direct access to the elements of a contiguous tensor, for optimizers and data loaders that update
    /// values in place. Writing through it is not recorded by autograd, so the call counts as an in-place change: it
    /// bumps <see cref="Version"/>, and a backward that saved this tensor earlier throws instead of using the new
    /// values. To only read, use <see cref="AsReadOnlySpan"/>.
    /// </summary>
    public Span<T> AsSpan()
    {
        if (!IsContiguous)
            throw new InvalidOperationException($"AsSpan: tensor of shape {Shapes.Format(Dims)} is a non-contiguous view; call Contiguous() first");
        var span = Elements;
        BumpVersion();
        return span;
    }

    /// <summary>Read-only access to the elements of a contiguous tensor (does not count as a change).</summary>
    public ReadOnlySpan<T> AsReadOnlySpan()
    {
        if (!IsContiguous)
            throw new InvalidOperationException($"AsReadOnlySpan: tensor of shape {Shapes.Format(Dims)} is a non-contiguous view; call Contiguous() first");
        return Elements;
    }

    /// <summary>Keeps this tensor's storage valid after the enclosing <see cref="Tensor.Scope"/> ends (it is not recycled).</summary>
    public Tensor<T> Keep()
    {
        TensorScope.Keep(Storage);
        return this;
    }

    /// <summary>A tensor sharing this one's storage but cut off from the graph (requires no grad).</summary>
    public Tensor<T> Detach() => new(Store, Offset, Dims, Strides);



    /// <summary>
    /// Sets <see cref="Grad"/> to null, as PyTorch's <c>zero_grad()</c> does, and takes back the gradient's buffer when the
    /// engine wrote it (not a tensor assigned to .Grad by hand, nor one recorded under createGraph): the next backward
    /// writes this leaf's gradient there instead of into a fresh array, so a training loop that clears gradients every step
    /// stops allocating them (on the .NET heap each would be a large object, collected only with generation 2). The old
    /// gradient, and any view of it, can no longer be read after this: reading it throws. Clone() it first to keep it.
    /// The leaf holds the buffer until its next gradient; to let the memory go instead, set <see cref="Grad"/> to null.
    /// </summary>
    public void ZeroGrad()
    {
        var grad = _grad;
        _grad = null;
        if (grad is null || grad.GradFn is not null || grad._store is not { EngineGrad: true, IsAlive: true } store) return;
        _spareGrad = store.ArrayUnchecked;
        store.Release("Tensor: it is a gradient that ZeroGrad() cleared, and its storage went back to the engine to hold the " +
            "next backward pass's gradient, so it can no longer be read or used. Clone() a gradient before ZeroGrad() to keep it.");
    }

    /// <summary>Back-propagates from this one-element tensor: accumulates d(this)/d(leaf) into every leaf's <see cref="Grad"/>, then frees the graph.</summary>
    public void Backward() => Graph.Backward(this, null, false, false);

    /// <summary>Back-propagates from this one-element tensor; <paramref name="retainGraph"/> keeps the graph for another backward,
    /// <paramref name="createGraph"/> records the backward pass so the gradients can be differentiated again.</summary>
    public void Backward(bool retainGraph, bool createGraph = false) => Graph.Backward(this, null, retainGraph, createGraph);

    /// <summary>Back-propagates with <paramref name="gradient"/> as d(loss)/d(this) (same shape as this tensor).</summary>
    public void Backward(Tensor<T> gradient) => Graph.Backward(this, gradient, false, false);

    /// <summary>Back-propagates with <paramref name="gradient"/> as d(loss)/d(this), optionally retaining or recording the graph.</summary>
    public void Backward(Tensor<T> gradient, bool retainGraph, bool createGraph = false) =>
        Graph.Backward(this, gradient, retainGraph, createGraph);

    /// <inheritdoc />
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor<").Append(typeof(T).Name).Append(">(").Append(Shapes.Format(Dims));
        if (GradFn is not null) sb.Append(", grad_fn=").Append(GradFn.Name);
        else if (RequiresGrad) sb.Append(", requires_grad");
        sb.Append(")");
        int n = NumElements;
        if (n <= 64)
        {
            var values = ToArray();
            sb.Append(" [");
            for (int i = 0; i < n; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(values[i].ToString("G6", System.Globalization.CultureInfo.InvariantCulture));
            }
            sb.Append(']');
        }
        return sb.ToString();
    }
}
