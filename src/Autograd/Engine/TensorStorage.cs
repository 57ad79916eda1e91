namespace Autograd.Engine;

/// <summary>
/// The memory behind a tensor and every view of it: the element array, a version counter that every in-place change
/// bumps (so a backward that reads a saved tensor can tell it was modified), and, for pooled storage, the scope whose
/// end returned the array to the pool (after which every read throws instead of seeing another tensor's data). A leaf's
/// gradient that the engine wrote is marked <see cref="EngineGrad"/>: ZeroGrad hands its array back for the next
/// backward (<see cref="Release"/>), after which reads throw the same way; so does a revoked <see cref="TensorLease{T}"/>.
/// </summary>
internal sealed class TensorStorage<T> : IReturnable where T : unmanaged
{
    private T[]? _array;
    private TensorScope? _returnedBy;
    private string? _releasedBecause;

    /// <summary>Storage over <paramref name="array"/> at <paramref name="version"/>; a pooled array rented from the
    /// current scope is tied to it, so that the scope's end marks it returned.</summary>
    public TensorStorage(T[] array, int version)
    {
        _array = array;
        ArrayUnchecked = array;
        Version = version;
        if (array.Length >= Buffers.MinPooled) Pooled = TensorScope.Bind(array, this);
    }

    /// <summary>True when the array was rented from the current scope's pool as this storage was made (so the pool
    /// counts on getting it back).</summary>
    public bool Pooled { get; }

    /// <summary>The array even after it was returned (to keep a reference in a view; never read through it).</summary>
    public T[] ArrayUnchecked { get; private init; } = [];

    /// <summary>How many in-place changes this storage has had (0 for a fresh tensor).</summary>
    public int Version;

    /// <summary>The elements; throws when the storage went back to the pool at the end of its scope.</summary>
    public T[] Array => _array ?? throw Returned();

    /// <summary>True while the elements may be read.</summary>
    public bool IsAlive => _array is not null;

    /// <summary>True while this storage is a leaf's gradient as the engine wrote it, held by nothing the engine did not
    /// make (the leaf's .Grad and views of it): set when the engine gives a leaf its first gradient, cleared when the
    /// gradient is assigned to a .Grad by hand. Only such a storage may be released by ZeroGrad.</summary>
    public bool EngineGrad;

    /// <summary>Called by the owning scope when it hands the array back to the pool.</summary>
    public void Return(TensorScope scope)
    {
        _array = null;
        _returnedBy = scope;
    }

    /// <summary>Called when the array's owner takes it back (ZeroGrad for an engine-written gradient, a
    /// <see cref="TensorLease{T}"/>'s revocation): every tensor over this storage can no longer be read, and reading
    /// throws with <paramref name="because"/>.</summary>
    public void Release(string because)
    {
        _array = null;
        _releasedBecause = because;
        EngineGrad = false;
    }

    private InvalidOperationException Returned() => new(_releasedBecause
        ?? $"Tensor: its storage was created inside {_returnedBy?.Describe() ?? "a TensorScope"} and went back to the buffer pool " +
          "when that scope ended, so the tensor can no longer be read or used. Call Keep() on it inside the scope (or copy it " +
          "with Clone()) to use it afterwards.");
}
