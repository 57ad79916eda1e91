using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>Which parts of an affine map with a scalar a tensor-with-scalar op applies.</summary>
[Flags]
internal enum AffineParts : byte
{
    /// <summary>+ c.</summary>
    Shift = 1,

    /// <summary>· s (s = −1 negates exactly).</summary>
    Scale = 2,

    /// <summary>/ s (true division, not multiplication by 1/s, so results match a tensor–tensor division bit for bit).</summary>
    Divide = 4,
}

/// <summary>
/// y = x·s + c, or x/s + c, each part applied only when present in <c>parts</c>, so x + c and x·s round exactly as a
/// single add or multiply does: the one kernel behind tensor-with-scalar arithmetic.
/// </summary>
internal readonly struct AffineKernel<T>(T scale, T shift, AffineParts parts) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Scale => scale;

    public AffineParts Parts => parts;

    public T Invoke(T x)
    {
        if ((parts & AffineParts.Scale) != 0) x = scale == -T.One ? -x : x * scale;
        else if ((parts & AffineParts.Divide) != 0) x /= scale;
        return (parts & AffineParts.Shift) != 0 ? x + shift : x;
    }

    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        if (d.Length == 1)
        {
            d[0] = Invoke(x[0]);
            return;
        }
        ReadOnlySpan<T> src = x;
        if ((parts & AffineParts.Scale) != 0)
        {
            if (scale == -T.One) TensorPrimitives.Negate(x, d);
            else TensorPrimitives.Multiply(x, scale, d);
            src = d;
        }
        else if ((parts & AffineParts.Divide) != 0)
        {
            TensorPrimitives.Divide(x, scale, d);
            src = d;
        }
        if ((parts & AffineParts.Shift) != 0) TensorPrimitives.Add(src, shift, d);
    }
}
