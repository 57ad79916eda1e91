using System.Diagnostics;

namespace Autograd.Benchmarks.Quick;

/// <summary>Stopwatch helpers: the best of several timed trials, which on a shared machine is the least disturbed.</summary>
internal static class Measure
{
    /// <summary>Seconds taken by the fastest of <paramref name="trials"/> runs of <paramref name="action"/>.</summary>
    public static double BestSeconds(int trials, Action action)
    {
        double best = double.MaxValue;
        for (int t = 0; t < trials; t++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    /// <summary>
    /// Seconds taken by the fastest run of <paramref name="action"/>, over at least <paramref name="minTrials"/> runs and
    /// until <paramref name="minSeconds"/> have passed (at most <paramref name="maxTrials"/> runs): on a shared machine
    /// a burst of another tenant's work lasts seconds, so a fixed handful of short trials can all fall inside one.
    /// </summary>
    public static double BestSeconds(int minTrials, double minSeconds, int maxTrials, Action action)
    {
        double best = double.MaxValue;
        long begin = Stopwatch.GetTimestamp();
        for (int t = 0; t < maxTrials && (t < minTrials || Stopwatch.GetElapsedTime(begin).TotalSeconds < minSeconds); t++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return best;
    }

    /// <summary>Seconds taken by one run of <paramref name="action"/>.</summary>
    public static double Seconds(Action action)
    {
        long start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Managed bytes allocated on all threads (precise count, so the worker threads are included).</summary>
    public static long TotalAllocated() => GC.GetTotalAllocatedBytes(precise: true);

    /// <summary>The process's peak working set (VmHWM on Linux) in MiB.</summary>
    public static double PeakWorkingSetMb()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
