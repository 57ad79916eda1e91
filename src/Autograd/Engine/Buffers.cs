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
        if (clear) Array.Clear(array);
        scope.Track(array, ExactPool<T>.Instance);
        return array;
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

/// <summary>
/// A region whose op results live in pooled buffers: when it is disposed, the storage of every tensor an op created
/// inside it goes back to the pool for the next region (typically the next training step) to reuse, so a steady
/// training loop stops allocating large arrays. Tensors created inside must not be used after the scope ends,
/// unless <see cref="Tensor{T}.Keep"/> was called on them; leaves, parameters, their gradients and optimizer state
/// are not affected. Scopes nest and are thread-local. Create one with <see cref="Tensor.Scope"/>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;
    private readonly TensorScope? _outer;
    private readonly List<(Array Array, IArrayPool Pool)> _owned = [];
    private HashSet<Array>? _kept;
    private bool _disposed;

    internal TensorScope()
    {
        _outer = t_current;
        t_current = this;
    }

    internal static TensorScope? Current => t_current;

    internal void Track(Array array, IArrayPool pool) => _owned.Add((array, pool));

    /// <summary>Stops the scopes on this thread from recycling <paramref name="array"/>.</summary>
    internal static void Keep(Array array)
    {
        for (var scope = t_current; scope is not null; scope = scope._outer)
            (scope._kept ??= new HashSet<Array>(ReferenceEqualityComparer.Instance)).Add(array);
    }

    /// <summary>Returns the buffers of the tensors created in this scope to the pool and restores the outer scope.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (t_current != this)
            throw new InvalidOperationException("TensorScope: scopes must be disposed innermost first, on the thread that created them");
        _disposed = true;
        t_current = _outer;
        foreach (var (array, pool) in _owned)
        {
            if (_kept is not null && _kept.Contains(array)) continue;
            pool.Return(array);
        }
        _owned.Clear();
    }
}
