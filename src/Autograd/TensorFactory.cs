using System.Numerics;
using Autograd.Engine;

namespace Autograd;

/// <summary>Creation functions, gradient functions and grad-mode scopes for <see cref="Tensor{T}"/>.</summary>
public static partial class Tensor
{
    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor<T> Scalar<T>(T value, bool requiresGrad = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        new([value], []) { RequiresGrad = requiresGrad };

    /// <summary>A tensor of <paramref name="shape"/> over a copy of <paramref name="data"/> (row-major).</summary>
    public static Tensor<T> FromArray<T>(T[] data, int[] shape, bool requiresGrad = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        Shapes.CheckShape("FromArray", shape);
        if (Shapes.Size(shape) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Format(shape)} ({Shapes.Size(shape)} elements)");
        return new Tensor<T>((T[])data.Clone(), (int[])shape.Clone()) { RequiresGrad = requiresGrad };
    }

    /// <summary>A tensor that takes ownership of <paramref name="data"/> without copying it.</summary>
    internal static Tensor<T> FromArrayNoCopy<T>(T[] data, int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Shapes.Size(shape) != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values do not fill shape {Shapes.Format(shape)}");
        return new Tensor<T>(data, shape);
    }

    /// <summary>A 1-D tensor over a copy of <paramref name="data"/>.</summary>
    public static Tensor<T> FromArray<T>(T[] data, bool requiresGrad = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        FromArray(data, [data.Length], requiresGrad);

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Tensor<T> Full<T>(int[] shape, T value, bool requiresGrad = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckShape("Full", shape);
        var data = new T[Shapes.Size(shape)];
        if (value != T.Zero) data.AsSpan().Fill(value);
        return new Tensor<T>(data, (int[])shape.Clone()) { RequiresGrad = requiresGrad };
    }

    /// <summary>Zeros of the given shape.</summary>
    public static Tensor<T> Zeros<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => Full(shape, T.Zero);

    /// <summary>Ones of the given shape.</summary>
    public static Tensor<T> Ones<T>(params int[] shape) where T : unmanaged, IFloatingPointIeee754<T> => Full(shape, T.One);

    /// <summary>Zeros with the shape of <paramref name="like"/>.</summary>
    public static Tensor<T> ZerosLike<T>(Tensor<T> like) where T : unmanaged, IFloatingPointIeee754<T> => Full(like.Dims, T.Zero);

    /// <summary>Ones with the shape of <paramref name="like"/>.</summary>
    public static Tensor<T> OnesLike<T>(Tensor<T> like) where T : unmanaged, IFloatingPointIeee754<T> => Full(like.Dims, T.One);

    /// <summary>1-D tensor start, start+step, … up to but excluding <paramref name="end"/>.</summary>
    public static Tensor<T> Arange<T>(T start, T end, T step) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (step == T.Zero || T.IsNaN(step)) throw new ArgumentException("Arange: step must be non-zero");
        int n = Math.Max(0, int.CreateChecked(T.Ceiling((end - start) / step)));
        var data = new T[n];
        for (int i = 0; i < n; i++) data[i] = start + T.CreateChecked(i) * step;
        return new Tensor<T>(data, [n]);
    }

    /// <summary>1-D tensor 0, 1, …, <paramref name="end"/> − 1.</summary>
    public static Tensor<T> Arange<T>(int end) where T : unmanaged, IFloatingPointIeee754<T> =>
        Arange(T.Zero, T.CreateChecked(end), T.One);

    /// <summary><paramref name="steps"/> evenly spaced values from <paramref name="start"/> to <paramref name="end"/> inclusive.</summary>
    public static Tensor<T> Linspace<T>(T start, T end, int steps) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}");
        var data = new T[steps];
        for (int i = 0; i < steps; i++)
            data[i] = steps == 1 ? start : start + (end - start) * T.CreateChecked(i) / T.CreateChecked(steps - 1);
        return new Tensor<T>(data, [steps]);
    }

    /// <summary>Uniform samples in [<paramref name="low"/>, <paramref name="high"/>) from <paramref name="generator"/>.</summary>
    public static Tensor<T> Rand<T>(int[] shape, Generator generator, T? low = null, T? high = null, bool requiresGrad = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckShape("Rand", shape);
        T lo = low ?? T.Zero, hi = high ?? T.One;
        var data = new T[Shapes.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = lo + (hi - lo) * T.CreateChecked(generator.NextDouble());
        return new Tensor<T>(data, (int[])shape.Clone()) { RequiresGrad = requiresGrad };
    }

    /// <summary>Normal samples with the given <paramref name="mean"/> and <paramref name="std"/> from <paramref name="generator"/>.</summary>
    public static Tensor<T> Randn<T>(int[] shape, Generator generator, T? mean = null, T? std = null, bool requiresGrad = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Shapes.CheckShape("Randn", shape);
        T m = mean ?? T.Zero, s = std ?? T.One;
        var data = new T[Shapes.Size(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = m + s * T.CreateChecked(generator.NextNormal());
        return new Tensor<T>(data, (int[])shape.Clone()) { RequiresGrad = requiresGrad };
    }

    /// <summary>
    /// Gradients of the scalar <paramref name="outputs"/> with respect to <paramref name="inputs"/>
    /// (Σ over outputs), without touching any <see cref="Tensor{T}.Grad"/>. With <paramref name="createGraph"/>
    /// the results are themselves differentiable (gradients of gradients).
    /// </summary>
    public static Tensor<T>[] Grad<T>(IReadOnlyList<Tensor<T>> outputs, IReadOnlyList<Tensor<T>> inputs, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Graph.Grad(outputs, inputs, null, createGraph, createGraph, false);

    /// <summary>
    /// Vector–Jacobian products Σₖ gradOutputsₖ · ∂outputsₖ/∂inputs. <paramref name="retainGraph"/> defaults to
    /// <paramref name="createGraph"/>; with <paramref name="allowUnused"/> an input the outputs do not depend on gets zeros.
    /// </summary>
    public static Tensor<T>[] Grad<T>(IReadOnlyList<Tensor<T>> outputs, IReadOnlyList<Tensor<T>> inputs,
        IReadOnlyList<Tensor<T>>? gradOutputs, bool createGraph = false, bool? retainGraph = null, bool allowUnused = false)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Graph.Grad(outputs, inputs, gradOutputs, retainGraph ?? createGraph, createGraph, allowUnused);

    /// <summary>A scope in which ops record nothing (thread-local); dispose it to restore the previous mode.</summary>
    public static IDisposable NoGrad() => GradMode.Set(false);

    /// <summary>A scope in which ops record again, e.g. inside a <see cref="NoGrad"/> block.</summary>
    public static IDisposable EnableGrad() => GradMode.Set(true);

    /// <summary>
    /// A region (typically one training step) whose op results live in pooled buffers that return to the pool when
    /// the scope is disposed, so steady training stops allocating large arrays. Tensors created inside are not valid
    /// after the scope ends unless <see cref="Tensor{T}.Keep"/> was called on them; read values you need
    /// (<c>loss.Item()</c>, predictions) inside the scope. Leaves, parameters, gradients and optimizer state are unaffected.
    /// </summary>
    public static TensorScope Scope(string? name = null) => new(name);

    /// <summary>True when ops on this thread record graph nodes.</summary>
    public static bool IsGradEnabled => GradMode.IsEnabled;
}
