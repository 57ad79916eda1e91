using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

// Binary kernels: thin structs over TensorPrimitives so the broadcasting driver devirtualises them.

internal readonly struct AddKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => x + y;
    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Add(x, y, d);
    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Add(x, y, d);
    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Add(y, x, d);
}

internal readonly struct SubtractKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => x - y;
    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Subtract(x, y, d);
}

internal readonly struct MultiplyKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => x * y;
    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Multiply(x, y, d);
    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Multiply(x, y, d);
    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Multiply(y, x, d);
}

internal readonly struct DivideKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => x / y;
    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Divide(x, y, d);
}

internal readonly struct PowKernel<T> : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => T.Pow(x, y);
    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d) => TensorPrimitives.Pow(x, y, d);
}

/// <summary>Comparison producing 1 where it holds and 0 elsewhere.</summary>
internal readonly struct CompareKernel<T>(Comparison kind) : IBinaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T Invoke(T x, T y) => Holds(x, y) ? T.One : T.Zero;

    private bool Holds(T x, T y) => kind switch
    {
        Comparison.Equal => x == y,
        Comparison.NotEqual => x != y,
        Comparison.Greater => x > y,
        Comparison.GreaterOrEqual => x >= y,
        Comparison.Less => x < y,
        _ => x <= y,
    };

    public void Invoke(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = Invoke(x[i], y[i]);
    }

    public void Invoke(ReadOnlySpan<T> x, T y, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = Invoke(x[i], y);
    }

    public void Invoke(T x, ReadOnlySpan<T> y, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++) d[i] = Invoke(x, y[i]);
    }
}

internal enum Comparison { Equal, NotEqual, Greater, GreaterOrEqual, Less, LessOrEqual }

// Unary kernels.

internal enum UnaryFunction { Exp, Log, Sqrt, Abs, Sin, Cos, Tanh, Sigmoid, Negate, Sign }

/// <summary>The function named by <see cref="UnaryFunction"/>, chosen once per call.</summary>
internal readonly struct MathKernel<T>(UnaryFunction f) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        switch (f)
        {
            // Transcendental functions go through VectorMap, whose blocks do not move with the buffer's address;
            // the rest are single correctly rounded operations per element, the same bits at any address.
            case UnaryFunction.Exp: VectorMap.Apply<T, ExpFunction<T>>(x, d); break;
            case UnaryFunction.Log: VectorMap.Apply<T, LogFunction<T>>(x, d); break;
            case UnaryFunction.Sqrt: TensorPrimitives.Sqrt(x, d); break;
            case UnaryFunction.Abs: TensorPrimitives.Abs(x, d); break;
            case UnaryFunction.Sin: VectorMap.Apply<T, SinFunction<T>>(x, d); break;
            case UnaryFunction.Cos: VectorMap.Apply<T, CosFunction<T>>(x, d); break;
            case UnaryFunction.Tanh: VectorMap.Apply<T, TanhFunction<T>>(x, d); break;
            case UnaryFunction.Sigmoid: VectorMap.Apply<T, SigmoidFunction<T>>(x, d); break;
            case UnaryFunction.Negate: TensorPrimitives.Negate(x, d); break;
            case UnaryFunction.Sign:
                for (int i = 0; i < d.Length; i++) d[i] = T.IsNaN(x[i]) ? x[i] : T.CreateTruncating(T.Sign(x[i]));
                break;
            default: throw new ArgumentOutOfRangeException(nameof(f));
        }
    }
}

/// <summary>Clamp to [min, max] (either bound may be infinite).</summary>
internal readonly struct ClampKernel<T>(T min, T max) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        // One pass for relu-like bounds: clamping to an infinite bound is the identity (NaN stays NaN either way).
        if (T.IsNegativeInfinity(min)) TensorPrimitives.Min(x, max, d);
        else
        {
            TensorPrimitives.Max(x, min, d);
            if (!T.IsPositiveInfinity(max)) TensorPrimitives.Min(d, max, d);
        }
    }
}

/// <summary>max(x, slope·x) for slope ≤ 1 written as a select, so any slope works: x if x &gt; 0 else slope·x.</summary>
internal readonly struct LeakyReluKernel<T>(T slope) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var vs = new Vector<T>(slope);
            for (; i <= d.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x.Slice(i));
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), v, v * vs).CopyTo(d.Slice(i));
            }
        }
        for (; i < d.Length; i++) d[i] = x[i] > T.Zero ? x[i] : slope * x[i];
    }
}

/// <summary>Softplus log(1 + exp(βx))/β computed stably as max(x,0) + log1p(exp(−|βx|))/β, linear above the threshold.</summary>
internal readonly struct SoftplusKernel<T>(T beta, T threshold) : IUnaryKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public void Invoke(ReadOnlySpan<T> x, Span<T> d)
    {
        for (int i = 0; i < d.Length; i++)
        {
            T bx = beta * x[i];
            d[i] = bx > threshold ? x[i] : (T.Max(bx, T.Zero) + T.LogP1(T.Exp(-T.Abs(bx)))) / beta;
        }
    }
}

/// <summary>
/// The derivative mask of relu, leaky relu and clamp: <c>inside</c> where lo &lt; x &lt; hi (closed when
/// <c>inclusive</c>), <c>outside</c> elsewhere (NaN is outside). <see cref="Scale"/> multiplies a gradient by it in
/// one vectorised pass (compare, select, multiply), with a scalar tail of identical results.
/// </summary>
internal readonly struct RangeMask<T>(T lo, T hi, bool inclusive, T inside, T outside) where T : unmanaged, IFloatingPointIeee754<T>
{
    public T At(T v) => (inclusive ? v >= lo && v <= hi : v > lo && v < hi) ? inside : outside;

    /// <summary>d[i] = g[i] · mask(x[i]).</summary>
    public void Scale(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> d)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && d.Length >= Vector<T>.Count)
        {
            Vector<T> vlo = new(lo), vhi = new(hi), vin = new(inside), vout = new(outside);
            for (; i <= d.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var v = new Vector<T>(x.Slice(i));
                var inRange = inclusive
                    ? Vector.GreaterThanOrEqual(v, vlo) & Vector.LessThanOrEqual(v, vhi)
                    : Vector.GreaterThan(v, vlo) & Vector.LessThan(v, vhi);
                (new Vector<T>(g.Slice(i)) * Vector.ConditionalSelect(inRange, vin, vout)).CopyTo(d.Slice(i));
            }
        }
        for (; i < d.Length; i++) d[i] = g[i] * At(x[i]);
    }
}
