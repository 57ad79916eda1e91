using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Arithmetic with NumPy broadcasting. The engine sums each gradient back to its input's shape,
// so these rules never deal with broadcasting themselves.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo AddOp = new("Add", Saved.None, "∂(a + b)/∂a = 1", "∂(a + b)/∂b = 1");
    private static readonly OpInfo SubOp = new("Sub", Saved.None, "∂(a − b)/∂a = 1", "∂(a − b)/∂b = −1");
    private static readonly OpInfo MulOp = new("Mul", Saved.Input0 | Saved.Input1, "∂(a·b)/∂a = b", "∂(a·b)/∂b = a");
    private static readonly OpInfo DivOp = new("Div", Saved.Input1 | Saved.Output, "∂(a/b)/∂a = 1/b", "∂(a/b)/∂b = −a/b² = −y/b");
    private static readonly OpInfo AffineShiftOp = new("Affine", Saved.None, "∂(a + c)/∂a = 1");
    private static readonly OpInfo AffineNegateOp = new("Affine", Saved.None, "∂(−a + c)/∂a = −1")
    {
        GradInPlace = (GradInPlace<T>)(static (g, _, _) => ScaleInPlace(g, new AffineKernel<T>(-T.One, T.Zero, AffineParts.Scale))),
    };
    private static readonly OpInfo AffineScaleOp = new("Affine", Saved.None, "∂(a·s + c)/∂a = s")
    {
        GradInPlace = (GradInPlace<T>)(static (g, y, _) => ScaleInPlace(g, new AffineKernel<T>(y._affineScale, T.Zero, AffineParts.Scale))),
    };
    private static readonly OpInfo AffineDivideOp = new("Affine", Saved.None, "∂(a/s + c)/∂a = 1/s")
    {
        GradInPlace = (GradInPlace<T>)(static (g, y, _) => ScaleInPlace(g, new AffineKernel<T>(y._affineScale, T.Zero, AffineParts.Divide))),
    };
    private static readonly OpInfo PowScalarOp = new("Pow", Saved.Input0, "∂(xᵖ)/∂x = p·xᵖ⁻¹");
    private static readonly OpInfo PowOp = new("Pow", Saved.Input0 | Saved.Input1 | Saved.Output, "∂(aᵇ)/∂a = b·aᵇ⁻¹", "∂(aᵇ)/∂b = aᵇ·ln a");

    /// <summary>Elementwise a + b with broadcasting. ∂/∂a = 1, ∂/∂b = 1.</summary>
    public static Tensor<T> operator +(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Add", a, b, new AddKernel<T>()), AddOp, a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? g : null]);

    /// <summary>Elementwise a − b with broadcasting. ∂/∂a = 1, ∂/∂b = −1.</summary>
    public static Tensor<T> operator -(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Sub", a, b, new SubtractKernel<T>()), SubOp, a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g : null, x[1].RequiresGrad ? -g : null]);

    /// <summary>Elementwise a · b with broadcasting. ∂/∂a = b, ∂/∂b = a.</summary>
    public static Tensor<T> operator *(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Mul", a, b, new MultiplyKernel<T>()), MulOp, a, b,
            static (g, _, x) => [x[0].RequiresGrad ? g * x[1] : null, x[1].RequiresGrad ? g * x[0] : null]);

    /// <summary>Elementwise a / b with broadcasting. ∂/∂a = 1/b, ∂/∂b = −a/b² = −y/b.</summary>
    public static Tensor<T> operator /(Tensor<T> a, Tensor<T> b) =>
        Graph.Record(ApplyBinary("Div", a, b, new DivideKernel<T>()), DivOp, a, b,
            static (g, y, x) => [x[0].RequiresGrad ? g / x[1] : null, x[1].RequiresGrad ? -(g * y) / x[1] : null]);

    /// <summary>Elementwise negation −a = a·(−1) + 0, one affine node. d/da = −1.</summary>
    public static Tensor<T> operator -(Tensor<T> a) => Affine(a, new AffineKernel<T>(-T.One, T.Zero, AffineParts.Scale));

    // Tensor-with-scalar arithmetic is one node, the affine map y = a·s + c (or a/s + c): one-input kernels, so no 0-d
    // tensor is created and no broadcasting is worked out.

    /// <summary>a + s (affine, c = s). d/da = 1.</summary>
    public static Tensor<T> operator +(Tensor<T> a, T s) => Affine(a, new AffineKernel<T>(T.One, s, AffineParts.Shift));

    /// <summary>s + a.</summary>
    public static Tensor<T> operator +(T s, Tensor<T> a) => a + s;

    /// <summary>a − s = a + (−s).</summary>
    public static Tensor<T> operator -(Tensor<T> a, T s) => a + (-s);

    /// <summary>s − a = a·(−1) + s, one affine node. d/da = −1.</summary>
    public static Tensor<T> operator -(T s, Tensor<T> a) => Affine(a, new AffineKernel<T>(-T.One, s, AffineParts.Scale | AffineParts.Shift));

    /// <summary>a · s (affine, scale s). d/da = s.</summary>
    public static Tensor<T> operator *(Tensor<T> a, T s) => Affine(a, new AffineKernel<T>(s, T.Zero, AffineParts.Scale));

    /// <summary>s · a.</summary>
    public static Tensor<T> operator *(T s, Tensor<T> a) => a * s;

    /// <summary>a / s (affine, true division by s). d/da = 1/s.</summary>
    public static Tensor<T> operator /(Tensor<T> a, T s) => Affine(a, new AffineKernel<T>(s, T.Zero, AffineParts.Divide));

    /// <summary>
    /// The affine node y = a·s + c (or a/s + c): d/da = s (or 1/s), so the gradient is g·s (or g/s), itself an affine
    /// node. Every rule is static: a shift passes the gradient through, a negation negates it, and a scale is read from
    /// the output, which keeps it (<see cref="_affineScale"/>), so recording the node allocates no closure.
    /// </summary>
    private static Tensor<T> Affine(Tensor<T> a, AffineKernel<T> map)
    {
        var y = ApplyUnary(a, map);
        if (!Graph.ShouldRecord(a)) return y;
        if ((map.Parts & (AffineParts.Scale | AffineParts.Divide)) == 0) return Graph.Record(y, AffineShiftOp, a, PassThrough);
        if ((map.Parts & AffineParts.Scale) != 0 && map.Scale == -T.One) return Graph.Record(y, AffineNegateOp, a, static (g, _, _) => [-g]);
        y._affineScale = map.Scale;
        if ((map.Parts & AffineParts.Divide) != 0) return Graph.Record(y, AffineDivideOp, a, static (g, y, _) => [g / y._affineScale]);
        return Graph.Record(y, AffineScaleOp, a, static (g, y, _) => [g * y._affineScale]);
    }

    /// <summary>The affine rules' in-place form (<see cref="GradInPlace{T}"/>): the kernel their composite gradient
    /// (g·s, −g or g/s, an affine op itself) applies, applied to g's own elements.</summary>
    private static void ScaleInPlace(Tensor<T> g, AffineKernel<T> map) => Elementwise.UnaryInPlace(g.Storage, g.Offset, g.NumElements, map);

    /// <summary>The scale s of the affine node that produced this tensor (its rule's only constant), kept on the output
    /// the rule is handed, where it fits in the object's padding for float, instead of in a closure per node.</summary>
    private T _affineScale;

    /// <summary>s / a. d/da = −s/a² = −y/a.</summary>
    public static Tensor<T> operator /(T s, Tensor<T> a) => Tensor.Scalar(s) / a;

    /// <summary>Elementwise xᵖ for a constant exponent. d/dx = p·xᵖ⁻¹.</summary>
    public Tensor<T> Pow(T exponent)
    {
        var y = ApplyBinary("Pow", this, Tensor.Scalar(exponent), new PowKernel<T>());
        if (!Graph.ShouldRecord(this)) return y;
        return Graph.Record(y, PowScalarOp, this, (g, _, x) => [g * exponent * x[0].Pow(exponent - T.One)]);
    }

    /// <summary>Elementwise aᵇ with broadcasting. ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a.</summary>
    public Tensor<T> Pow(Tensor<T> exponent) =>
        Graph.Record(ApplyBinary("Pow", this, exponent, new PowKernel<T>()), PowOp, this, exponent,
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
