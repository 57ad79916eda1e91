using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Activation functions: primitives where a fused kernel pays, composites of primitives otherwise.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo ReluOp = new("Relu", Saved.Input0, "∂relu(x)/∂x = 1 for x > 0, else 0");
    private static readonly OpInfo LeakyReluOp = new("LeakyRelu", Saved.Input0, "∂leakyrelu(x)/∂x = 1 for x > 0, else slope");
    private static readonly OpInfo ClampOp = new("Clamp", Saved.Input0, "∂clamp(x, lo, hi)/∂x = 1 for lo ≤ x ≤ hi, else 0");
    private static readonly OpInfo GeluOp = new("Gelu", Saved.Input0, "∂(x·Φ(x))/∂x = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)");
    private static readonly OpInfo SoftplusOp = new("Softplus", Saved.Input0, "∂softplus(x)/∂x = σ(βx), 1 where βx > threshold");

    /// <summary>Rectified linear unit max(x, 0). d/dx = 1 for x &gt; 0, else 0.</summary>
    public Tensor<T> Relu() => MapMasked(ReluOp, new ClampKernel<T>(T.Zero, T.PositiveInfinity), ReluMask);

    /// <summary>ReLU's slope as a mask of x: 1 where x &gt; 0, else 0.</summary>
    private static readonly RangeMask<T> ReluMask = new(T.Zero, T.PositiveInfinity, false, T.One, T.Zero);

    /// <summary>Leaky ReLU: x for x &gt; 0, slope·x otherwise. d/dx = 1 or slope.</summary>
    public Tensor<T> LeakyRelu(T negativeSlope)
    {
        T slope = negativeSlope;
        return MapMasked(LeakyReluOp, new LeakyReluKernel<T>(slope), new RangeMask<T>(T.Zero, T.PositiveInfinity, false, T.One, slope));
    }

    /// <summary>Leaky ReLU with PyTorch's default slope 0.01.</summary>
    public Tensor<T> LeakyRelu() => LeakyRelu(T.CreateChecked(0.01));

    /// <summary>Clamps to [min, max]. d/dx = 1 inside the interval (bounds included), 0 outside.</summary>
    public Tensor<T> Clamp(T min, T max)
    {
        if (min > max) throw new ArgumentException($"Clamp: min {min} is greater than max {max}");
        return MapMasked(ClampOp, new ClampKernel<T>(min, max), new RangeMask<T>(min, max, true, T.One, T.Zero));
    }

    /// <summary>Softplus log(1 + e^(βx))/β, linear where βx &gt; threshold. d/dx = σ(βx), and 1 where it is linear.</summary>
    public Tensor<T> Softplus(T? beta = null, T? threshold = null)
    {
        T b = beta ?? T.One, t = threshold ?? T.CreateChecked(20);
        return Map(SoftplusOp, new SoftplusKernel<T>(b, t), (x, _) =>
        {
            var bx = x * b;
            return Tensor.Where(bx.Gt(t), Tensor.Scalar(T.One), bx.Sigmoid());
        });
    }

    /// <summary>
    /// GELU x·Φ(x) with Φ the standard normal CDF: 0.5·x·(1 + erf(x/√2)), one vectorised kernel (Φ from erfc on the
    /// negative tail, so tiny values keep their relative precision); d/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π), written
    /// with Erf and Exp so higher orders follow; for first order, the recorded forward's pass also writes the slope
    /// Φ(x) + x·φ(x), and the fused rule is one product g·slope (instead of about eight elementwise passes). With <paramref name="tanhApproximation"/>,
    /// 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), a composite of differentiable primitives.
    /// </summary>
    public Tensor<T> Gelu(bool tanhApproximation = false)
    {
        if (tanhApproximation)
        {
            var inner = (this + this.Pow(T.CreateChecked(3)) * T.CreateChecked(0.044715)) * T.CreateChecked(Math.Sqrt(2 / Math.PI));
            return this * Half * (inner.Tanh() + T.One);
        }
        if (!Graph.ShouldRecord(this)) return Graph.Record(ApplyUnary(this, new GeluKernel<T>()), GeluOp, this, GeluRule);
        // Recorded: the same pass also writes the slope Φ(x) + x·φ(x), which the fused first-order rule multiplies the
        // upstream gradient by (one pass instead of about eight, or of recomputing Φ); y is the same code's, bit for bit.
        var x = IsContiguous ? this : ContiguousCopy();
        var y = Buffers.Rent<T>(clear: false, length: x.NumElements);
        var slope = new Tensor<T>(Buffers.Rent<T>(clear: false, length: x.NumElements), (int[])Dims.Clone());
        ErfCore<T>.Apply(x.Storage, x.Offset, y, slope.Storage, ErfMode.GeluAndSlope);
        return Graph.Record(new Tensor<T>(y, (int[])Dims.Clone()), GeluOp, this, GeluRule, fused: (g, _, _) => [g * slope]);
    }

    /// <summary>Gelu's rule in differentiable ops: g·(Φ(x) + x·φ(x)) with Φ(x) = ½ + ½·erf(x/√2), φ(x) = e^(−x²/2)/√(2π).</summary>
    private static Tensor<T>?[] GeluRule(Tensor<T> g, Tensor<T> output, Tensor<T>[] x) =>
        [g * ((x[0] * T.CreateChecked(1 / Math.Sqrt(2))).Erf() * Half + Half
            + x[0] * (x[0] * x[0] * T.CreateChecked(-0.5)).Exp() * T.CreateChecked(1 / Math.Sqrt(2 * Math.PI)))];

    /// <summary>SiLU (swish) x·σ(x).</summary>
    public Tensor<T> Silu() => this * Sigmoid();

    /// <summary>ELU: x for x &gt; 0, α(eˣ − 1) otherwise.</summary>
    public Tensor<T> Elu(T? alpha = null)
    {
        T a = alpha ?? T.One;
        // exp of min(x, 0) keeps the unused branch finite for large x.
        var negative = (Clamp(T.NegativeInfinity, T.Zero).Exp() - T.One) * a;
        return Tensor.Where(Gt(T.Zero), this, negative);
    }
}
