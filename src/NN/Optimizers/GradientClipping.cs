using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN.Optimizers;

/// <summary>Gradient clipping applied to parameters' Grad in place, between Backward() and Step().</summary>
public static class GradientClipping
{
    /// <summary>
    /// Rescales all gradients together so their global norm is at most <paramref name="maxNorm"/>, as
    /// torch.nn.utils.clip_grad_norm_: with ‖g‖ = (Σₚ Σᵢ |gₚᵢ|^q)^(1/q) over every parameter (q = ∞: maxᵢ |gₚᵢ|),
    /// each g ← g · min(1, maxNorm / (‖g‖ + 10⁻⁶)). Parameters without a gradient are skipped.
    /// </summary>
    /// <returns>The total norm ‖g‖ before clipping (accumulated in double).</returns>
    public static double ClipGradNorm<T>(IEnumerable<Tensor<T>> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"ClipGradNorm: maxNorm must be non-negative, got {maxNorm}");
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), $"ClipGradNorm: normType must be positive (or +∞), got {normType}");
        var grads = Gradients("ClipGradNorm", parameters);
        double total = 0;
        foreach (var g in grads)
        {
            var span = g.AsSpan();
            if (span.IsEmpty) continue;
            if (double.IsPositiveInfinity(normType)) total = Math.Max(total, double.CreateChecked(T.Abs(TensorPrimitives.MaxMagnitude<T>(span))));
            else if (normType == 2) total += double.CreateChecked(TensorPrimitives.SumOfSquares<T>(span));
            else if (normType == 1) total += double.CreateChecked(TensorPrimitives.SumOfMagnitudes<T>(span));
            else foreach (T v in span) total += Math.Pow(Math.Abs(double.CreateChecked(v)), normType);
        }
        if (!double.IsPositiveInfinity(normType)) total = normType == 2 ? Math.Sqrt(total) : Math.Pow(total, 1 / normType);
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException($"ClipGradNorm: the total norm of order {normType} of the gradients is {total}");
        double coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
            foreach (var g in grads) TensorPrimitives.Multiply(g.AsSpan(), T.CreateChecked(coefficient), g.AsSpan());
        return total;
    }

    /// <summary>Clamps every gradient element to [−<paramref name="clipValue"/>, <paramref name="clipValue"/>] (torch.nn.utils.clip_grad_value_).</summary>
    public static void ClipGradValue<T>(IEnumerable<Tensor<T>> parameters, double clipValue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentOutOfRangeException(nameof(clipValue), $"ClipGradValue: clipValue must be non-negative, got {clipValue}");
        T c = T.CreateChecked(clipValue);
        foreach (var g in Gradients("ClipGradValue", parameters))
            TensorPrimitives.Clamp(g.AsSpan(), -c, c, g.AsSpan());
    }

    private static List<Tensor<T>> Gradients<T>(string op, IEnumerable<Tensor<T>> parameters) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var grads = new List<Tensor<T>>();
        foreach (var p in parameters)
        {
            if (p?.Grad is not { } g) continue;
            if (!g.IsContiguous) throw new InvalidOperationException($"{op}: a gradient of shape {TensorShape.Format(g.Shape)} is a non-contiguous view");
            if (g.RequiresGrad)
                throw new InvalidOperationException($"{op}: a gradient of shape {TensorShape.Format(g.Shape)} is part of a graph (from Backward with createGraph); clip detached gradients");
            grads.Add(g);
        }
        return grads;
    }
}
