using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Scans. The cumulative sum and the reverse cumulative sum are each other's adjoint, so each derivative is written
// with the other (the pair of GatherRuns/ScatterAddRuns), and second order runs through the same two ops. The cumulative
// product's derivative is a linear recurrence (sₖ = gₖ + x_{k+1}·s_{k+1}), whose own adjoint is the recurrence run the
// other way, so Cumprod needs no division (exact with zeros) and every order runs through the same ops.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo CumsumOp = new("Cumsum", Saved.None, "∂(Σ_{j≤i} xⱼ)/∂xⱼ = 1 for j ≤ i: g summed in reverse, Σ_{i≥j} gᵢ");
    private static readonly OpInfo CumprodOp = new("Cumprod", Saved.Input0 | Saved.Output,
        "∂yᵢ/∂xₖ = Π_{j≤i, j≠k} xⱼ: y_{k−1}·sₖ, sₖ = gₖ + x_{k+1}·s_{k+1} (a reverse linear recurrence; no division, exact with zeros)");
    private static readonly OpInfo RecurrenceOp = new("LinearRecurrence", Saved.Input0 | Saved.Output,
        "hᵢ = bᵢ + aᵢ·h_{i−1}: ∂/∂aᵢ = uᵢ·h_{i−1}, with u = the reverse recurrence uᵢ = gᵢ + a_{i+1}·u_{i+1}", "∂/∂bᵢ = uᵢ");
    private static readonly OpInfo ReverseRecurrenceOp = new("ReverseLinearRecurrence", Saved.Input0 | Saved.Output,
        "hᵢ = bᵢ + aᵢ·h_{i+1}: ∂/∂aᵢ = uᵢ·h_{i+1}, with u = the forward recurrence uᵢ = gᵢ + a_{i−1}·u_{i−1}", "∂/∂bᵢ = uᵢ");
    private static readonly OpInfo ReverseCumsumOp = new("ReverseCumsum", Saved.None, "∂(Σ_{j≥i} xⱼ)/∂xⱼ = 1 for j ≥ i: g summed forward, Σ_{i≤j} gᵢ");

    /// <summary>
    /// Cumulative sum along <paramref name="dim"/> (torch.cumsum): yᵢ = Σ_{j≤i} xⱼ.
    /// ∂/∂xⱼ = Σ_{i≥j} gᵢ, the reverse cumulative sum of the upstream gradient.
    /// </summary>
    public Tensor<T> Cumsum(int dim)
    {
        if (Rank == 0)
        {
            Shapes.NormalizeDim("Cumsum", dim, 1);
            return Reshape(1).Cumsum(0).Reshape([]);
        }
        return CumulativeSum(Shapes.NormalizeDim("Cumsum", dim, Rank), reverse: false);
    }

    /// <summary>yᵢ = Σ_{j≤i} xⱼ along <paramref name="d"/>, or Σ_{j≥i} xⱼ when <paramref name="reverse"/>; the derivative
    /// of each is the other applied to g.</summary>
    private Tensor<T> CumulativeSum(int d, bool reverse)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        var y = Buffers.Rent<T>(NumElements, clear: false);
        Scan.CumulativeSum(src.Storage, src.Offset, outer, n, inner, reverse, y);
        var result = new Tensor<T>(y, (int[])Dims.Clone());
        return Graph.Record(result, reverse ? ReverseCumsumOp : CumsumOp, this, (g, _, _) => [g.CumulativeSum(d, !reverse)]);
    }
    /// <summary>
    /// Cumulative product along <paramref name="dim"/> (torch.cumprod): yᵢ = Π_{j≤i} xⱼ. ∂yᵢ/∂xₖ = Π_{j≤i, j≠k} xⱼ for
    /// k ≤ i, so ∂L/∂xₖ = y_{k−1}·sₖ (y₋₁ = 1) with sₖ = Σ_{i≥k} gᵢ Π_{k &lt; j ≤ i} xⱼ = gₖ + x_{k+1}·s_{k+1}: computed by a
    /// linear recurrence without dividing by x, so the gradient is exact where x has zeros (at any order).
    /// </summary>
    public Tensor<T> Cumprod(int dim)
    {
        if (Rank == 0)
        {
            Shapes.NormalizeDim("Cumprod", dim, 1);
            return Reshape(1).Cumprod(0).Reshape([]);
        }
        int d = Shapes.NormalizeDim("Cumprod", dim, Rank);
        var src = IsContiguous ? this : ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(Dims, d, d);
        var y = Buffers.Rent<T>(NumElements, clear: false);
        Scan.LinearRecurrence(src.Storage, src.Offset, null, 0, outer, n, inner, reverse: false, y);
        var result = new Tensor<T>(y, (int[])Dims.Clone());
        return Graph.Record(result, CumprodOp, this,
            (g, output, x) => [Shift(output, d, 1, T.One) * Recurrence(Shift(x[0], d, -1, T.Zero), g, d, reverse: true)]);
    }

    /// <summary>
    /// hᵢ = bᵢ + aᵢ·h_{i−1} along <paramref name="d"/> (h₋₁ = 0), or hᵢ = bᵢ + aᵢ·h_{i+1} when <paramref name="reverse"/>;
    /// a and b have the same shape. Its adjoint is the recurrence the other way with a shifted by one.
    /// </summary>
    private static Tensor<T> Recurrence(Tensor<T> a, Tensor<T> b, int d, bool reverse)
    {
        var sa = a.IsContiguous ? a : a.ContiguousCopy();
        var sb = b.IsContiguous && Shapes.Equal(b.Dims, a.Dims) ? b : b.Expand(a.Dims).ContiguousCopy();
        var (outer, n, inner) = Reduce.Split(a.Dims, d, d);
        var h = Buffers.Rent<T>(a.NumElements, clear: false);
        Scan.LinearRecurrence(sa.Storage, sa.Offset, sb.Storage, sb.Offset, outer, n, inner, reverse, h);
        var result = new Tensor<T>(h, (int[])a.Dims.Clone());
        return Graph.Record(result, reverse ? ReverseRecurrenceOp : RecurrenceOp, a, b, (g, output, x) =>
        {
            var u = Recurrence(Shift(x[0], d, reverse ? 1 : -1, T.Zero), g, d, !reverse);
            return [x[0].RequiresGrad ? u * Shift(output, d, reverse ? -1 : 1, T.Zero) : null, x[1].RequiresGrad ? u : null];
        });
    }

    /// <summary>yᵢ = x_{i−k} along <paramref name="d"/>, <paramref name="fill"/> where i − k is outside (a differentiable Pad
    /// that crops k elements at one end and pads k at the other).</summary>
    private static Tensor<T> Shift(Tensor<T> x, int d, int k, T fill)
    {
        if (x.Dims[d] == 0 || k == 0) return x;
        var pad = new int[2 * (x.Rank - d)];
        pad[^2] = k;
        pad[^1] = -k;
        return x.Pad(pad, fill);
    }
}
