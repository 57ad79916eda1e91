using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Elementwise functions. Each states only its local derivative dfdx(x, y); the helper multiplies
// by the upstream gradient, so no rule can forget to.
public sealed partial class Tensor<T>
{
    private static readonly T Half = T.CreateChecked(0.5);
    private static readonly OpInfo ExpOp = new("Exp", Saved.Output, "∂eˣ/∂x = eˣ = y");
    private static readonly OpInfo LogOp = new("Log", Saved.Input0, "∂ln x/∂x = 1/x");
    private static readonly OpInfo SqrtOp = new("Sqrt", Saved.Output, "∂√x/∂x = 1/(2√x) = 0.5/y");
    private static readonly OpInfo AbsOp = new("Abs", Saved.Input0, "∂|x|/∂x = sign(x)");
    private static readonly OpInfo SinOp = new("Sin", Saved.Input0, "∂sin x/∂x = cos x");
    private static readonly OpInfo CosOp = new("Cos", Saved.Input0, "∂cos x/∂x = −sin x");
    private static readonly OpInfo TanhOp = new("Tanh", Saved.Output, "∂tanh x/∂x = 1 − tanh² x = 1 − y²")
    {
        GradInPlace = (GradInPlace<T>)(static (g, y, _) => Fused.OutputDerivativeInPlace(g.Storage.AsSpan(g.Offset, g.NumElements), y.ElementsInOrder, tanh: true)),
    };
    private static readonly OpInfo SigmoidOp = new("Sigmoid", Saved.Output, "∂σ(x)/∂x = σ(x)(1 − σ(x)) = y(1 − y)")
    {
        GradInPlace = (GradInPlace<T>)(static (g, y, _) => Fused.OutputDerivativeInPlace(g.Storage.AsSpan(g.Offset, g.NumElements), y.ElementsInOrder, tanh: false)),
    };
    private static readonly OpInfo TanhBackwardOp = new("TanhBackward", Saved.Input0 | Saved.Input1, "∂(g·(1 − y²))/∂g = 1 − y²", "∂(g·(1 − y²))/∂y = −2y·g");
    private static readonly OpInfo SigmoidBackwardOp = new("SigmoidBackward", Saved.Input0 | Saved.Input1, "∂(g·y(1 − y))/∂g = y(1 − y)", "∂(g·y(1 − y))/∂y = g·(1 − 2y)");
    private static readonly OpInfo ErfOp = new("Erf", Saved.Input0, "∂erf x/∂x = 2/√π · e^(−x²)");
    private static readonly OpInfo Log1pOp = new("Log1p", Saved.Input0, "∂ln(1 + x)/∂x = 1/(1 + x)");
    private static readonly OpInfo Expm1Op = new("Expm1", Saved.Output, "∂(eˣ − 1)/∂x = eˣ = y + 1");
    private static readonly OpInfo RoundOp = new("Round", Saved.None, "∂round(x)/∂x = 0 (piecewise constant; PyTorch's choice at the jumps too)");
    private static readonly OpInfo FloorOp = new("Floor", Saved.None, "∂⌊x⌋/∂x = 0 (piecewise constant; PyTorch's choice at the jumps too)");
    private static readonly OpInfo CeilOp = new("Ceil", Saved.None, "∂⌈x⌉/∂x = 0 (piecewise constant; PyTorch's choice at the jumps too)");
    private static readonly OpInfo MaskedByOp = new("MaskedBy", Saved.None, "∂(g ⊙ mask(x))/∂g = mask(x) (mask piecewise constant in x)");

    /// <summary>Applies an elementwise kernel and records g·dfdx(x, y) as the derivative.</summary>
    internal Tensor<T> Map<TKernel>(OpInfo op, TKernel kernel, Func<Tensor<T>, Tensor<T>, Tensor<T>> dfdx)
        where TKernel : struct, IUnaryKernel<T>
    {
        var y = ApplyUnary(this, kernel);
        return Graph.ShouldRecord(this) ? RecordMap(y, op, dfdx) : y;
    }

    private Tensor<T> RecordMap(Tensor<T> y, OpInfo op, Func<Tensor<T>, Tensor<T>, Tensor<T>> dfdx) =>
        Graph.Record(y, op, this, (g, output, x) => [g * dfdx(x[0], output)]);

