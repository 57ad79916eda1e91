using Autograd;

namespace VerifyGradients;

/// <summary>
/// A custom <see cref="Function{T}"/>: log(cosh(x)), computed stably as |x| + log(1 + e^(−2|x|)) − log 2, with its own
/// backward d/dx log(cosh x) = tanh(x). The backward is written with tensor ops, so second derivatives work through it.
/// </summary>
public class LogCosh : Function<double>
{
    /// <inheritdoc />
    protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] x)
    {
        ctx.SaveForBackward(x[0]);
        var a = x[0].Abs();
        return a + ((a * -2.0).Exp() + 1.0).Log() - Math.Log(2);
    }

    /// <inheritdoc />
    protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [g * Derivative(ctx.SavedTensors[0])];

    /// <summary>d/dx log(cosh x) = tanh(x).</summary>
    protected virtual Tensor<double> Derivative(Tensor<double> x) => x.Tanh();
}

/// <summary>The deliberately wrong variant: tanh(x) "approximated" by clamp(x, −1, 1), right at 0 and wrong elsewhere.</summary>
public sealed class LogCoshWrong : LogCosh
{
    /// <inheritdoc />
    protected override Tensor<double> Derivative(Tensor<double> x) => x.Clamp(-1.0, 1.0);
}
