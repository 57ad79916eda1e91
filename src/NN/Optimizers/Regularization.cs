using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>Penalty terms to add to a loss (differentiable, so their gradients flow into the parameters).</summary>
public static class Regularization
{
    /// <summary>L1 penalty λ·Σₚ Σᵢ |θₚᵢ| (lasso); its gradient is λ·sign(θ).</summary>
    public static Tensor<T> L1Penalty<T>(IEnumerable<Tensor<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Penalty("L1Penalty", parameters, lambda, static p => p.Abs().Sum(), T.One);

    /// <summary>
    /// L2 penalty (λ/2)·Σₚ Σᵢ θₚᵢ² (ridge); its gradient is λ·θ, so for plain SGD it equals weight decay λ
    /// (for Adam it is Adam's weight_decay, not AdamW's decoupled decay).
    /// </summary>
    public static Tensor<T> L2Penalty<T>(IEnumerable<Tensor<T>> parameters, double lambda) where T : unmanaged, IFloatingPointIeee754<T> =>
        Penalty("L2Penalty", parameters, lambda, static p => (p * p).Sum(), T.CreateChecked(0.5));

    private static Tensor<T> Penalty<T>(string name, IEnumerable<Tensor<T>> parameters, double lambda, Func<Tensor<T>, Tensor<T>> term, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(lambda), $"{name}: lambda must be non-negative, got {lambda}");
        Tensor<T>? total = null;
        foreach (var p in parameters) total = total is null ? term(p) : total + term(p);
        return (total ?? Tensor.Scalar(T.Zero)) * (scale * T.CreateChecked(lambda));
    }
}