    /// <summary>
    /// Applies a piecewise-linear kernel whose derivative is a piecewise-constant <paramref name="mask"/> of x (relu,
    /// leaky relu, clamp): the derivative g·mask(x) is one fused pass, <see cref="MaskedBy"/>.
    /// </summary>
    internal Tensor<T> MapMasked<TKernel>(OpInfo op, TKernel kernel, RangeMask<T> mask)
        where TKernel : struct, IUnaryKernel<T>
    {
        var y = ApplyUnary(this, kernel);
        return Graph.Record(y, op, this, (g, _, x) => [g.MaskedBy(x[0], mask)]);
    }

    /// <summary>
    /// this ⊙ mask(x), with mask piecewise constant in x: linear in this (its derivative is the same mask) and of zero
    /// derivative in x almost everywhere, so x is not an input of the node.
    /// </summary>
    internal Tensor<T> MaskedBy(Tensor<T> x, RangeMask<T> mask)
    {
        var g = IsContiguous ? this : ContiguousCopy();
        var src = x.IsContiguous ? x : x.ContiguousCopy();
        var d = Buffers.Rent<T>(clear: false, length: g.NumElements);
        Fused.Masked(g.Storage, g.Offset, src.Storage, src.Offset, mask, d);
        var result = new Tensor<T>(d, (int[])Dims.Clone());
        return Graph.Record(result, MaskedByOp, this, (gg, _, _) => [gg.MaskedBy(x, mask)]);
    }

    /// <summary>Elementwise eˣ. d/dx = eˣ = y.</summary>
    public Tensor<T> Exp() => Map(ExpOp, new MathKernel<T>(UnaryFunction.Exp), static (_, y) => y);

    /// <summary>Elementwise natural logarithm ln x. d/dx = 1/x.</summary>
    public Tensor<T> Log() => Map(LogOp, new MathKernel<T>(UnaryFunction.Log), static (x, _) => x.Reciprocal());

    /// <summary>Elementwise √x. d/dx = 1/(2√x) = 0.5/y.</summary>
    public Tensor<T> Sqrt() => Map(SqrtOp, new MathKernel<T>(UnaryFunction.Sqrt), static (_, y) => Half / y);

    /// <summary>Elementwise |x|. d/dx = sign(x) (0 at 0).</summary>
    public Tensor<T> Abs() => Map(AbsOp, new MathKernel<T>(UnaryFunction.Abs), static (x, _) => x.Sign());

    /// <summary>Elementwise sin x. d/dx = cos x.</summary>
    public Tensor<T> Sin() => Map(SinOp, new MathKernel<T>(UnaryFunction.Sin), static (x, _) => x.Cos());

    /// <summary>Elementwise cos x. d/dx = −sin x.</summary>
    public Tensor<T> Cos() => Map(CosOp, new MathKernel<T>(UnaryFunction.Cos), static (x, _) => -x.Sin());

    /// <summary>Elementwise tanh x. d/dx = 1 − tanh² x = 1 − y².</summary>
    public Tensor<T> Tanh() => Graph.Record(ApplyUnary(this, new MathKernel<T>(UnaryFunction.Tanh)), TanhOp, this,
        static (g, y, _) => [OutputDerivative(g, y, tanh: true)]);

    /// <summary>Elementwise logistic sigmoid σ(x) = 1/(1 + e⁻ˣ). d/dx = σ(x)(1 − σ(x)) = y(1 − y).</summary>
    public Tensor<T> Sigmoid() => Graph.Record(ApplyUnary(this, new MathKernel<T>(UnaryFunction.Sigmoid)), SigmoidOp, this,
        static (g, y, _) => [OutputDerivative(g, y, tanh: false)]);

