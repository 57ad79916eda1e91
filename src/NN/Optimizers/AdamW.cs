using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>
/// AdamW: Adam with decoupled weight decay (Loshchilov &amp; Hutter 2019, "Decoupled Weight Decay Regularization").
/// The decay shrinks θ directly instead of entering the moments, so it is not rescaled by 1/√v:
/// <code>
/// θ ← θ − γλθ
/// m ← β₁m + (1 − β₁)g
/// v ← β₂v + (1 − β₂)g²
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// Options as <see cref="Adam{T}"/>, with PyTorch's default weight decay λ = 0.01.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class AdamW<T> : Adam<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>AdamW over one group of <paramref name="parameters"/>.</summary>
    public AdamW(IEnumerable<Tensor<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01, bool amsgrad = false)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    /// <summary>AdamW over parameter groups; the arguments are the defaults that groups may override.</summary>
    public AdamW(IEnumerable<ParamGroup<T>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01, bool amsgrad = false)
        : base("AdamW", groups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: true) { }
}
