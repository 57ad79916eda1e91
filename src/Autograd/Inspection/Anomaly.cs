using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Engine;

/// <summary>
/// Anomaly mode (<see cref="Tensor.DetectAnomaly"/>): while it is on for a thread, every op's result is checked for NaN
/// and infinity as it is recorded (Graph.Record), each recorded node remembers the user's source line that called it,
/// and every gradient a backward rule returns is checked too (Graph.Run). Off, an op pays one read of
/// <see cref="Open"/>, a static field that is zero unless some thread has the mode on.
/// </summary>
internal static class Anomaly
{
    /// <summary>Number of anomaly scopes open on all threads; the only thing ops read when nobody uses the mode.</summary>
    internal static int Open;

    [ThreadStatic] private static Settings? t_settings;

    // True while a backward rule runs: the ops it is written with are checked as the rule's result, not one by one, so
    // that 1/(2√x) at 0 is reported as Sqrt's backward rather than as a Div.
    [ThreadStatic] private static bool t_inRule;

    /// <summary>Where the user called each op recorded with the mode on, keyed by its node.</summary>
    private static readonly ConditionalWeakTable<object, Origin> Origins = new();

    private sealed record Settings(bool CheckForwardInfinity, Settings? Previous);

    private sealed record Origin(string? File, int Line);

    public static bool IsEnabled => Open != 0 && t_settings is not null;

    public static IDisposable Enter(bool checkForwardInfinity)
    {
        t_settings = new Settings(checkForwardInfinity, t_settings);
        Interlocked.Increment(ref Open);
        return new Scope(t_settings);
    }

    private sealed class Scope(Settings settings) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            if (!ReferenceEquals(t_settings, settings))
                throw new InvalidOperationException("DetectAnomaly: scopes must be disposed on the thread that opened them, innermost first");
            t_settings = settings.Previous;
            Interlocked.Decrement(ref Open);
        }
    }

    /// <summary>Checks an op's result; called by Graph.Record for every op, recorded or not.</summary>
    public static void Forward<T>(OpInfo op, Tensor<T> result, ReadOnlySpan<Tensor<T>> inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t_settings is not { } settings || t_inRule) return;
        var (nan, inf) = Count(result);
        if (nan == 0 && (inf == 0 || !settings.CheckForwardInfinity)) return;
        bool created = true;
        var lines = new List<string>();
        for (int i = 0; i < inputs.Length; i++)
        {
            lines.Add($"input {i}: {Describe(inputs[i])}");
            var (n, f) = Count(inputs[i]);
            if (n + f > 0) created = false;
        }
        var origin = Caller();
        Throw(op.Name, AnomalyPhase.Forward, created, origin, lines,
            $"{op.Name} produced {Counted(nan, inf)} in its result of shape {Shapes.Format(result.Dims)}");
    }

    /// <summary>Remembers where the user called the op of <paramref name="node"/>; called when a node is recorded with the
    /// mode on.</summary>
    public static void Remember(object node)
    {
        if (t_settings is null) return;
        Origins.AddOrUpdate(node, Caller());
    }

    /// <summary>Runs a node's backward rule with the per-op forward checks paused (its result is checked as a whole by
    /// <see cref="Backward{T}"/>).</summary>
    public static Tensor<T>?[] RunRule<T>(Derivative<T> rule, Tensor<T> g, Tensor<T> output, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool previous = t_inRule;
        t_inRule = t_settings is not null;
        try { return rule(g, output, inputs); }
        finally { t_inRule = previous; }
    }

    /// <summary>Checks the gradients a node's backward rule returned for its inputs.</summary>
    public static void Backward<T>(Node<T> node, Tensor<T> upstream, Tensor<T>?[] grads, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t_settings is null) return;
        for (int j = 0; j < grads.Length; j++)
        {
            if (grads[j] is not { } gj) continue;
            var (nan, inf) = Count(gj);
            if (nan + inf == 0) continue;
            var (un, uf) = Count(upstream);
            var lines = new List<string> { $"upstream gradient: {Describe(upstream)}" };
            for (int i = 0; i < inputs.Length; i++) lines.Add($"input {i}: {Describe(inputs[i])}");
            Origins.TryGetValue(node, out var origin);
            Throw(node.Name, AnomalyPhase.Backward, un + uf == 0, origin, lines,
                $"the backward of {node.Name} produced {Counted(nan, inf)} in the gradient for its input {j} (shape {Shapes.Format(gj.Dims)}; formula: {node.Formula(j)})");
        }
    }

    private static string Counted(int nan, int inf) =>
        (nan > 0 ? $"{nan} NaN" + (inf > 0 ? $" and {inf} infinite" : "") : $"{inf} infinite") + " value(s)";

    private static void Throw(string op, AnomalyPhase phase, bool created, Origin? origin, List<string> inputs, string what)
    {
        string where = origin?.File is { } file
            ? $" at {file}:{origin.Line}"
            : phase == AnomalyPhase.Backward ? " (source line unknown: the op was recorded before DetectAnomaly was on)" : "";
        string cause = created
            ? (phase == AnomalyPhase.Forward ? "every input was finite, so the op created it" : "the upstream gradient was finite, so the op's derivative created it")
            : (phase == AnomalyPhase.Forward ? "an input already held a non-finite value, which the op passed on" : "the upstream gradient already held a non-finite value, which the op passed on");
        string message = $"DetectAnomaly: {what}{where}; {cause}.{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", inputs)}";
        throw new AnomalyException(message, op, phase, created, origin?.File, origin?.Line ?? 0, inputs);
    }

    private static (int NaN, int Infinite) Count<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nan = 0, inf = 0;
        foreach (var v in t.ToArray())
        {
            if (T.IsNaN(v)) nan++;
            else if (T.IsInfinity(v)) inf++;
        }
        return (nan, inf);
    }

    private static string Describe<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        int nan = 0, inf = 0;
        foreach (var v in t.ToArray())
        {
            double d = double.CreateTruncating(v);
            if (double.IsNaN(d)) { nan++; continue; }
            if (double.IsInfinity(d)) inf++;
            min = Math.Min(min, d);
            max = Math.Max(max, d);
        }
        string range = t.NumElements == nan ? "no numbers" : string.Create(CultureInfo.InvariantCulture, $"min {min:G6}, max {max:G6}");
        return $"shape {Shapes.Format(t.Dims)}, {range}, {nan} NaN, {inf} infinite";
    }

    /// <summary>The innermost frame outside this library's assemblies that has a source line: the user's call.</summary>
    private static Origin Caller()
    {
        var frames = new StackTrace(2, fNeedFileInfo: true).GetFrames();
        foreach (var frame in frames)
        {
            var assembly = DiagnosticMethodInfo.Create(frame)?.DeclaringAssemblyName is { } full ? new System.Reflection.AssemblyName(full).Name : null;
            if (assembly is null || IsLibrary(assembly) || frame.GetFileName() is not { } file) continue;
            return new Origin(file, frame.GetFileLineNumber());
        }
        return new Origin(null, 0);
    }

    private static bool IsLibrary(string assembly) =>
        assembly is "Autograd" or "Autograd.NN" or "Autograd.Testing" or "Autograd.Plotting" or "Autograd.Distributed"
        || assembly.StartsWith("System.", StringComparison.Ordinal) || assembly == "System";
}
