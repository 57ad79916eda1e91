using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// How the registry properties run: a fixed number of cases per op and a replay seed derived from the op's name,
/// so every run draws the same cases (a failure names the op and the case seed, which rebuilds the inputs).
/// </summary>
public static class PropertyConfig
{
    /// <summary>Cases per op and order.</summary>
    public const int MaxTest = 50;

    /// <summary>Replay tuple of the FsCheck.Xunit [Property] tests (seed, gamma).</summary>
    public const string Replay = "20240611,11400714819323198485";

    /// <summary>Case seeds: each becomes one <see cref="Generator"/> that draws shapes and values. No shrinking: a seed has no smaller form.</summary>
    public static Arbitrary<ulong> Seeds { get; } = Arb.From(Gen.Choose(0, int.MaxValue).Select(i => (ulong)i));

    /// <summary>A quiet, throwing, replayable configuration for the property named <paramref name="name"/>.</summary>
    public static Config For(string name) =>
        Config.QuickThrowOnFailure.WithMaxTest(MaxTest).WithQuietOnSuccess(true).WithName(name)
            .WithReplay(StableHash(name), 0x9E3779B97F4A7C15UL);

    /// <summary>FNV-1a of the name: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    private static ulong StableHash(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in s) h = (h ^ c) * 1099511628211UL;
        return h;
    }
}
