using System.Numerics;
using Autograd.Engine;

namespace Autograd;

/// <summary>
/// A tensor over an array that its owner lends out and takes back to fill again: a data loader's batch buffer, say.
/// <see cref="Revoke"/> ends the loan: the tensor and every view of it throw when read or used afterwards, naming the
/// owner, so a reader can never see the array's next contents in place of the ones it was given. Reusing the array
/// instead of allocating a new one spares the garbage collector: arrays of 85,000 bytes or more live on the .NET
/// large-object heap, where each fresh one costs a collection's share and, on many machines, page faults.
/// </summary>
/// <typeparam name="T">Element type (float or double).</typeparam>
public sealed class TensorLease<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly TensorStorage<T> _storage;

    /// <summary>Lends <paramref name="array"/> out as a tensor of <paramref name="shape"/> (row-major, not a copy: the
    /// owner must not change the array until it revokes the lease). <paramref name="owner"/> names the lender in the
    /// error a revoked tensor throws.</summary>
    /// <exception cref="ArgumentException">The shape has a negative size, or its element count is not the array's length.</exception>
    public TensorLease(T[] array, int[] shape, string owner)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        Shapes.CheckShape("TensorLease", shape);
        if (Shapes.Size(shape) != array.Length)
            throw new ArgumentException($"TensorLease: shape {Shapes.Format(shape)} holds {Shapes.Size(shape)} elements, the array {array.Length}", nameof(shape));
        Owner = owner;
        _storage = new TensorStorage<T>(array, 0);
        var dims = (int[])shape.Clone();
        Tensor = new Tensor<T>(_storage, 0, dims, Shapes.ContiguousStrides(dims));
    }

    /// <summary>The lent tensor; valid until <see cref="Revoke"/>.</summary>
    public Tensor<T> Tensor { get; }

    /// <summary>Who lent the array (named in the error a revoked tensor throws).</summary>
    public string Owner { get; }

    /// <summary>True once the lease has been revoked.</summary>
    public bool IsRevoked => !_storage.IsAlive;

    /// <summary>Ends the loan and returns the array to fill again: from now on <see cref="Tensor"/> and every view of it
    /// throw when read or used. Revoking twice returns the same array.</summary>
    public T[] Revoke()
    {
        if (_storage.IsAlive)
            _storage.Release($"Tensor: its storage was lent by {Owner}, which has taken it back to fill again, so the tensor can " +
                "no longer be read or used. Clone() it (or copy what you need) before the owner moves on to keep it.");
        return _storage.ArrayUnchecked;
    }
}
