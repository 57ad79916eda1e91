namespace Autograd.Testing;

/// <summary>
/// The random choices a case is built from, recorded so that the case can be rebuilt and shrunk (the approach of
/// Hypothesis: shrink the choices, not the value, and rebuild the value with the same generator code). Generators
/// (<see cref="TensorGen"/>, an <see cref="OpInfo{T}"/>'s inputs, your own) draw everything from a <see cref="Choices"/>:
/// whole numbers (<see cref="NextInt"/>: shapes, ranks, counts) and blocks of tensor values in a <see cref="Domain"/>
/// (<see cref="Values"/>). Because a shrunk case is rebuilt by the same code, it keeps every constraint that code
/// enforces: broadcastable shapes stay broadcastable, a matrix product stays compatible, values stay in their domain.
/// </summary>
/// <remarks>
/// Whole numbers and value blocks are replayed from separate streams (the k-th block request reads the k-th recorded
/// block), so a smaller shape does not misalign the values of later tensors. A replayed whole number is clamped to the
/// new bound; a replayed block is truncated or extended to the new size, and any value the new domain does not contain
/// is drawn afresh. Past the end of a recording, draws come from a generator seeded by the case's seed, so replay is
/// deterministic.
/// </remarks>
public sealed class Choices
{
    private readonly Generator _random;
    private readonly Recording? _replay;
    private int _scalarAt, _blockAt, _cotangentAt;
    private readonly List<double> _scalars = [];
    private readonly List<int> _bounds = [];
    private readonly List<Block> _blocks = [];
    private readonly List<Block> _cotangents = [];

    /// <summary>Fresh choices from a generator seeded with <paramref name="seed"/>.</summary>
    public Choices(ulong seed) : this(new Generator(seed)) { }

    /// <summary>Fresh choices drawn from <paramref name="random"/> (which they advance).</summary>
    public Choices(Generator random) => _random = random ?? throw new ArgumentNullException(nameof(random));

    internal Choices(Recording replay, ulong seed) : this(new Generator(seed)) => _replay = replay;

    /// <summary>A whole number in [0, <paramref name="maxExclusive"/>); shrinks toward 0.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"Choices.NextInt: bound must be positive, got {maxExclusive}");
        int v = _replay is { } r && _scalarAt < r.Scalars.Length && r.Bounds[_scalarAt] > 0
            ? Math.Min((int)r.Scalars[_scalarAt], maxExclusive - 1)
            : _random.NextInt(maxExclusive);
        _scalarAt++;
        _scalars.Add(v);
        _bounds.Add(maxExclusive);
        return v;
    }

    /// <summary>A double in [0, 1); shrinks toward 0 and toward short binary fractions.</summary>
    public double NextDouble()
    {
        double v = _replay is { } r && _scalarAt < r.Scalars.Length && r.Bounds[_scalarAt] == 0 && r.Scalars[_scalarAt] is >= 0 and < 1
            ? r.Scalars[_scalarAt]
            : _random.NextDouble();
        _scalarAt++;
        _scalars.Add(v);
        _bounds.Add(0);
        return v;
    }

    /// <summary>A standard normal value (Box–Muller from two <see cref="NextDouble"/> choices).</summary>
    public double NextNormal()
    {
        double u1 = NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(1 - u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="values"/> in place, one <see cref="NextInt"/> per swap.</summary>
    public void Shuffle<TItem>(Span<TItem> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>The values of a tensor of <paramref name="shape"/> in <paramref name="domain"/> (after the domain's
    /// map), recorded as one block that shrinks toward simple values inside the domain.</summary>
    public double[] Values(int[] shape, Domain domain) => Draw(shape, domain, _blocks, _replay?.Blocks, ref _blockAt);

    /// <summary>A cotangent of <paramref name="shape"/> (<see cref="Domain.Cotangent"/>), recorded apart from the input
    /// values so that it shrinks last, toward a one-hot vector.</summary>
    public double[] CotangentValues(int[] shape) => Draw(shape, Domain.Cotangent, _cotangents, _replay?.Cotangents, ref _cotangentAt);

    private double[] Draw(int[] shape, Domain domain, List<Block> record, Block[]? replay, ref int at)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(domain);
        domain.CheckShape(shape);
        double[] raw;
        if (replay is not null && at < replay.Length)
        {
            var old = replay[at].Raw;
            var fresh = domain.Draw(_random, shape);
            raw = new double[fresh.Length];
            for (int i = 0; i < raw.Length; i++) raw[i] = i < old.Length && domain.Contains(old[i]) ? old[i] : fresh[i];
            if (!domain.Accepts(raw, shape)) raw = fresh;
        }
        else raw = domain.Draw(_random, shape);
        at++;
        record.Add(new Block(raw, (int[])shape.Clone(), domain));
        return domain.Map(raw, shape);
    }

    /// <summary>What was drawn so far.</summary>
    internal Recording Recorded => new([.. _scalars], [.. _bounds], [.. _blocks], [.. _cotangents]);
}

/// <summary>One recorded block of raw values, the shape and the domain it was drawn for.</summary>
internal sealed record Block(double[] Raw, int[] Shape, Domain Domain);

/// <summary>
/// The choices of one case: whole numbers and doubles (bound 0) in draw order, input value blocks and cotangent blocks.
/// Its <see cref="Measure"/> orders cases for shrinking: fewer tensor elements first, then smaller whole numbers, then
/// simpler values; every accepted shrink step lowers it, so shrinking ends.
/// </summary>
internal sealed record Recording(double[] Scalars, int[] Bounds, Block[] Blocks, Block[] Cotangents)
{
    public (int Elements, long Integers, double Values) Measure
    {
        get
        {
            int elements = Blocks.Sum(b => b.Raw.Length) + Cotangents.Sum(b => b.Raw.Length);
            long integers = Scalars.Length;
            double values = 0;
            for (int i = 0; i < Scalars.Length; i++)
                if (Bounds[i] > 0) integers += (long)Scalars[i];
                else values += Domain.Complexity(Scalars[i]);
            foreach (var b in Blocks.Concat(Cotangents)) values += b.Raw.Sum(Domain.Complexity);
            return (elements, integers, values);
        }
    }

    public static bool Simpler((int, long, double) a, (int, long, double) b) =>
        a.Item1 != b.Item1 ? a.Item1 < b.Item1 : a.Item2 != b.Item2 ? a.Item2 < b.Item2 : a.Item3 < b.Item3;
}
