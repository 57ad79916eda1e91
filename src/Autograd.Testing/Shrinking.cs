namespace Autograd.Testing;

/// <summary>
/// Shrink candidates of a recording, in the order they are tried: shapes first (the whole numbers: ranks, dim sizes,
/// counts), then the doubles drawn directly, then the input values toward simple ones inside their domains, then
/// the cotangent toward a one-hot vector. FsCheck keeps the first candidate on which the property still fails and
/// starts again from it; the caller keeps only candidates whose rebuilt case has a lower <see cref="Recording.Measure"/>.
/// </summary>
internal static class Shrinking
{
    public static IEnumerable<Recording> Candidates(Recording r)
    {
        var ints = Enumerable.Range(0, r.Scalars.Length).Where(i => r.Bounds[i] > 0).ToArray();
        foreach (int i in ints)
        {
            int v = (int)r.Scalars[i];
            if (v == 0) continue;
            yield return SetScalar(r, i, 0);
            // A dim drawn as "1 or 1 + NextInt(max)" reads one whole number fewer once the first is 0.
            if (i + 1 < r.Scalars.Length && r.Bounds[i + 1] > 0) yield return Delete(SetScalar(r, i, 0), i + 1);
            if (v / 2 > 0) yield return SetScalar(r, i, v / 2);
            if (v - 1 > v / 2) yield return SetScalar(r, i, v - 1);
        }
        foreach (int i in ints) yield return Delete(r, i);

        for (int i = 0; i < r.Scalars.Length; i++)
            if (r.Bounds[i] == 0)
                foreach (double s in Domain.Interval(0, 1).Simpler(r.Scalars[i])) yield return SetScalar(r, i, s);

        for (int b = 0; b < r.Blocks.Length; b++)
            foreach (var raw in Simpler(r.Blocks[b])) yield return r with { Blocks = Replace(r.Blocks, b, raw) };
        for (int b = 0; b < r.Cotangents.Length; b++)
            foreach (var raw in Simpler(r.Cotangents[b])) yield return r with { Cotangents = Replace(r.Cotangents, b, raw) };
    }

    /// <summary>Whole-block simplifications, then element by element; only blocks the domain accepts and that differ.</summary>
    private static IEnumerable<double[]> Simpler(Block block)
    {
        var (raw, shape, domain) = (block.Raw, block.Shape, block.Domain);
        foreach (var candidate in domain.SimplerBlocks(raw, shape))
            if (!candidate.AsSpan().SequenceEqual(raw) && domain.Accepts(candidate, shape)) yield return candidate;
        for (int e = 0; e < raw.Length; e++)
            foreach (double s in domain.Simpler(raw[e]))
            {
                var candidate = (double[])raw.Clone();
                candidate[e] = s;
                if (domain.Accepts(candidate, shape)) yield return candidate;
            }
    }

    private static Recording SetScalar(Recording r, int i, double v)
    {
        var scalars = (double[])r.Scalars.Clone();
        scalars[i] = v;
        return r with { Scalars = scalars };
    }

    private static Recording Delete(Recording r, int i) =>
        r with { Scalars = [.. r.Scalars[..i], .. r.Scalars[(i + 1)..]], Bounds = [.. r.Bounds[..i], .. r.Bounds[(i + 1)..]] };

    private static Block[] Replace(Block[] blocks, int b, double[] raw)
    {
        var copy = (Block[])blocks.Clone();
        copy[b] = blocks[b] with { Raw = raw };
        return copy;
    }
}
