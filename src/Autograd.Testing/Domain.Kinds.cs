namespace Autograd.Testing;

/// <summary>[low, high).</summary>
internal sealed class IntervalDomain(double low, double high) : Domain
{
    public override bool Contains(double raw) => raw >= low && raw < high;
    protected override double DrawOne(Generator random) => low + (high - low) * random.NextDouble();
    public override string ToString() => $"[{Format(low)}, {Format(high)})";
}

/// <summary>margin ≤ |v| &lt; max, either sign.</summary>
internal sealed class NonZeroDomain(double margin, double max) : Domain
{
    public override bool Contains(double raw) => Math.Abs(raw) >= margin && Math.Abs(raw) < max;
    protected override double DrawOne(Generator random)
    {
        double v = margin + (max - margin) * random.NextDouble();
        return random.NextInt(2) == 0 ? -v : v;
    }
    public override string ToString() => $"non-zero, {Format(margin)} ≤ |x| < {Format(max)}";
}

/// <summary>[low, high) without the margin-neighbourhoods of the kinks, drawn by rejection.</summary>
internal sealed class AwayDomain(double[] kinks, double low, double high, double margin) : Domain
{
    public override bool Contains(double raw) => raw >= low && raw < high && Array.TrueForAll(kinks, k => Math.Abs(raw - k) >= margin);
    protected override double DrawOne(Generator random)
    {
        for (int tries = 0; tries < 10_000; tries++)
        {
            double v = low + (high - low) * random.NextDouble();
            if (Contains(v)) return v;
        }
        throw new InvalidOperationException($"Domain.AwayFrom: no value of [{Format(low)}, {Format(high)}) is {Format(margin)} away from {string.Join(", ", kinks.Select(Format))}");
    }
    public override string ToString() => $"[{Format(low)}, {Format(high)}) away from {string.Join(", ", kinks.Select(Format))}";
}

/// <summary>Pairwise gaps of at least 2·Margin: −1 + 0.25·i + 0.1·u, shuffled.</summary>
internal sealed class DistinctDomain : Domain
{
    public override bool Contains(double raw) => double.IsFinite(raw);

    public override bool Accepts(double[] raw, int[] shape)
    {
        var sorted = raw.Order().ToArray();
        for (int i = 1; i < sorted.Length; i++) if (sorted[i] - sorted[i - 1] < 2 * Margin) return false;
        return Array.TrueForAll(raw, Contains);
    }

    protected override double DrawOne(Generator random) => random.NextDouble();

    public override double[] Draw(Generator random, int[] shape)
    {
        var data = new double[TensorGen.Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = -1 + 0.25 * i + 0.1 * random.NextDouble();
        random.Shuffle(data.AsSpan());
        return data;
    }

    public override string ToString() => "distinct";
}

/// <summary>Raw weights in [0.1, 1], normalised along the last dim.</summary>
internal sealed class SimplexDomain : Domain
{
    public override bool Contains(double raw) => raw >= 0.1 && raw <= 1;
    protected override double DrawOne(Generator random) => 0.1 + 0.9 * random.NextDouble();

    public override void CheckShape(int[] shape)
    {
        if (shape.Length == 0) throw new ArgumentException("Domain.Simplex: needs a tensor of rank ≥ 1 (the simplex lies along the last dim), got shape []");
    }

    public override double[] Map(double[] raw, int[] shape)
    {
        int n = shape[^1];
        var p = new double[raw.Length];
        for (int start = 0; start < raw.Length; start += n)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += raw[start + j];
            for (int j = 0; j < n; j++) p[start + j] = raw[start + j] / sum;
        }
        return p;
    }

    public override string ToString() => "probability simplex (last dim)";
}

/// <summary>A = I + s·B·Bᵀ per matrix of the last two dims, B the raw values in [−1, 1].</summary>
internal sealed class SpdDomain(double maxCondition) : Domain
{
    public override bool Contains(double raw) => raw >= -1 && raw <= 1;
    protected override double DrawOne(Generator random) => -1 + 2 * random.NextDouble();

    public override void CheckShape(int[] shape)
    {
        if (shape.Length < 2 || shape[^1] != shape[^2])
            throw new ArgumentException($"Domain.SymmetricPositiveDefinite: needs square matrices in the last two dims, got shape [{string.Join(", ", shape)}]");
    }

    public override double[] Map(double[] raw, int[] shape)
    {
        int n = shape[^1];
        var a = new double[raw.Length];
        for (int start = 0; start < raw.Length; start += n * n)
        {
            double frobenius = 0;
            for (int k = 0; k < n * n; k++) frobenius += raw[start + k] * raw[start + k];
            // ‖B·Bᵀ‖₂ = ‖B‖₂² ≤ ‖B‖²_F, so the eigenvalues of I + s·B·Bᵀ lie in [1, 1 + (κ − 1)].
            double s = (maxCondition - 1) / Math.Max(1, frobenius);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double dot = 0;
                    for (int k = 0; k < n; k++) dot += raw[start + i * n + k] * raw[start + j * n + k];
                    a[start + i * n + j] = (i == j ? 1 : 0) + s * dot;
                }
        }
        return a;
    }

    public override string ToString() => $"symmetric positive definite, condition ≤ {Format(maxCondition)}";
}

/// <summary>Whole numbers in [low, high].</summary>
internal sealed class WholeDomain(int low, int high) : Domain
{
    public override bool Contains(double raw) => raw >= low && raw <= high && raw == Math.Floor(raw);
    protected override double DrawOne(Generator random) => low + random.NextInt(high - low + 1);
    public override string ToString() => $"whole numbers in [{low}, {high}]";
}

/// <summary>k/4 in [−2, 2]; shrinks first to one-hot vectors, then element by element toward 0.</summary>
internal sealed class CotangentDomain : Domain
{
    public override bool Contains(double raw) => raw >= -2 && raw <= 2 && BinaryDigits(raw) <= 2;
    protected override double DrawOne(Generator random) => (random.NextInt(17) - 8) / 4.0;

    public override IEnumerable<double[]> SimplerBlocks(double[] raw, int[] shape)
    {
        // One-hot vectors at each element that is not 0, largest first: a bug in one output element survives them.
        if (raw.Count(v => v != 0) > 1 || raw.Any(v => v != 0 && v != 1))
            foreach (int k in Enumerable.Range(0, raw.Length).Where(k => raw[k] != 0).OrderByDescending(k => Math.Abs(raw[k])))
            {
                var e = new double[raw.Length];
                e[k] = 1;
                yield return e;
            }
        foreach (var block in base.SimplerBlocks(raw, shape)) yield return block;
    }

    public override string ToString() => "cotangent (k/4 in [−2, 2])";
}
