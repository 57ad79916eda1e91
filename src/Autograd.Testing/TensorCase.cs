using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.Testing;

/// <summary>
/// A generated case: the input tensors of a function (and, when drawn for a known function, a cotangent shaped like
/// its output), built from recorded <see cref="Choices"/> so that FsCheck can shrink it. Its <see cref="ToString"/> is
/// compact, so a counterexample reads <c>x0 [2] = [0.5, -1]; v [] = 1</c>.
/// </summary>
public class TensorCase
{
    private readonly Tensor<double>[] _inputs;
    private readonly Tensor<double>? _cotangent;

    internal TensorCase(CaseRecipe recipe, ulong seed, Recording recording, Tensor<double>[] inputs, Tensor<double>? cotangent)
    {
        Recipe = recipe;
        Seed = seed;
        Recording = recording;
        _inputs = inputs;
        _cotangent = cotangent;
    }

    /// <summary>A copy of <paramref name="other"/> (for the typed cases of <see cref="TensorCase{TSpec}"/>).</summary>
    protected TensorCase(TensorCase other) : this(other.Recipe, other.Seed, other.Recording, other._inputs, other._cotangent) { }

    internal CaseRecipe Recipe { get; }
    internal Recording Recording { get; }

    /// <summary>The seed of the fresh draws the case was built from (a shrunk case keeps its original's seed).</summary>
    public ulong Seed { get; }

    /// <summary>The inputs, as fresh leaves on every access (same values, shapes and RequiresGrad), so a property that
    /// backpropagates into them or changes them leaves the case as it was.</summary>
    public Tensor<double>[] Inputs => [.. _inputs.Select(Copy)];

    /// <summary>Input <paramref name="index"/>, a fresh leaf.</summary>
    public Tensor<double> this[int index] => Copy(_inputs[index]);

    /// <summary>How many inputs.</summary>
    public int Count => _inputs.Length;

    /// <summary>The input shapes.</summary>
    public IReadOnlyList<int[]> Shapes => [.. _inputs.Select(x => x.Shape.ToArray())];

    /// <summary>The total number of input elements (what shape shrinking lowers).</summary>
    public int Elements => _inputs.Sum(x => x.NumElements);

    /// <summary>Whether the case has a cotangent (it was drawn for a function whose output shape it knows).</summary>
    public bool HasCotangent => _cotangent is not null;

    /// <summary>The cotangent v, shaped like the function's output, with values k/4 in [−2, 2]; shrinks toward one-hot.</summary>
    /// <exception cref="InvalidOperationException">The case was drawn without a function, so without a cotangent.</exception>
    public Tensor<double> Cotangent => _cotangent is { } v ? Copy(v)
        : throw new InvalidOperationException("TensorCase: this case has no cotangent (draw it with TensorCases.Of(inputs, f) or from an OpInfo's GradCases)");

    /// <summary>Compact text: every input as <c>x{i} [shape] = values</c> (marked "no grad" where it does not require
    /// grad), then the cotangent as <c>v [shape] = values</c>; values round-trip, at most 48 per tensor.</summary>
    public override string ToString()
    {
        var parts = _inputs.Select((x, i) => $"x{i}{(x.RequiresGrad ? "" : " (no grad)")} {Describe(x)}").ToList();
        if (_cotangent is { } v) parts.Add($"v {Describe(v)}");
        return string.Join("; ", parts);
    }

    /// <summary><c>[shape] = values</c> with nested brackets, e.g. <c>[2, 2] = [[1, 0.5], [0, -2]]</c>.</summary>
    public static string Describe(Tensor<double> t, int limit = 48)
    {
        ArgumentNullException.ThrowIfNull(t);
        int[] shape = [.. t.Shape];
        var data = t.ToArray();
        var sb = new StringBuilder($"[{string.Join(", ", shape)}] = ");
        if (shape.Length == 0) return sb.Append(Domain.Format(data[0])).ToString();
        if (data.Length == 0) return sb.Append("[]").ToString();
        if (data.Length > limit)
            return sb.Append('[').AppendJoin(", ", data.Take(limit).Select(Domain.Format)).Append($", … ({data.Length} values)]").ToString();
        var suffix = new int[shape.Length];
        for (int d = shape.Length - 1, p = 1; d >= 0; d--) suffix[d] = p *= shape[d];
        for (int i = 0; i < data.Length; i++)
        {
            int opens = suffix.Count(s => i % s == 0), closes = suffix.Count(s => (i + 1) % s == 0);
            if (i > 0) sb.Append(", ");
            sb.Append('[', opens).Append(Domain.Format(data[i])).Append(']', closes);
        }
        return sb.ToString();
    }

    private static Tensor<double> Copy(Tensor<double> t) => Tensor.FromArray(t.ToArray(), [.. t.Shape], t.RequiresGrad);
}

/// <summary>A case whose inputs <typeparamref name="TSpec"/> draws: the type FsCheck.Xunit resolves a property parameter
/// by, through <see cref="TensorArbitraries"/>.</summary>
/// <typeparam name="TSpec">What to draw (<see cref="Specs.AnyTensor"/>, <see cref="Specs.BroadcastPair"/>, … or your own).</typeparam>
public sealed class TensorCase<TSpec> : TensorCase where TSpec : ICaseSpec
{
    internal TensorCase(TensorCase built) : base(built) { }
}

/// <summary>How to draw the inputs of a case (and, optionally, the shape of the output a cotangent is drawn for), as a
/// type, so FsCheck.Xunit can resolve <see cref="TensorCase{TSpec}"/> parameters.</summary>
public interface ICaseSpec
{
    /// <summary>The inputs, drawn from <paramref name="g"/> (with <see cref="TensorGen"/>).</summary>
    static abstract Tensor<double>[] Draw(Choices g);

    /// <summary>The output shape for the inputs, when the case carries a cotangent; null (the default) for none.</summary>
    static virtual int[]? OutputShape(Tensor<double>[] inputs) => null;
}

/// <summary>A recipe for cases: the input generator, the output shape a cotangent follows (if any) and the typed wrapper.
/// Building from a recording replays it; shrinking rebuilds from each candidate recording and keeps those that are simpler.</summary>
internal sealed class CaseRecipe(Func<Choices, Tensor<double>[]> inputs, Func<Tensor<double>[], int[]?>? outputShape,
    Func<TensorCase, TensorCase> wrap)
{
    public TensorCase Build(ulong seed, Recording? replay = null)
    {
        var choices = replay is null ? new Choices(seed) : new Choices(replay, seed);
        var xs = inputs(choices);
        Tensor<double>? v = null;
        if (outputShape?.Invoke([.. xs.Select(x => Tensor.FromArray(x.ToArray(), [.. x.Shape]))]) is { } shape)
            v = Tensor.FromArray(choices.CotangentValues(shape), shape);
        return wrap(new TensorCase(this, seed, choices.Recorded, xs, v));
    }

    public IEnumerable<TensorCase> Shrink(TensorCase c)
    {
        var measure = c.Recording.Measure;
        foreach (var candidate in Shrinking.Candidates(c.Recording))
        {
            // A generator may refuse some choices (a rejection loop that gives up): that candidate is simply not one.
            TensorCase shrunk;
            try { shrunk = Build(c.Seed, candidate); }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException) { continue; }
            if (Recording.Simpler(shrunk.Recording.Measure, measure)) yield return shrunk;
        }
    }

    /// <summary>Seeds from FsCheck's generator (so FsCheck's replay reproduces a run), cases built from them.</summary>
    public Gen<TensorCase> Generator => Gen.Choose(0, int.MaxValue).Select(i => Build((ulong)i));
}
