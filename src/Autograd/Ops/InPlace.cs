using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// In-place changes (PyTorch's trailing-underscore family). They are not recorded: each bumps the storage's version, so
// a backward that saved this tensor (or a view of the same storage) throws instead of reading the new values; and,
// as in PyTorch, a tensor that requires grad can be changed in place only under Tensor.NoGrad().
public sealed partial class Tensor<T>
{
    /// <summary>this ← this + other (other broadcasts to this tensor's shape); returns this.</summary>
    public Tensor<T> AddInPlace(Tensor<T> other) => InPlace("AddInPlace", other, static (a, b) => a + b);

    /// <summary>this ← this + s; returns this.</summary>
    public Tensor<T> AddInPlace(T s) => InPlace("AddInPlace", x => x + s);

    /// <summary>this ← this − other (other broadcasts to this tensor's shape); returns this.</summary>
    public Tensor<T> SubInPlace(Tensor<T> other) => InPlace("SubInPlace", other, static (a, b) => a - b);

    /// <summary>this ← this − s; returns this.</summary>
    public Tensor<T> SubInPlace(T s) => InPlace("SubInPlace", x => x - s);

    /// <summary>this ← this · other (other broadcasts to this tensor's shape); returns this.</summary>
    public Tensor<T> MulInPlace(Tensor<T> other) => InPlace("MulInPlace", other, static (a, b) => a * b);

    /// <summary>this ← this · s; returns this.</summary>
    public Tensor<T> MulInPlace(T s) => InPlace("MulInPlace", x => x * s);

    /// <summary>this ← this / other (other broadcasts to this tensor's shape); returns this.</summary>
    public Tensor<T> DivInPlace(Tensor<T> other) => InPlace("DivInPlace", other, static (a, b) => a / b);

    /// <summary>this ← this / s; returns this.</summary>
    public Tensor<T> DivInPlace(T s) => InPlace("DivInPlace", x => x / s);

    /// <summary>this ← clamp(this, min, max); returns this.</summary>
    public Tensor<T> ClampInPlace(T min, T max) => InPlace("ClampInPlace", x => x.Clamp(min, max));

    /// <summary>this ← 0 everywhere; returns this.</summary>
    public Tensor<T> ZeroInPlace() => FillInPlace(T.Zero);

    /// <summary>this ← <paramref name="value"/> everywhere; returns this.</summary>
    public Tensor<T> FillInPlace(T value)
    {
        CheckInPlace("FillInPlace");
        WriteInPlace(Tensor.Full(Dims, value));
        return this;
    }

    /// <summary>this ← <paramref name="source"/> (same shape); returns this. Not recorded.</summary>
    public Tensor<T> CopyFrom(Tensor<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!Shapes.Equal(Dims, source.Dims))
            throw new ArgumentException($"CopyFrom: source shape {Shapes.Format(source.Dims)} differs from destination shape {Shapes.Format(Dims)}");
        CheckInPlace("CopyFrom");
        WriteInPlace(source);
        return this;
    }

    private Tensor<T> InPlace(string op, Tensor<T> other, Func<Tensor<T>, Tensor<T>, Tensor<T>> f)
    {
        ArgumentNullException.ThrowIfNull(other);
        CheckInPlace(op);
        Tensor<T> result;
        using (Tensor.NoGrad()) result = f(this, other);
        if (!Shapes.Equal(result.Dims, Dims))
            throw new ArgumentException($"{op}: operand of shape {Shapes.Format(other.Dims)} does not broadcast to this tensor's shape {Shapes.Format(Dims)} (the result would be {Shapes.Format(result.Dims)})");
        WriteInPlace(result);
        return this;
    }

    private Tensor<T> InPlace(string op, Func<Tensor<T>, Tensor<T>> f)
    {
        CheckInPlace(op);
        Tensor<T> result;
        using (Tensor.NoGrad()) result = f(this);
        WriteInPlace(result);
        return this;
    }

    /// <summary>In-place changes of a tensor that takes part in differentiation would silently change what backward
    /// computes, so they are refused while grad mode is on.</summary>
    private void CheckInPlace(string op)
    {
        if (!GradMode.IsEnabled || !RequiresGrad) return;
        if (GradFn is null)
            throw new InvalidOperationException($"{op}: a leaf tensor that requires grad (shape {Shapes.Format(Dims)}) cannot be changed in place while grad mode is on; wrap the update in `using (Tensor.NoGrad())`, as optimizers do");
        throw new InvalidOperationException($"{op}: tensor of shape {Shapes.Format(Dims)} was produced by '{GradFn.Name}' and is part of the graph; in-place changes of such tensors are not supported — use the out-of-place operation");
    }

    /// <summary>Writes <paramref name="values"/> (this shape) into this tensor's elements and bumps the version.</summary>
    private void WriteInPlace(Tensor<T> values)
    {
        CopyStrided(values);
        BumpVersion();
    }
}