    /// <summary>
    /// The derivatives of tanh and sigmoid from their outputs, fused into one op for speed (one node and one pass
    /// instead of three): tanh: g·(1 − y²), with ∂/∂g = 1 − y² and ∂/∂y = −2y·g; sigmoid: g·y(1 − y), with
    /// ∂/∂g = y(1 − y) and ∂/∂y = g·(1 − 2y). Those second derivatives are written in differentiable ops.
    /// </summary>
    internal static Tensor<T> OutputDerivative(Tensor<T> g, Tensor<T> y, bool tanh)
    {
        int n = y.NumElements;
        var result = Buffers.Rent<T>(n, clear: false);
        var ys = y.ElementsInOrder;
        ReadOnlySpan<T> gs = g.IsContiguous && g.NumElements == n ? g.Storage.AsSpan(g.Offset, n) : Broadcast(g, y.Dims);
        Fused.OutputDerivative(gs, ys, result, tanh);
        var output = new Tensor<T>(result, y);
        return Graph.ShouldRecord(g, y) ? RecordOutputDerivative(output, g, y, tanh) : output;
    }

    /// <summary>The elements of <paramref name="g"/> broadcast to <paramref name="shape"/>, row-major.</summary>
    private static T[] Broadcast(Tensor<T> g, int[] shape)
    {
        var values = new T[Shapes.Size(shape)];
        Strided.CopyTo<T>(g.Storage, g.Layout.BroadcastTo(shape), values);
        return values;
    }

    // Separate from OutputDerivative so that plain backward does not allocate the closure capturing tanh.
    private static Tensor<T> RecordOutputDerivative(Tensor<T> output, Tensor<T> g, Tensor<T> y, bool tanh) =>
        Graph.Record(output, tanh ? TanhBackwardOp : SigmoidBackwardOp, g, y, (u, _, x) =>
        [
            x[0].RequiresGrad ? OutputDerivative(u, x[1], tanh) : null,
            x[1].RequiresGrad ? (tanh ? u * x[0] * x[1] * T.CreateChecked(-2) : u * x[0] * (T.One - x[1] * T.CreateChecked(2))) : null,
        ]);

    /// <summary>Elementwise error function erf x = 2/√π ∫₀ˣ e^(−t²) dt. d/dx = 2/√π · e^(−x²).</summary>
    public Tensor<T> Erf() => Map(ErfOp, new ErfKernel<T>(),
        static (x, _) => (x * x).Neg().Exp() * T.CreateChecked(1.1283791670955126));

    /// <summary>Elementwise −x (same as the unary minus operator).</summary>
    public Tensor<T> Neg() => -this;

    /// <summary>Elementwise sign: −1, 0 or 1. Not differentiable (piecewise constant): records nothing.</summary>
    public Tensor<T> Sign() => ApplyUnary(this, new MathKernel<T>(UnaryFunction.Sign));
    /// <summary>Elementwise ln(1 + x), accurate for x near 0 (torch.log1p). d/dx = 1/(1 + x).</summary>
    public Tensor<T> Log1p() => Map(Log1pOp, new Log1pKernel<T>(), static (x, _) => (x + T.One).Reciprocal());

    /// <summary>Elementwise eˣ − 1, accurate for x near 0 (torch.expm1). d/dx = eˣ = y + 1.</summary>
    public Tensor<T> Expm1() => Map(Expm1Op, new Expm1Kernel<T>(), static (_, y) => y + T.One);

    /// <summary>
    /// Elementwise rounding to the nearest whole number, halves to even (torch.round). Piecewise constant: the gradient
    /// is 0 everywhere (also at the jumps, as PyTorch), so it flows nowhere but the output still requires grad.
    /// </summary>
    public Tensor<T> Round() => Map(RoundOp, new RoundingKernel<T>(Rounding.Nearest), static (x, _) => Tensor.ZerosLike(x));

    /// <summary>Elementwise ⌊x⌋, the largest whole number ≤ x (torch.floor). Gradient 0 everywhere (also at the jumps).</summary>
    public Tensor<T> Floor() => Map(FloorOp, new RoundingKernel<T>(Rounding.Floor), static (x, _) => Tensor.ZerosLike(x));

    /// <summary>Elementwise ⌈x⌉, the smallest whole number ≥ x (torch.ceil). Gradient 0 everywhere (also at the jumps).</summary>
    public Tensor<T> Ceil() => Map(CeilOp, new RoundingKernel<T>(Rounding.Ceiling), static (x, _) => Tensor.ZerosLike(x));
}
