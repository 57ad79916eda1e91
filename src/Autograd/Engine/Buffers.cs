using System.Collections.Concurrent;

namespace Autograd.Engine;

/// <summary>
/// Storage for op results. Inside a <see cref="TensorScope"/> arrays come from a pool of exact-size arrays and go
/// back to it when the scope ends; outside any scope they are ordinary fresh arrays.
/// </summary>
internal static class Buffers
{
    /// <summary>Arrays shorter than this are always fresh: pooling them saves less than it costs.</summary>
    public const int MinPooled = 16;

    /// <summary>An array of <paramref name="length"/> elements, zeroed when <paramref name="clear"/> (callers that
    /// overwrite every element pass false).</summary>
    public static T[] Rent<T>(int length, bool clear = true) where T : unmanaged
    {
        // Tiny arrays first: they never look up the (thread-static) scope.
        var scope = length < MinPooled ? null : TensorScope.Current;
        if (scope is null) return clear ? new T[length] : GC.AllocateUninitializedArray<T>(length);
        var array = ExactPool<T>.Take(length) ?? GC.AllocateUninitializedArray<T>(length);
        if (clear) Clear(array);
        scope.Track(array, ExactPool<T>.Instance);
        return array;
    }

    /// <summary>Zeroes <paramref name="array"/>, in parallel chunks when large (a sliced output's pending gradient of a
    /// megabyte or more was cleared on one core while the others waited).</summary>
    private static void Clear<T>(T[] array) where T : unmanaged
    {
        if (array.Length < Kernels.Chunks.ParallelWork) Array.Clear(array);
        else Kernels.Chunks.For(array.Length, Kernels.Chunks.Grain, (i0, i1) => array.AsSpan(i0, i1 - i0).Clear());
    }
}

/// <summary>Something arrays can be handed back to.</summary>
internal interface IArrayPool
{
    void Return(Array array);
}

/// <summary>Arrays of T kept by exact length, a bounded number per length. Thread-safe.</summary>
internal sealed class ExactPool<T> : IArrayPool where T : unmanaged
{
    private const int MaxPerLength = 64;
    public static readonly ExactPool<T> Instance = new();
    private readonly ConcurrentDictionary<int, ConcurrentStack<T[]>> _free = new();

    public static T[]? Take(int length) =>
        Instance._free.TryGetValue(length, out var stack) && stack.TryPop(out var array) ? array : null;

    public void Return(Array array)
    {
        var typed = (T[])array;
        var stack = _free.GetOrAdd(typed.Length, static _ => new ConcurrentStack<T[]>());
        if (stack.Count < MaxPerLength) stack.Push(typed);
    }
}

/// <summary>Something a scope can mark as returned when it hands its array back to the pool.</summary>
internal interface IReturnable
{
    void Return(TensorScope scope);
}

/// <summary>
/// A region whose op results live in pooled buffers: when it is disposed, the storage of every tensor an op created
/// inside it goes back to the pool for the next region (typically the next training step) to reuse, so a steady
/// training loop stops allocating large arrays. Tensors created inside must not be used after the scope ends,
/// unless <see cref="Tensor{T}.Keep"/> was called on them: any later read or use throws, naming the scope, instead of
/// seeing another step's data. Leaves, parameters, their gradients and optimizer state are not affected. Scopes nest
/// and are thread-local. Create one with <see cref="Tensor.Scope(string?)"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    /// <summary>How far back (in pooled arrays rented) a new tensor's storage looks for the array it wraps.</summary>
    private const int BindWindow = 32;

    [ThreadStatic] private static TensorScope? t_current;
    private static long s_count;
    private readonly TensorScope? _outer;
    private readonly List<Entry> _owned = [];
    private HashSet<Array>? _kept;
    private bool _disposed;

    private struct Entry(Array array, IArrayPool pool)
    {
        public readonly Array Array = array;
        public readonly IArrayPool Pool = pool;
        public IReturnable? Storage;
    }

    internal TensorScope(string? name)
    {
        Name = name;
        Number = Interlocked.Increment(ref s_count);
        _outer = t_current;
        t_current = this;
    }

    /// <summary>The name given when the scope was created, or null.</summary>
    public string? Name { get; }

    /// <summary>A number identifying this scope in error messages (scopes are numbered in creation order, from 1).</summary>
    public long Number { get; }

    internal static TensorScope? Current => t_current;

    internal string Describe() => Name is null ? $"TensorScope #{Number}" : $"TensorScope #{Number} ('{Name}')";

    internal void Track(Array array, IArrayPool pool) => _owned.Add(new Entry(array, pool));

    /// <summary>
    /// Ties a tensor storage to the pooled array it wraps, so that the end of this scope marks it returned. The array
    /// is looked for among the last arrays rented on this thread's current scope (ops wrap their result right after
    /// renting it); an array not found there was not rented from this scope and is left alone. Returns whether it was
    /// found (the array came from the pool and goes back to it at the scope's end unless kept).
    /// </summary>
    internal static bool Bind(Array array, IReturnable storage)
    {
        var scope = t_current;
        if (scope is null) return false;
        var owned = scope._owned;
        for (int i = owned.Count - 1, stop = Math.Max(0, owned.Count - BindWindow); i >= stop; i--)
        {
            if (!ReferenceEquals(owned[i].Array, array)) continue;
            if (owned[i].Storage is null)
            {
                var entry = owned[i];
                entry.Storage = storage;
                owned[i] = entry;
            }
            return true;
        }
        return false;
    }

    /// <summary>Stops the scopes on this thread from recycling <paramref name="array"/>.</summary>
    internal static void Keep(Array array)
    {
        for (var scope = t_current; scope is not null; scope = scope._outer)
            (scope._kept ??= new HashSet<Array>(ReferenceEqualityComparer.Instance)).Add(array);
    }

    /// <summary>Returns the buffers of the tensors created in this scope to the pool (marking those tensors unusable)
    /// and restores the outer scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (t_current != this)
            throw new InvalidOperationException($"{Describe()}: scopes must be disposed innermost first, on the thread that created them");
        _disposed = true;
        t_current = _outer;
        foreach (var entry in _owned)
        {
            if (_kept is not null && _kept.Contains(entry.Array)) continue;
            entry.Storage?.Return(this);
            entry.Pool.Return(entry.Array);
        }
        _owned.Clear();
    }
}
