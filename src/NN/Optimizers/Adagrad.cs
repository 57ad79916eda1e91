using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN.Optimizers;

/// <summary>
/// Adagrad (Duchi, Hazan &amp; Singer 2011; PyTorch's equations): per-element step sizes shrinking with the
/// accumulated squared gradients. For each parameter θ with gradient g at its t-th update:
/// <code>
/// g ← g + λθ
/// γₜ ← γ / (1 + (t − 1)·η)
/// s ← s + g²                  (s starts at the initial accumulator value s₀)
/// θ ← θ − γₜ · g / (√s + ε)
/// </code>
/// Options: "lr" γ (default 0.01), "lr_decay" η (0), "weight_decay" λ (0), "eps" ε (1e-10),
/// "initial_accumulator_value" s₀ (0). Buffer: "sum" s.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class Adagrad<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int Sum = 0;

    /// <summary>Adagrad over one group of <paramref name="parameters"/>.</summary>
    public Adagrad(IEnumerable<Tensor<T>> parameters, double lr = 0.01, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : this(OneGroup(parameters), lr, lrDecay, weightDecay, initialAccumulatorValue, eps) { }

    /// <summary>Adagrad over parameter groups; the arguments are the defaults that groups may override.</summary>
    public Adagrad(IEnumerable<ParamGroup<T>> groups, double lr = 0.01, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10)
        : base("Adagrad", groups,
            new Dictionary<string, double>
            {
                ["lr"] = lr, ["lr_decay"] = lrDecay, ["weight_decay"] = weightDecay,
                ["initial_accumulator_value"] = initialAccumulatorValue, ["eps"] = eps,
            },
            ["sum"]) { }

    /// <inheritdoc />
    protected override void Update(ParamGroup<T> group, Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state)
    {
        double lr = group["lr"], lrDecay = group["lr_decay"], weightDecay = group["weight_decay"], eps = group["eps"];
        int n = param.Length;
        ReadOnlySpan<T> g = WithWeightDecay(param, grad, weightDecay);                          // g ← g + λθ
        double clr = lr / (1 + (state.Step - 1) * lrDecay);                                    // γₜ = γ / (1 + (t − 1)η)
        var s = Buffer(state, Sum, n, group["initial_accumulator_value"]);
        TensorPrimitives.MultiplyAdd(g, g, s, s);                                              // s ← s + g²
        var d = Scratch(1, n);
        TensorPrimitives.Sqrt(s, d);
        TensorPrimitives.Add(d, Value(eps), d);                                                // √s + ε
        TensorPrimitives.Divide(g, d, d);
        TensorPrimitives.MultiplyAdd(d, Value(-clr), param, param);                            // θ ← θ − γₜ·g/(√s + ε)
    }

    /// <inheritdoc />
    protected override bool IsNonNegativeBuffer(int buffer) => buffer == Sum;

    /// <inheritdoc />
    protected override void ValidateOptions(IReadOnlyDictionary<string, double> options)
    {
        CheckNonNegative("lr", options["lr"]);
        CheckNonNegative("lr_decay", options["lr_decay"]);
        CheckNonNegative("weight_decay", options["weight_decay"]);
        CheckNonNegative("initial_accumulator_value", options["initial_accumulator_value"]);
        CheckPositive("eps", options["eps"]);
    }
}
