using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

// The row passes of the tiled (AVX-512) path, one row at a time in 512-bit vectors: a head's rows are short (S = 64 is
// four float vectors), so the general softmax's separate calls per row (scale, mask, max, exp, sum, divide; and in the
// backward clear, dot, subtract, multiply, scale) cost more than their arithmetic. A causal row i runs over its keys
// 0..i only and writes zeros past them, where the general form filled −∞ and took exp of it.
internal static partial class Attention
{
    /// <summary>
    /// P = softmax(s·X + M) in place over the rows of one head's scores X [L, S] (M the additive mask rows, or empty),
    /// each row over its first n = min(i + 1, S) keys when <paramref name="causal"/> (zeros after), else all S, for S a
    /// multiple of the vector width (<see cref="FusedRows{T}"/>). Shifted by the row's max, as the general softmax; a
    /// row whose every key is blocked gives 0/0 = NaN, as it does.
    /// </summary>
    private static void SoftmaxRows<T>(Span<T> head, int l, int s, T scale, ReadOnlySpan<T> mask, bool causal)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        var vScale = Vector512.Create(scale);
        var blocked = Vector512.Create(T.NegativeInfinity);
        ref T m = ref MemoryMarshal.GetReference(mask);
        for (int i = 0; i < l; i++)
        {
            ref T r = ref MemoryMarshal.GetReference(head.Slice(i * s, s));
            int n = causal ? Math.Min(i + 1, s) : s, end = (n + w - 1) / w * w;
            // s·x + m over whole vectors to n rounded up, the lanes from n on −∞ (so exp gives 0 there); the max.
            var vMax = blocked;
            for (int j = 0; j < end; j += w)
            {
                var v = Vector512.LoadUnsafe(ref r, (nuint)j) * vScale;
                if (!mask.IsEmpty) v += Vector512.LoadUnsafe(ref m, (nuint)(i * s + j));
                if (j + w > n) v = Vector512.ConditionalSelect(Vector512.LessThan(Vector512<T>.Indices + Vector512.Create(T.CreateTruncating(j)), Vector512.Create(T.CreateTruncating(n))), v, blocked);
                v.StoreUnsafe(ref r, (nuint)j);
                vMax = Vector512.Max(vMax, v);
            }
            T max = HorizontalMax(vMax);
            if (T.IsInfinity(max)) max = T.Zero;
            // e = exp(x − max) and its sum, then e / sum; zeros after the last vector.
            var vShift = Vector512.Create(max);
            var vSum = Vector512<T>.Zero;
            for (int j = 0; j < end; j += w)
            {
                var e = ExpFunction<T>.Invoke(Vector512.LoadUnsafe(ref r, (nuint)j) - vShift);
                e.StoreUnsafe(ref r, (nuint)j);
                vSum += e;
            }
            var vTotal = Vector512.Create(Vector512.Sum(vSum));
            for (int j = 0; j < end; j += w) (Vector512.LoadUnsafe(ref r, (nuint)j) / vTotal).StoreUnsafe(ref r, (nuint)j);
            head.Slice(i * s + end, s - end).Clear();
        }
    }

    /// <summary>Whether the row passes here serve a head of <paramref name="s"/> keys: whole vectors per row.</summary>
    private static bool FusedRows<T>(int s) where T : unmanaged => s % Vector512<T>.Count == 0;

    /// <summary>The largest lane of <paramref name="v"/> (NaN if any lane is NaN, as the vector max propagates it).</summary>
    private static T HorizontalMax<T>(Vector512<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var h = Vector256.Max(v.GetLower(), v.GetUpper());
        var q = Vector128.Max(h.GetLower(), h.GetUpper());
        T max = q.GetElement(0);
        for (int k = 1; k < Vector128<T>.Count; k++) max = T.Max(max, q.GetElement(k));
        return max;
    }

    /// <summary>
    /// dS = s·P ⊙ (dP − Σⱼ dPⱼPⱼ) in place over the rows of one head's dP [L, S] (P the head's weights), each row over
    /// whole vectors to its n keys rounded up (P is 0 past n, so those lanes give 0), zeros after; S as in
    /// <see cref="SoftmaxRows{T}"/>.
    /// </summary>
    private static void SoftmaxGradRows<T>(Span<T> ds, ReadOnlySpan<T> p, int l, int s, T scale, bool causal)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        var vScale = Vector512.Create(scale);
        for (int i = 0; i < l; i++)
        {
            ref T d = ref MemoryMarshal.GetReference(ds.Slice(i * s, s));
            ref T pr = ref Unsafe.Add(ref MemoryMarshal.GetReference(p), i * s);
            int n = causal ? Math.Min(i + 1, s) : s, end = (n + w - 1) / w * w;
            var vDot = Vector512<T>.Zero;
            for (int j = 0; j < end; j += w) vDot += Vector512.LoadUnsafe(ref d, (nuint)j) * Vector512.LoadUnsafe(ref pr, (nuint)j);
            var dot = Vector512.Create(Vector512.Sum(vDot));
            for (int j = 0; j < end; j += w)
                ((Vector512.LoadUnsafe(ref d, (nuint)j) - dot) * Vector512.LoadUnsafe(ref pr, (nuint)j) * vScale).StoreUnsafe(ref d, (nuint)j);
            ds.Slice(i * s + end, s - end).Clear();
        }
    }
}
