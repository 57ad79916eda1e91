using Autograd.Engine;

namespace Autograd.Kernels;

/// <summary>
/// Temporary arrays for kernels (packing buffers, convolution columns, row sums), rented from and returned to the one
/// pool that also holds tensor storage (<see cref="ExactPool{T}"/>), so there is a single buffer pool. Arrays are
/// kept by exact length: a kernel that rents the same sizes every step reuses the same arrays.
/// </summary>
internal static class Scratch
{
    /// <summary>An array of exactly <paramref name="length"/> elements with arbitrary contents; hand it back with
    /// <see cref="Return{T}"/> when done (or drop it: it is an ordinary array).</summary>
    public static T[] Rent<T>(int length) where T : unmanaged =>
        length == 0 ? [] : ExactPool<T>.Take(length) ?? GC.AllocateUninitializedArray<T>(length);

    /// <summary>Gives <paramref name="array"/> back to the pool; the caller must not use it afterwards.</summary>
    public static void Return<T>(T[] array) where T : unmanaged
    {
        if (array.Length >= Buffers.MinPooled) ExactPool<T>.Instance.Return(array);
    }
}
