using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>x + s.</summary>
internal readonly struct AddScalarKernel<T>(T s) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        if (d.Length == 1) d[0] = x[0] + s;
        else TensorPrimitives.Add(x, s, d);
    }
}

/// <summary>x · s.</summary>
internal readonly struct MultiplyScalarKernel<T>(T s) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        if (d.Length == 1) d[0] = x[0] * s;
        else TensorPrimitives.Multiply(x, s, d);
    }
}

/// <summary>x / s (true division, not multiplication by 1/s, so results match a tensor–tensor division bit for bit).</summary>
internal readonly struct DivideScalarKernel<T>(T s) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        if (d.Length == 1) d[0] = x[0] / s;
        else TensorPrimitives.Divide(x, s, d);
    }
}
