using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Scans. The cumulative sum and the reverse cumulative sum are each other's adjoint, so each derivative is written
// with the other (the pair of GatherRuns/ScatterAddRuns), and second order runs through the same two ops.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo CumsumOp = new("Cumsum", Saved.None, "∂(Σ_{j≤i} xⱼ)/∂xⱼ = 1 for j ≤ i: g summed in reverse, Σ_{i≥j} gᵢ");
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
}
