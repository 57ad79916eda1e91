using System.Numerics;
using Autograd.Engine;

namespace Autograd.Checking;

/// <summary>Outcome of a gradient check: the worst-matching Jacobian element and where it is.</summary>
/// <param name="Passed">True when every element is within atol + rtol·|numeric|.</param>
/// <param name="InputIndex">Which input the worst element belongs to (the number of inputs: the upstream gradient v of <see cref="GradCheck.CheckSecondOrder"/>).</param>
/// <param name="InputElement">Multi-index of the worst element within that input.</param>
/// <param name="OutputElement">Flat index of the output element of the worst Jacobian entry.</param>
/// <param name="Analytic">Backpropagated value of that entry.</param>
/// <param name="Numeric">Central-difference value of that entry.</param>
/// <param name="Error">|Analytic − Numeric| − rtol·|Numeric| of the worst entry (≤ atol when passed).</param>
public sealed record GradCheckResult(bool Passed, int InputIndex, int[] InputElement, int OutputElement,
    double Analytic, double Numeric, double Error)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{(Passed ? "passed" : "FAILED")}: worst at input {InputIndex} element {Shapes.Format(InputElement)}, output element {OutputElement}: analytic {Analytic:G10}, numeric {Numeric:G10}";
}

/// <summary>Thrown by <see cref="GradCheck.Assert"/> when a check fails.</summary>
public sealed class GradCheckException(string message) : Exception(message);

/// <summary>
/// Compares backpropagated Jacobians with central finite differences (f(x + ε) − f(x − ε)) / 2ε, in double.
/// <see cref="Check"/> checks first derivatives; <see cref="CheckSecondOrder"/> checks the derivative of the
/// gradient itself (computed with createGraph), i.e. gradients of gradients.
/// </summary>
public static partial class GradCheck
{
    /// <summary>Checks d f(inputs) / d inputs for every input that requires grad.</summary>
    public static GradCheckResult Check(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs,
        double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        var output = f(inputs);
        int outCount = output.NumElements;
        var differentiable = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].RequiresGrad).ToArray();
        if (differentiable.Length == 0) throw new ArgumentException("GradCheck: no input requires grad");
        var analytic = AnalyticJacobian(f, inputs, differentiable, outCount);
        var worst = new GradCheckResult(true, differentiable[0], [], 0, 0, 0, double.NegativeInfinity);
        foreach (int i in differentiable)
        {
            var x = inputs[i];
            if (!x.IsContiguous) throw new ArgumentException($"GradCheck: input {i} must be contiguous");
            var values = x.AsSpan();
            for (int e = 0; e < values.Length; e++)
            {
                double saved = values[e];
                double[] plus = EvaluateAt(f, inputs, i, e, saved + eps), minus = EvaluateAt(f, inputs, i, e, saved - eps);
                for (int o = 0; o < outCount; o++)
                {
                    double numeric = (plus[o] - minus[o]) / (2 * eps);
                    double a = analytic[o][i][e];
                    double error = Math.Abs(a - numeric) - rtol * Math.Abs(numeric);
                    if (double.IsNaN(error)) error = double.PositiveInfinity;
                    if (error > worst.Error)
                        worst = new GradCheckResult(error <= atol, i, Unravel(e, x.Dims), o, a, numeric, error);
                }
            }
        }
        return worst with { Passed = worst.Error <= atol };
    }

    /// <summary>
    /// Checks second derivatives: the function (inputs, v) ↦ ∂(Σ v ⊙ f)/∂inputs (computed with createGraph, at a random
    /// upstream gradient v) is itself checked against finite differences, in the inputs and in v, as PyTorch's
    /// gradgradcheck does. The derivative in v is that of each backward rule in the gradient it is handed: for an op
    /// linear in an input (a product, a convolution) it is the only part of the second-order rule the inputs alone do not
    /// reach. A failure in v reports input index inputs.Length.
    /// </summary>
    public static GradCheckResult CheckSecondOrder(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs,
        ulong seed = 1, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        var differentiable = inputs.Where(t => t.RequiresGrad).ToArray();
        var probe = f(inputs);
        var v = Tensor.Randn<double>([.. probe.Shape], new Generator(seed), requiresGrad: true);
        return Check(xs => GradientOf(f, differentiable, xs[^1])(xs[..^1]), [.. inputs, v], eps, atol, rtol);
    }

    /// <summary>xs ↦ ∂(Σ v ⊙ f(xs))/∂differentiable, flattened and concatenated, recorded with createGraph so that it can
    /// be differentiated again; zeros when f's output does not require grad.</summary>
    private static Func<Tensor<T>[], Tensor<T>> GradientOf<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] differentiable,
        Tensor<T> v) where T : unmanaged, IFloatingPointIeee754<T> => xs =>
    {
        var y = f(xs);
        if (!y.RequiresGrad) return Tensor.Zeros<T>(differentiable.Sum(t => t.NumElements));
        var grads = Tensor.Grad([y], differentiable, [v], createGraph: true, allowUnused: true);
        return Tensor.Concat(grads.Select(g => g.Reshape(-1)).ToArray());
    };

    /// <summary>The Jacobian of f at inputs in double, analytic[o][i][e] = ∂f[o]/∂inputs[i][e] for the inputs listed in
    /// <paramref name="differentiable"/>: one vector–Jacobian product per output element (one-hot gradOutputs).</summary>
    private static double[][][] AnalyticJacobian<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] inputs,
        int[] differentiable, int outCount) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var analytic = new double[outCount][][];
        for (int o = 0; o < outCount; o++)
        {
            analytic[o] = new double[inputs.Length][];
            var y = f(inputs);
            if (!y.RequiresGrad)
            {
                foreach (int i in differentiable) analytic[o][i] = new double[inputs[i].NumElements];
                continue;
            }
            var seed = new T[outCount];
            seed[o] = T.One;
            var grads = Tensor.Grad([y], [.. differentiable.Select(i => inputs[i])],
                [Tensor.FromArray(seed, [.. y.Shape])], allowUnused: true);
            for (int j = 0; j < differentiable.Length; j++)
                analytic[o][differentiable[j]] = [.. grads[j].ToArray().Select(double.CreateChecked)];
        }
        return analytic;
    }

    /// <summary>f(inputs) with element <paramref name="element"/> of input <paramref name="input"/> set to
    /// <paramref name="value"/>, then restored. Not under NoGrad: a second-order check's f itself backpropagates.</summary>
    private static double[] EvaluateAt(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, int input, int element, double value)
    {
        var values = inputs[input].AsSpan();
        double saved = values[element];
        values[element] = value;
        try { return f(inputs).ToArray(); }
        finally { inputs[input].AsSpan()[element] = saved; }
    }

    /// <summary>Runs <see cref="Check"/> and <see cref="CheckSecondOrder"/> and throws a <see cref="GradCheckException"/> describing the worst element on failure.</summary>
    public static void Assert(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] inputs, bool secondOrder = true,
        double atol = 1e-5, double rtol = 1e-3, string? name = null)
    {
        var first = Check(f, inputs, atol: atol, rtol: rtol);
        if (!first.Passed) throw new GradCheckException($"{name ?? "GradCheck"}: first-order check {first}");
        if (!secondOrder) return;
        var second = CheckSecondOrder(f, inputs, atol: atol, rtol: rtol);
        if (!second.Passed) throw new GradCheckException($"{name ?? "GradCheck"}: second-order check {second}");
    }

    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }
}
