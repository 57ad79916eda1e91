using Autograd.Engine;

namespace Autograd.Kernels;

/// <summary>
/// Temporary arrays for kernels (packing buffers, convolution columns, row sums), rented from and returned to the one
/// pool that also holds tensor storage (<see cref="ExactPool{T}"/>), so there is a single buffer pool. Arrays are
/// kept by exact length: a kernel that rents the same sizes every step reuses the same arrays. The last few arrays a
/// thread returned stay with that thread, so the per-tap and per-tile rents of a hot loop cost no synchronisation and
/// allocate nothing.
/// </summary>
internal static class Scratch
{
    /// <summary>Arrays each thread keeps back from the shared pool, per element type.</summary>
    private const int LocalSlots = 4;

    /// <summary>An array of exactly <paramref name="length"/> elements with arbitrary contents; hand it back with
    /// <see cref="Return{T}"/> when done (or drop it: it is an ordinary array).</summary>
    public static T[] Rent<T>(int length) where T : unmanaged
    {
        if (length == 0) return [];
        if (Local<T>.Slots is { } slots)
            for (int i = 0; i < slots.Length; i++)
                if (slots[i] is { } a && a.Length == length)
                {
                    slots[i] = null;
                    return a;
                }
        return ExactPool<T>.Take(length) ?? GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives <paramref name="array"/> back; the caller must not use it afterwards.</summary>
    public static void Return<T>(T[] array) where T : unmanaged
    {
        if (array.Length == 0) return;
        var slots = Local<T>.Slots ??= new T[]?[LocalSlots];
        for (int i = 0; i < slots.Length; i++)
            if (slots[i] is null)
            {
                slots[i] = array;
                return;
            }
        // Full: the oldest-kept slot goes back to the shared pool, the new array takes its place.
        if (slots[0]!.Length >= Buffers.MinPooled) ExactPool<T>.Instance.Return(slots[0]!);
        Array.Copy(slots, 1, slots, 0, slots.Length - 1);
        slots[^1] = array;
    }

    private static class Local<T> where T : unmanaged
    {
        [ThreadStatic] public static T[]?[]? Slots;
    }
}
