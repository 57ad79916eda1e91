using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Reductions over one block of dims of a contiguous buffer viewed as [outer, n, inner].</summary>
internal static class Reduce
{
    /// <summary>dst[o, i] = Σ_j src[o, j, i].</summary>
    public static void Sum<T>(ReadOnlySpan<T> src, int outer, int n, int inner, Span<T> dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++) dst[o] = TensorPrimitives.Sum(src.Slice(o * n, n));
            return;
        }
        dst.Clear();
        for (int o = 0; o < outer; o++)
        {
            var acc = dst.Slice(o * inner, inner);
            for (int j = 0; j < n; j++)
                TensorPrimitives.Add(acc, src.Slice((o * n + j) * inner, inner), acc);
        }
    }

    /// <summary>dst[o, i] = argmax_j src[o, j, i] (or argmin), first occurrence on ties; NaN wins like PyTorch.</summary>
    public static void ArgExtreme<T>(ReadOnlySpan<T> src, int outer, int n, int inner, bool max, Span<int> dst)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * n * inner + i;
                int best = 0;
                T bestValue = src[baseIndex];
                for (int j = 1; j < n && !T.IsNaN(bestValue); j++)
                {
                    T v = src[baseIndex + j * inner];
                    if (T.IsNaN(v) || (max ? v > bestValue : v < bestValue))
                    {
                        best = j;
                        bestValue = v;
                    }
                }
                dst[o * inner + i] = best;
            }
        }
    }

    /// <summary>Splits a shape around dims [start, end] into outer · n · inner.</summary>
    public static (int Outer, int N, int Inner) Split(ReadOnlySpan<int> shape, int start, int end)
    {
        int outer = 1, n = 1, inner = 1;
        for (int i = 0; i < start; i++) outer *= shape[i];
        for (int i = start; i <= end; i++) n *= shape[i];
        for (int i = end + 1; i < shape.Length; i++) inner *= shape[i];
        return (outer, n, inner);
    }
}
