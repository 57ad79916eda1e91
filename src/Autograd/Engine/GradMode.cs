namespace Autograd.Engine;

/// <summary>Thread-local switch that says whether ops record graph nodes.</summary>
public static class GradMode
{
    [ThreadStatic] private static bool t_disabled;

    // How many threads have recording off at the moment. While none has (most of a training step), IsEnabled reads no
    // thread-local state: on Linux each thread-static read is a call, about 3 ns, and a recorded op made two or three.
    // A thread that turns recording off counts itself first, so it always sees a count of at least one.
    private static int s_disabledThreads;

    /// <summary>How many threads have recording off now (for tests of the count).</summary>
    internal static int DisabledThreads => Volatile.Read(ref s_disabledThreads);

    /// <summary>True when ops on tensors that require grad are recorded (the default on every thread).</summary>
    public static bool IsEnabled => s_disabledThreads == 0 || !t_disabled;

    /// <summary>Sets the mode for this thread and returns a scope that restores the previous mode.</summary>
    public static IDisposable Set(bool enabled)
    {
        var scope = new Scope(!t_disabled);
        Disable(!enabled);
        return scope;
    }

    /// <summary>Turns this thread's recording off or on, keeping the count of threads with it off.</summary>
    private static void Disable(bool disabled)
    {
        if (t_disabled == disabled) return;
        if (disabled)
        {
            Interlocked.Increment(ref s_disabledThreads);
            t_disabled = true;
        }
        else
        {
            t_disabled = false;
            Interlocked.Decrement(ref s_disabledThreads);
        }
    }

    private sealed class Scope(bool previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Disable(!previous);
        }
    }
}
