using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.NN.Optimizers;

/// <summary>
/// RMSprop (Hinton's lecture 6e; PyTorch's equations) with smoothing α, optional momentum μ and the centered variant
/// (Graves 2013), which divides by an estimate of the gradient's standard deviation instead of its RMS:
/// <code>
/// g ← g + λθ
/// v ← αv + (1 − α)g²
/// ḡ ← αḡ + (1 − α)g ;  d ← √(v − ḡ²) + ε      (centered)
///                      d ← √v + ε              (otherwise)
/// b ← μb + g/d ;  θ ← θ − γb                  (μ &gt; 0)
/// θ ← θ − γ·g/d                               (μ = 0)
/// </code>
/// Options: "lr" γ (default 0.01), "alpha" α (0.99), "eps" ε (1e-8), "momentum" μ (0), "weight_decay" λ (0).
/// Buffers: "square_avg" v, "grad_avg" ḡ, "momentum_buffer" b.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class RMSprop<T> : Optimizer<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int SquareAvg = 0, GradAvg = 1, MomentumBuffer = 2;

    /// <summary>RMSprop over one group of <paramref name="parameters"/>.</summary>
    public RMSprop(IEnumerable<Tensor<T>> parameters, double lr = 0.01, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : this(OneGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered) { }

    /// <summary>RMSprop over parameter groups; the arguments are the defaults that groups may override.</summary>
    public RMSprop(IEnumerable<ParamGroup<T>> groups, double lr = 0.01, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false)
        : base("RMSprop", groups,
            new Dictionary<string, double> { ["lr"] = lr, ["alpha"] = alpha, ["eps"] = eps, ["weight_decay"] = weightDecay, ["momentum"] = momentum },
            ["square_avg", "grad_avg", "momentum_buffer"])
        => Centered = centered;

    /// <summary>Whether the centered variant (divide by √(v − ḡ²)) is used.</summary>
    public bool Centered { get; }

    /// <inheritdoc />
    protected override void Update(ParamGroup<T> group, Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state)
    {
        double lr = group["lr"], alpha = group["alpha"], eps = group["eps"], weightDecay = group["weight_decay"], momentum = group["momentum"];
        int n = param.Length;
        ReadOnlySpan<T> g = WithWeightDecay(param, grad, weightDecay);                          // g ← g + λθ
        var v = Buffer(state, SquareAvg, n);
        var d = Scratch(1, n);
        TensorPrimitives.Multiply(v, Value(alpha), v);                                         // v ← αv
        TensorPrimitives.Multiply(g, Value(1 - alpha), d);
        TensorPrimitives.MultiplyAdd(d, g, v, v);                                              //     + (1 − α)g²
        if (Centered)
        {
            var gAvg = Buffer(state, GradAvg, n);
            TensorPrimitives.Lerp(gAvg, g, Value(1 - alpha), gAvg);                            // ḡ ← αḡ + (1 − α)g
            TensorPrimitives.Multiply(gAvg, gAvg, d);
            TensorPrimitives.Subtract(v, d, d);                                                // v − ḡ²
            TensorPrimitives.Sqrt(d, d);
        }
        else TensorPrimitives.Sqrt(v, d);
        TensorPrimitives.Add(d, Value(eps), d);                                                // d ← √(…) + ε
        TensorPrimitives.Divide(g, d, d);                                                      // g/d
        if (momentum > 0)
        {
            var b = Buffer(state, MomentumBuffer, n);
            TensorPrimitives.MultiplyAdd(b, Value(momentum), d, b);                            // b ← μb + g/d
            TensorPrimitives.MultiplyAdd(b, Value(-lr), param, param);                         // θ ← θ − γb
        }
        else TensorPrimitives.MultiplyAdd(d, Value(-lr), param, param);                        // θ ← θ − γ·g/d
    }

    /// <inheritdoc />
    protected override bool KeepsBuffer(int buffer, IReadOnlyDictionary<string, double> options) =>
        buffer == SquareAvg || (buffer == GradAvg && Centered) || (buffer == MomentumBuffer && options["momentum"] > 0);

    /// <inheritdoc />
    protected override bool IsNonNegativeBuffer(int buffer) => buffer == SquareAvg;

    /// <inheritdoc />
    protected override void ValidateOptions(IReadOnlyDictionary<string, double> options)
    {
        CheckNonNegative("lr", options["lr"]);
        CheckUnitInterval("alpha", options["alpha"]);
        CheckPositive("eps", options["eps"]);
        CheckNonNegative("weight_decay", options["weight_decay"]);
        CheckNonNegative("momentum", options["momentum"]);
    }
}
