namespace Autograd.NN;

/// <summary>
/// Hooks of one kind in registration order. Copy-on-write, so that a hook may remove itself (or add another) while the
/// list runs: a run sees the hooks present when it started.
/// </summary>
internal sealed class HookList<THook> where THook : Delegate
{
    private Entry[] _entries = [];

    /// <summary>The hooks now registered, in order.</summary>
    public ReadOnlySpan<Entry> Entries => _entries;

    /// <summary>Appends <paramref name="hook"/>; disposing the returned handle removes this registration (and only this one).</summary>
    public IDisposable Add(THook hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        var entry = new Entry(this, hook);
        lock (this) _entries = [.. _entries, entry];
        return entry;
    }

    private void Remove(Entry entry)
    {
        lock (this) _entries = Array.FindAll(_entries, e => !ReferenceEquals(e, entry));
    }

    /// <summary>One registration; its <see cref="Dispose"/> removes it (a second call does nothing).</summary>
    internal sealed class Entry(HookList<THook> owner, THook hook) : IDisposable
    {
        /// <summary>The registered hook.</summary>
        public THook Hook { get; } = hook;

        /// <inheritdoc />
        public void Dispose() => owner.Remove(this);
    }
}
