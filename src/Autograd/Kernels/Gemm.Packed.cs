using System.Numerics;

namespace Autograd.Kernels;

// Products with an operand packed once (a recurrent weight used at every step of a sequence).
public static partial class Gemm
{
    /// <summary>
    /// op(B) [k×n] (stored as in <see cref="Multiply{T}"/>) packed once for <see cref="MultiplyPacked{T}"/>, which then
    /// skips packing it in every product: for a weight multiplied at every step of a sequence. Private: later changes of
    /// <paramref name="b"/> do not reach it (the products read the packed copy, or a plain copy where they are too small
    /// for the packed driver).
    /// </summary>
    /// <remarks>A <paramref name="path"/> other than Auto is used even where this CPU lacks it (as
    /// <see cref="MultiplyOnAnyPath{T}"/>, for tests).</remarks>
    /// <remarks><c>rent</c>, when given, supplies the packed array from its length (a pooled buffer whose lifetime the
    /// caller tracks); otherwise the array is new.</remarks>
    internal static PackedOperand<T> PackB<T>(T[] b, int bOffset, int ldb, bool transB, int k, int n, KernelPath path = KernelPath.Auto,
        Func<int, T[]>? rent = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (path == KernelPath.Auto) path = KernelPaths.Resolve(KernelPath.Auto);
        var probe = new GemmProblem<T>(b, 0, Math.Max(1, k), false, b, bOffset, ldb, transB, b, 0, Math.Max(1, n), 0, n, k, false);
        Validate(probe, nameof(PackB));
        T[]? packed = typeof(T) != typeof(float) && typeof(T) != typeof(double) ? null : path switch
        {
            KernelPath.Avx512 => GemmDriver<T, Avx512Kernel<T>>.Pack(b, bOffset, ldb, transB, k, n, rent),
            KernelPath.Avx2 => GemmDriver<T, Avx2Kernel<T>>.Pack(b, bOffset, ldb, transB, k, n, rent),
            _ => GemmDriver<T, PortableKernel<T>>.Pack(b, bOffset, ldb, transB, k, n, rent),
        };
        // Products too small for the packed driver (GemmSmall) and other element types read the source instead: keep a
        // copy of it then (a weight of at most 16³ elements), so that the operand is private either way.
        if (packed is null || GemmSmall.Suits((long)n * k, transB: false))
        {
            int rows = transB ? n : k, cols = transB ? k : n;
            var copy = new T[rows * cols];
            for (int r = 0; r < rows; r++) b.AsSpan(bOffset + r * ldb, cols).CopyTo(copy.AsSpan(r * cols, cols));
            return new PackedOperand<T>(copy, 0, Math.Max(1, cols), transB, k, n, path, packed);
        }
        return new PackedOperand<T>(b, bOffset, ldb, transB, k, n, path, packed);
    }

    /// <summary>
    /// C[m×n] = A[m×k]·op(B) (+ C) with op(B) packed by <see cref="PackB{T}"/>: the same bits as <see cref="Multiply{T}"/>
    /// on the original B. On all cores, or on the calling thread only when <paramref name="thisThreadOnly"/>.
    /// </summary>
    internal static void MultiplyPacked<T>(T[] a, int aOffset, int lda, PackedOperand<T> b, T[] c, int cOffset, int ldc, int m,
        bool accumulate, bool thisThreadOnly) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = new GemmProblem<T>(a, aOffset, lda, false, b.Source, b.Offset, b.Ldb, b.TransB, c, cOffset, ldc, m, b.N, b.K, accumulate)
        {
            PackedB = b.Packed,
        };
        Validate(g, nameof(MultiplyPacked));
        // Run takes the packed driver for float and double; where it would not (other element types, tiny products),
        // the source serves, which PackB kept as a private copy for exactly those cases.
        Run(g, b.Path, thisThreadOnly ? 1 : Workers.ThreadCount);
    }
}

/// <summary>op(B) packed once (<see cref="Gemm.PackB{T}"/>) with the original it came from, which still serves products
/// the packed driver does not run.</summary>
internal sealed record PackedOperand<T>(T[] Source, int Offset, int Ldb, bool TransB, int K, int N, KernelPath Path, T[]? Packed);
