namespace Autograd;

/// <summary>
/// A seeded pseudo-random generator (xoshiro256**, Blackman &amp; Vigna 2018, seeded through SplitMix64).
/// Pass one explicitly wherever randomness is used so that runs are reproducible.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>Creates a generator whose whole stream is determined by <paramref name="seed"/>.</summary>
    public Generator(ulong seed)
    {
        ulong z = seed;
        _s0 = SplitMix(ref z);
        _s1 = SplitMix(ref z);
        _s2 = SplitMix(ref z);
        _s3 = SplitMix(ref z);
    }

    private static ulong SplitMix(ref ulong z)
    {
        ulong r = z += 0x9E3779B97F4A7C15UL;
        r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9UL;
        r = (r ^ (r >> 27)) * 0x94D049BB133111EBUL;
        return r ^ (r >> 31);
    }

    /// <summary>The next 64 uniformly distributed bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>) without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), "NextInt: bound must be positive");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Standard normal sample by the Box–Muller transform (pairs are cached).</summary>
    public double NextNormal()
    {
        if (_spareNormal is double spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// The generator's whole state (the four xoshiro256** words and the cached second normal), so that a checkpoint
    /// can save it and <see cref="SetState"/> can continue the same stream later, in another process.
    /// </summary>
    public GeneratorState GetState() => new(_s0, _s1, _s2, _s3, _spareNormal);

    /// <summary>Continues the stream from <paramref name="state"/> (see <see cref="GetState"/>).</summary>
    /// <exception cref="ArgumentException">All four words are zero: xoshiro256** would then produce zeros forever.</exception>
    public void SetState(GeneratorState state)
    {
        if ((state.S0 | state.S1 | state.S2 | state.S3) == 0)
            throw new ArgumentException("Generator.SetState: the four state words are all zero, which no seeded generator reaches", nameof(state));
        (_s0, _s1, _s2, _s3, _spareNormal) = (state.S0, state.S1, state.S2, state.S3, state.SpareNormal);
    }

    /// <summary>Fisher–Yates shuffle of <paramref name="values"/> in place.</summary>
    public void Shuffle<TItem>(Span<TItem> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}

/// <summary>A <see cref="Generator"/>'s complete state: the xoshiro256** words and the cached normal sample, if any.</summary>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, double? SpareNormal);
