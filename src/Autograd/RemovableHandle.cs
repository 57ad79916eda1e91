namespace Autograd;

/// <summary>
/// Returned when a hook is registered (PyTorch's <c>RemovableHandle</c>): <see cref="Dispose"/> removes the hook.
/// Removing twice does nothing.
/// </summary>
public sealed class RemovableHandle : IDisposable
{
    private Action? _remove;

    /// <summary>A handle that runs <paramref name="remove"/> once, on the first <see cref="Dispose"/>.</summary>
    public RemovableHandle(Action remove) => _remove = remove ?? throw new ArgumentNullException(nameof(remove));

    /// <summary>Removes the hook (once).</summary>
    public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
}
