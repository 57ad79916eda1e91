using System.Numerics;

namespace Autograd.Kernels;

/// <summary>Stable sorting of the lanes along one dim of a row-major array viewed as [outer, n, inner].</summary>
internal static class Sort
{
    /// <summary>
    /// For each lane (o, ·, r) the positions of its first <paramref name="k"/> elements in stable ascending order (or
    /// descending when <paramref name="descending"/>; equal elements keep their order either way), written to
    /// indices[o, j, r] for j &lt; k. NaN sorts above every number, as PyTorch's sort.
    /// </summary>
    public static void Lanes<T>(T[] x, int offset, int outer, int n, int inner, int k, bool descending, int[] indices)
        where T : unmanaged, INumber<T>
    {
        // A comparison sort costs about n·log₂n comparisons, counted here as 8n elements of work.
        Chunks.ForItems(outer * inner, 8L * n, (s, e) =>
        {
            var keys = new T[n];
            var order = new int[n];
            for (int l = s; l < e; l++)
            {
                int o = l / inner, r = l % inner, start = offset + o * n * inner + r;
                for (int j = 0; j < n; j++) { keys[j] = x[start + j * inner]; order[j] = j; }
                Array.Sort(order, (a, b) =>
                {
                    int c = Compare(keys[a], keys[b]);
                    return c != 0 ? (descending ? -c : c) : a.CompareTo(b);
                });
                for (int j = 0; j < k; j++) indices[(o * k + j) * inner + r] = order[j];
            }
        });
    }

    private static int Compare<T>(T a, T b) where T : INumber<T>
    {
        bool na = T.IsNaN(a), nb = T.IsNaN(b);
        if (na || nb) return na == nb ? 0 : na ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }
}
