namespace Autograd.Engine;

/// <summary>
/// The memory behind a tensor and every view of it: the element array, a version counter that every in-place change
/// bumps (so a backward that reads a saved tensor can tell it was modified), and, for pooled storage, the scope whose
/// end returned the array to the pool (after which every read throws instead of seeing another tensor's data).
/// </summary>
internal sealed class TensorStorage<T> : IReturnable where T : unmanaged
{
    private T[]? _array;
    private TensorScope? _returnedBy;

    /// <summary>Storage over <paramref name="array"/> at <paramref name="version"/>; a pooled array rented from the
    /// current scope is tied to it, so that the scope's end marks it returned.</summary>
    public TensorStorage(T[] array, int version)
    {
        _array = array;
        ArrayUnchecked = array;
        Version = version;
        if (array.Length >= Buffers.MinPooled) TensorScope.Bind(array, this);
    }

    /// <summary>The array even after it was returned (to keep a reference in a view; never read through it).</summary>
    public T[] ArrayUnchecked { get; private init; } = [];

    /// <summary>How many in-place changes this storage has had (0 for a fresh tensor).</summary>
    public int Version;

    /// <summary>The elements; throws when the storage went back to the pool at the end of its scope.</summary>
    public T[] Array => _array ?? throw Returned();

    /// <summary>True while the elements may be read.</summary>
    public bool IsAlive => _array is not null;

    /// <summary>Called by the owning scope when it hands the array back to the pool.</summary>
    public void Return(TensorScope scope)
    {
        _array = null;
        _returnedBy = scope;
    }

    private InvalidOperationException Returned() => new(
        $"Tensor: its storage was created inside {_returnedBy?.Describe() ?? "a TensorScope"} and went back to the buffer pool when that " +
        "scope ended, so the tensor can no longer be read or used. Call Keep() on it inside the scope (or copy it with Clone()) to use it afterwards.");
}
