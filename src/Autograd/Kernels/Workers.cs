using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Autograd.Kernels;

/// <summary>
/// The library's one fork-join runtime: <see cref="Environment.ProcessorCount"/> − 1 dedicated background threads
/// plus the caller. Every parallel kernel (GEMM, convolution, pooling, elementwise chunks, reductions) runs on it, so
/// the cores are never oversubscribed: a helper that finishes polls for the next job for a short while
/// (<see cref="SpinTicks"/>) and then sleeps; no thread-pool worker is left spinning beside it.
/// </summary>
/// <remarks>
/// <para>Indices are handed out one by one from a shared counter, so a core taken by another tenant of the machine
/// only slows its own share. Body(i) must do the same work whichever thread runs it; then results never depend on
/// scheduling or on the number of cores.</para>
/// <para>One job at a time owns the helpers. A nested call (a kernel forking inside a job) or a call from a second
/// thread while a job runs executes its indices serially on the calling thread: the cores are already busy.</para>
/// </remarks>
internal static class Workers
{
    /// <summary>How long an idle helper keeps polling for the next job before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs

    /// <summary>Threads a job can use: the helpers plus the caller.</summary>
    public static readonly int Threads = Math.Max(1, Environment.ProcessorCount);

    private static readonly Lock CreateLock = new();
    private static Helper[]? s_helpers;
    private static Job? s_job;
    private static int s_generation;
    private static int s_busy;

    /// <summary>Whether the helpers exist, are idle and still polling, so a fork now costs no thread wake-up.</summary>
    public static bool Awake
    {
        get
        {
            Helper[]? hs = s_helpers;
            if (hs is null || hs.Length == 0 || Volatile.Read(ref s_busy) != 0) return false;
            foreach (Helper h in hs)
                if (!h.Polling) return false;
            return true;
        }
    }

    /// <summary>Runs body(0) … body(count − 1) on the helpers and the calling thread; returns when all have finished
    /// and rethrows the first exception any of them threw.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || Threads == 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            RunInline(count, body);
            return;
        }
        try
        {
            Helper[] helpers = s_helpers ?? Create();
            var job = new Job(body, count);
            Volatile.Write(ref s_job, job);
            Interlocked.Increment(ref s_generation); // full fence: a helper either sees the job or is seen asleep
            for (int h = 0; h < helpers.Length && h < count - 1; h++) helpers[h].WakeIfSleeping();
            job.Work();
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Finished) < count) spin.SpinOnce(sleep1Threshold: -1);
            if (job.Error is not null) ExceptionDispatchInfo.Throw(job.Error);
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    /// <summary>The serial form with the same contract: every index runs, then the first exception is rethrown.</summary>
    private static void RunInline(int count, Action<int> body)
    {
        Exception? error = null;
        for (int i = 0; i < count; i++)
        {
            try { body(i); }
            catch (Exception e) { error ??= e; }
        }
        if (error is not null) ExceptionDispatchInfo.Throw(error);
    }

    private static Helper[] Create()
    {
        lock (CreateLock)
        {
            if (s_helpers is null)
            {
                var hs = new Helper[Threads - 1];
                for (int i = 0; i < hs.Length; i++) hs[i] = new Helper(i);
                s_helpers = hs;
            }
            return s_helpers;
        }
    }

    /// <summary>One For call: its body, how many indices, the next index to hand out and how many have finished.</summary>
    private sealed class Job(Action<int> body, int count)
    {
        public int Next;
        public int Finished;
        public Exception? Error;

        /// <summary>Takes indices until none are left (a late helper finds none and returns at once).</summary>
        public void Work()
        {
            while (true)
            {
                int i = Interlocked.Increment(ref Next) - 1;
                if (i >= count) return;
                try { body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                Interlocked.Increment(ref Finished);
            }
        }
    }

    private sealed class Helper
    {
        private readonly SemaphoreSlim _wake = new(0);
        private int _sleeping;

        public Helper(int id) => new Thread(Loop) { IsBackground = true, Name = $"Autograd worker {id}" }.Start();

        public bool Polling => Volatile.Read(ref _sleeping) == 0;

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0) _wake.Release();
        }

        private void Loop()
        {
            int seen = Volatile.Read(ref s_generation);
            while (true)
            {
                long until = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref s_generation) == seen)
                {
                    if (Stopwatch.GetTimestamp() < until)
                    {
                        Thread.SpinWait(16);
                        continue;
                    }
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref s_generation) == seen) _wake.Wait();
                    Interlocked.Exchange(ref _sleeping, 0);
                    until = Stopwatch.GetTimestamp() + SpinTicks;
                }
                seen = Volatile.Read(ref s_generation);
                Volatile.Read(ref s_job)!.Work();
            }
        }
    }
}
