namespace Autograd.Engine;

/// <summary>Thread-local switch that says whether ops record graph nodes.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool t_disabled;

    /// <summary>True when ops on tensors that require grad are recorded (the default on every thread).</summary>
    public static bool IsEnabled => !t_disabled;

    /// <summary>Sets the mode for this thread and returns a scope that restores the previous mode.</summary>
    public static IDisposable Set(bool enabled)
    {
        var scope = new Scope(!t_disabled);
        t_disabled = !enabled;
        return scope;
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            t_disabled = !previous;
        }
    }
}
