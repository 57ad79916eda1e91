using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Arithmetic with NumPy broadcasting. The engine sums each gradient back to its input's shape,
// so these rules never deal with broadcasting themselves.
public sealed partial class Tensor<T>
{
    /// <summary>Elementwise a + b with broadcasting. ∂/∂a = 1, ∂/∂b = 1.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Add", a, b, new AddKernel<T>()), "Add", a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? g : null]);

    /// <summary>Elementwise a − b with broadcasting. ∂/∂a = 1, ∂/∂b = −1.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Sub", a, b, new SubtractKernel<T>()), "Sub", a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? -g : null]);

    /// <summary>Elementwise a · b with broadcasting. ∂/∂a = b, ∂/∂b = a.</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Mul", a, b, new MultiplyKernel<T>()), "Mul", a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g * x[1] : null, x[1].RequiresGrad ? g * x[0] : null]);

    /// <summary>Elementwise a / b with broadcasting. ∂/∂a = 1/b, ∂/∂b = −a/b² = −y/b.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Div", a, b, new DivideKernel<T>()), "Div", a, b,
            static (g, y, x) => [x[0].RequiresGrad ? g / x[1] : null, x[1].RequiresGrad ? -(g * y) / x[1] : null]);

    /// <summary>Elementwise negation −a.</summary>
    public static Tensor<T> operator -(Tensor<T> a) =>
        Graph.Record(ApplyUnary(a, new MathKernel<T>(UnaryFunction.Negate)), "Neg", a, static (g, _, _) => [-g]);

    // Scalar operands: one-input kernels, so no 0-d tensor is created and no broadcasting is worked out.

    /// <summary>a + s. d/da = 1.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T s) =>
        Graph.Record(ApplyUnary(a, new AddScalarKernel<T>(s)), "AddScalar", a, static (g, _, _) => [g]);

    /// <summary>s + a.</summary>
    public static Tensor<T> operator +(T s, Tensor<T> a) => a + s;

    /// <summary>a − s.</summary>
    public static Tensor<T> operator -(Tensor<T> a, T s) => a + (-s);

    /// <summary>s − a.</summary>
    public static Tensor<T> operator -(T s, Tensor<T> a) => -a + s;

    /// <summary>a · s. d/da = s.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T s)
    {
        var y = ApplyUnary(a, new MultiplyScalarKernel<T>(s));
        return Graph.ShouldRecord(a) ? Graph.Record(y, "MulScalar", a, ConstantRule.Times(s)) : y;
    }

    /// <summary>s · a.</summary>
    public static Tensor<T> operator *(T s, Tensor<T> a) => a * s;

    /// <summary>a / s. d/da = 1/s.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T s)
    {
        var y = ApplyUnary(a, new DivideScalarKernel<T>(s));
        return Graph.ShouldRecord(a) ? Graph.Record(y, "DivScalar", a, ConstantRule.Over(s)) : y;
    }

    /// <summary>
    /// The derivative g·s or g/s of a product or quotient by the constant s. The rule built last for each kind is
    /// reused while s repeats (the usual case: a literal in a loop or a layer), so recording such an op then allocates
    /// no closure. Constants match by value and sign, so 0 and −0 get rules of their own, and NaN never matches.
    /// </summary>
    private sealed class ConstantRule
    {
        private static ConstantRule? s_times, s_over;
        private readonly T _s;
        private readonly bool _divide;
        private readonly Derivative<T> _derivative;

        private ConstantRule(T s, bool divide)
        {
            _s = s;
            _divide = divide;
            _derivative = Apply;
        }

        public static Derivative<T> Times(T s) => Get(ref s_times, s, divide: false);

        public static Derivative<T> Over(T s) => Get(ref s_over, s, divide: true);

        private static Derivative<T> Get(ref ConstantRule? last, T s, bool divide)
        {
            var rule = last;
            if (rule is null || rule._s != s || T.IsNegative(rule._s) != T.IsNegative(s))
                last = rule = new ConstantRule(s, divide);
            return rule._derivative;
        }

        private Tensor<T>?[] Apply(Tensor<T> g, Tensor<T> output, Tensor<T>[] inputs) => [_divide ? g / _s : g * _s];
    }

    /// <summary>s / a. d/da = −s/a² = −y/a.</summary>
    public static Tensor<T> operator /(T s, Tensor<T> a) => Tensor.Scalar(s) / a;

    /// <summary>Elementwise xᵖ for a constant exponent. d/dx = p·xᵖ⁻¹.</summary>
    public Tensor<T> Pow(T exponent)
    {
        var y = ApplyBinary("Pow", this, Tensor.Scalar(exponent), new PowKernel<T>());
        if (!Graph.ShouldRecord(this)) return y;
        return Graph.Record(y, "Pow", this, (g, _, x) => [g * exponent * x[0].Pow(exponent - T.One)]);
    }

    /// <summary>Elementwise aᵇ with broadcasting. ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a.</summary>
    public Tensor<T> Pow(Tensor<T> exponent) =>
        Graph.Record(ApplyBinary("Pow", this, exponent, new PowKernel<T>()), "Pow", this, exponent,
            static (g, y, x) =>
            [
                x[0].RequiresGrad ? g * x[1] * x[0].Pow(x[1] - T.One) : null,
                x[1].RequiresGrad ? g * y * x[0].Log() : null,
            ]);

    /// <summary>Elementwise x². d/dx = 2x.</summary>
    public Tensor<T> Square() => this * this;

    /// <summary>Elementwise 1/x. d/dx = −1/x² = −y².</summary>
    public Tensor<T> Reciprocal() => T.One / this;

    /// <summary>Elementwise max(a, b); the gradient goes to the larger input (to a on ties).</summary>
    public Tensor<T> Maximum(Tensor<T> other) => Tensor.Where(Ge(other), this, other);

    /// <summary>Elementwise min(a, b); the gradient goes to the smaller input (to a on ties).</summary>
    public Tensor<T> Minimum(Tensor<T> other) => Tensor.Where(Le(other), this, other);
}
