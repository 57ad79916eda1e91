using System.Numerics;
using System.Numerics.Tensors;
using Autograd.Kernels;

namespace Autograd.NN.Optimizers;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with bias correction, L2 weight decay added to the gradient, and optional AMSGrad
/// (Reddi et al. 2018). For each parameter θ with gradient g at its t-th update:
/// <code>
/// g ← g + λθ
/// m ← β₁m + (1 − β₁)g
/// v ← β₂v + (1 − β₂)g²
/// v̂ ← max(v̂, v)              (AMSGrad; then v̂ replaces v below)
/// θ ← θ − (γ / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// Options: "lr" γ (default 1e-3), "beta1" β₁ (0.9), "beta2" β₂ (0.999), "eps" ε (1e-8), "weight_decay" λ (0).
/// Buffers: "exp_avg" m, "exp_avg_sq" v, "max_exp_avg_sq" v̂.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public class Adam<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int ExpAvg = 0, ExpAvgSq = 1, MaxExpAvgSq = 2;
    private readonly bool _decoupled;

    /// <summary>Adam over one group of <paramref name="parameters"/>.</summary>
    public Adam(IEnumerable<Tensor<T>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false)
        : this(OneGroup(parameters), lr, beta1, beta2, eps, weightDecay, amsgrad) { }

    /// <summary>Adam over parameter groups; the arguments are the defaults that groups may override.</summary>
    public Adam(IEnumerable<ParamGroup<T>> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0, bool amsgrad = false)
        : this("Adam", groups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: false) { }

    /// <summary>For <see cref="AdamW{T}"/>: the same moments with the weight decay applied to θ directly.</summary>
    private protected Adam(string name, IEnumerable<ParamGroup<T>> groups, double lr, double beta1, double beta2, double eps,
        double weightDecay, bool amsgrad, bool decoupled)
        : base(name, groups,
            new Dictionary<string, double> { ["lr"] = lr, ["beta1"] = beta1, ["beta2"] = beta2, ["eps"] = eps, ["weight_decay"] = weightDecay },
            ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
    {
        AmsGrad = amsgrad;
        _decoupled = decoupled;
    }

    /// <summary>Whether the running maximum v̂ of v is used (AMSGrad).</summary>
    public bool AmsGrad { get; }

    /// <inheritdoc />
    protected override void Update(ParamGroup<T> group, Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state)
    {
        double lr = group["lr"], beta1 = group["beta1"], beta2 = group["beta2"], eps = group["eps"], weightDecay = group["weight_decay"];
        int n = param.Length;
        ReadOnlySpan<T> g = grad;
        if (weightDecay != 0 && _decoupled)
            TensorPrimitives.Multiply(param, Value(1 - lr * weightDecay), param);              // θ ← θ(1 − γλ)   (AdamW)
        else
            g = WithWeightDecay(param, grad, weightDecay);                                      // g ← g + λθ      (Adam)
        var m = Buffer(state, ExpAvg, n);
        var v = Buffer(state, ExpAvgSq, n);
        if (!AmsGrad)
        {
            // The same equations as below, fused into one vectorised pass over the parameters (Adam is memory-bound).
            OptimizerKernels.Adam(param, g, m, v, lr, beta1, beta2, eps, state.Step);
            return;
        }
        double biasCorrection1 = 1 - Math.Pow(beta1, state.Step), biasCorrection2 = 1 - Math.Pow(beta2, state.Step);
        var work = Scratch(1, n);
        TensorPrimitives.Lerp(m, g, Value(1 - beta1), m);                                      // m ← m + (1 − β₁)(g − m)
        TensorPrimitives.Multiply(v, Value(beta2), v);                                         // v ← β₂v
        TensorPrimitives.Multiply(g, Value(1 - beta2), work);
        TensorPrimitives.MultiplyAdd(work, g, v, v);                                           //     + (1 − β₂)g²
        var vMax = Buffer(state, MaxExpAvgSq, n);
        TensorPrimitives.Max(vMax, v, vMax);                                                   // v̂ ← max(v̂, v)
        TensorPrimitives.Sqrt(vMax, work);
        TensorPrimitives.Multiply(work, Value(1 / Math.Sqrt(biasCorrection2)), work);
        TensorPrimitives.Add(work, Value(eps), work);                                          // √v̂ / √(1 − β₂ᵗ) + ε
        TensorPrimitives.Divide(m, work, work);
        TensorPrimitives.MultiplyAdd(work, Value(-lr / biasCorrection1), param, param);        // θ ← θ − γ/(1 − β₁ᵗ) · m / (…)
    }

    /// <inheritdoc />
    protected override bool KeepsBuffer(int buffer, IReadOnlyDictionary<string, double> options) => buffer != MaxExpAvgSq || AmsGrad;

    /// <inheritdoc />
    protected override bool IsNonNegativeBuffer(int buffer) => buffer is ExpAvgSq or MaxExpAvgSq;

    /// <inheritdoc />
    protected override void ValidateOptions(IReadOnlyDictionary<string, double> options)
    {
        CheckNonNegative("lr", options["lr"]);
        CheckUnitInterval("beta1", options["beta1"]);
        CheckUnitInterval("beta2", options["beta2"]);
        CheckPositive("eps", options["eps"]);
        CheckNonNegative("weight_decay", options["weight_decay"]);
    }
}
