using FsCheck;
using FsCheck.Fluent;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;

namespace Autograd.Testing;

/// <summary>What one run of a property found: whether it held, and on failure the first failing arguments, the shrunk
/// ones and FsCheck's message.</summary>
/// <param name="Passed">True when every case held.</param>
/// <param name="Tests">How many cases ran.</param>
/// <param name="Shrinks">How many shrink steps FsCheck took.</param>
/// <param name="FirstFailure">The arguments of the first failing case (empty on a pass).</param>
/// <param name="Shrunk">The arguments after shrinking (empty on a pass).</param>
/// <param name="Message">FsCheck's report of the run.</param>
public sealed record PropertyOutcome(bool Passed, int Tests, int Shrinks, IReadOnlyList<object> FirstFailure,
    IReadOnlyList<object> Shrunk, string Message);

/// <summary>Runs an FsCheck property outside a test framework (a console program, a notebook) and returns its outcome
/// instead of printing or throwing, so the caller can read the first failing case and the shrunk one.</summary>
public static class PropertyRun
{
    /// <summary>Runs <paramref name="property"/> on <paramref name="maxTest"/> cases drawn from <paramref name="seed"/>.</summary>
    public static PropertyOutcome Check(Property property, int maxTest = 100, ulong seed = 20240611)
    {
        ArgumentNullException.ThrowIfNull(property);
        var capture = new Capture();
        FsCheck.Check.One(Config.Quick.WithRunner(capture).WithMaxTest(maxTest).WithReplay(seed, 0x9E3779B97F4A7C15UL), property);
        var result = capture.Result ?? throw new InvalidOperationException("PropertyRun.Check: FsCheck reported no result");
        string message = Runner.onFinishedToString("property", result);
        return result switch
        {
            TestResult.Failed f => new PropertyOutcome(false, f.Item1.NumberOfTests, f.Item1.NumberOfShrinks, [.. f.Item2], [.. f.Item3], message),
            TestResult.Passed p => new PropertyOutcome(true, p.Item1.NumberOfTests, 0, [], [], message),
            TestResult.Exhausted e => new PropertyOutcome(false, e.Item.NumberOfTests, 0, [], [], message),
            _ => throw new InvalidOperationException($"PropertyRun.Check: unknown result {result}"),
        };
    }

    /// <summary>Keeps FsCheck's final result.</summary>
    private sealed class Capture : IRunner
    {
        public TestResult? Result { get; private set; }
        public void OnStartFixture(Type t) { }
        public void OnArguments(int ntest, FSharpList<object> args, FSharpFunc<int, FSharpFunc<FSharpList<object>, string>> every) { }
        public void OnShrink(FSharpList<object> args, FSharpFunc<FSharpList<object>, string> everyShrink) { }
        public void OnFinished(string name, TestResult result) => Result = result;
    }
}
