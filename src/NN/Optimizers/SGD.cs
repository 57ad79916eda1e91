using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN.Optimizers;

/// <summary>
/// Stochastic gradient descent with momentum μ, dampening τ, weight decay λ and optional Nesterov momentum
/// (PyTorch's equations). For each parameter θ with gradient g at its t-th update:
/// <code>
/// g ← g + λθ
/// b ← g                       if t = 1 (no dampening on the first step)
/// b ← μb + (1 − τ)g           otherwise            (only when μ ≠ 0)
/// g ← g + μb  (Nesterov)  or  g ← b                 (only when μ ≠ 0)
/// θ ← θ − γg
/// </code>
/// Options: "lr" γ, "momentum" μ, "dampening" τ, "weight_decay" λ. Buffer: "momentum_buffer" b.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class SGD<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int MomentumBuffer = 0;

    /// <summary>SGD over one group of <paramref name="parameters"/>.</summary>
    public SGD(IEnumerable<Tensor<T>> parameters, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov) { }

    /// <summary>SGD over parameter groups; the arguments are the defaults that groups may override.</summary>
    public SGD(IEnumerable<ParamGroup<T>> groups, double lr = 1e-3, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false)
        : base(nesterov ? "SGD(nesterov)" : "SGD", groups,
            new Dictionary<string, double> { ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay },
            ["momentum_buffer"])
    {
        Nesterov = nesterov;
        foreach (var group in ParamGroups) ValidateOptions(group.Options);
    }

    /// <summary>Whether the Nesterov form g + μb is used for the step.</summary>
    public bool Nesterov { get; }

    /// <inheritdoc />
    protected override void Update(ParamGroup<T> group, Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state)
    {
        double lr = group["lr"], momentum = group["momentum"], dampening = group["dampening"], weightDecay = group["weight_decay"];
        var g = Scratch(0, param.Length);
        grad.CopyTo(g);
        if (weightDecay != 0) TensorPrimitives.MultiplyAdd(param, Value(weightDecay), g, g);        // g ← g + λθ
        if (momentum != 0)
        {
            bool first = !HasBuffer(state, MomentumBuffer);
            var b = Buffer(state, MomentumBuffer, param.Length);
            if (first) g.CopyTo(b);                                                                // b ← g
            else
            {
                TensorPrimitives.Multiply(b, Value(momentum), b);                                  // b ← μb
                TensorPrimitives.MultiplyAdd(g, Value(1 - dampening), b, b);                       //     + (1 − τ)g
            }
            if (Nesterov) TensorPrimitives.MultiplyAdd(b, Value(momentum), g, g);                  // g ← g + μb
            else b.CopyTo(g);                                                                      // g ← b
        }
        TensorPrimitives.MultiplyAdd(g, Value(-lr), param, param);                                 // θ ← θ − γg
    }

    /// <inheritdoc />
    protected override bool KeepsBuffer(int buffer, IReadOnlyDictionary<string, double> options) => options["momentum"] != 0;

    /// <inheritdoc />
    protected override void ValidateOptions(IReadOnlyDictionary<string, double> options)
    {
        CheckNonNegative("lr", options["lr"]);
        CheckNonNegative("momentum", options["momentum"]);
        CheckNonNegative("dampening", options["dampening"]);
        CheckNonNegative("weight_decay", options["weight_decay"]);
        // Called by the base constructor before Nesterov is set; the SGD constructor validates again afterwards.
        if (Nesterov && (options["momentum"] <= 0 || options["dampening"] != 0))
            throw new ArgumentException($"{Name}: Nesterov momentum needs momentum > 0 and dampening = 0 (got momentum {options["momentum"]}, dampening {options["dampening"]})");
    }
}
