using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// Softmax and log-softmax: fused, max-shifted forward kernels (stable for logits of any size). The derivatives are
// written in differentiable ops, so second order works; a first-order backward over contiguous last-dim rows runs a
// fused kernel instead (one pass per row, no temporaries), as BatchNorm does.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo SoftmaxOp = new("Softmax", Saved.Output, "∂softmax(x)/∂x: g ↦ y ⊙ (g − Σⱼ gⱼyⱼ)");
    private static readonly OpInfo LogSoftmaxOp = new("LogSoftmax", Saved.Output, "∂logsoftmax(x)/∂x: g ↦ g − exp(y) ⊙ Σⱼ gⱼ");

    /// <summary>Softmax along <paramref name="dim"/>: exp(xᵢ − m) / Σⱼ exp(xⱼ − m), m the max. ∂: y ⊙ (g − Σ g ⊙ y).</summary>
    public Tensor<T> Softmax(int dim)
    {
        int d = Shapes.NormalizeDim("Softmax", dim, Rank);
        var y = RowWise(d, log: false);
        return Graph.Record(y, SoftmaxOp, this, (g, output, _) => [output * (g - (g * output).Sum(d, keepDim: true))],
            fused: (g, output, _) => [FusedRowBackward(g, output, d, log: false) ?? output * (g - (g * output).Sum(d, keepDim: true))]);
    }

    /// <summary>Log-softmax along <paramref name="dim"/>: xᵢ − m − log Σⱼ exp(xⱼ − m). ∂: g − exp(y) ⊙ Σ g.</summary>
    public Tensor<T> LogSoftmax(int dim)
    {
        int d = Shapes.NormalizeDim("LogSoftmax", dim, Rank);
        var y = RowWise(d, log: true);
        return Graph.Record(y, LogSoftmaxOp, this, (g, output, _) => [g - output.Exp() * g.Sum(d, keepDim: true)],
            fused: (g, output, _) => [FusedRowBackward(g, output, d, log: true) ?? g - output.Exp() * g.Sum(d, keepDim: true)]);
    }

    /// <summary>Runs the softmax kernel on rows along dim d (moving d last if needed).</summary>
    private Tensor<T> RowWise(int d, bool log)
    {
        Tensor<T> source;
        using (Tensor.NoGrad()) source = d == Rank - 1 ? Contiguous() : Transpose(d, -1).Contiguous();
        int n = source.Dims[^1];
        var data = Buffers.Rent<T>(source.NumElements, clear: false);
        if (n > 0) Kernels.Softmax.Forward<T>(source.Storage, source.Offset, data, n, log);
        var result = new Tensor<T>(data, (int[])source.Dims.Clone());
        if (d == Rank - 1) return result;
        using (Tensor.NoGrad()) return result.Transpose(d, -1).Contiguous();
    }

    /// <summary>
    /// The first-order backward of Softmax or LogSoftmax over rows along the last dim, as one kernel: the fused form
    /// registered beside the composite rule (the engine uses it when the backward is not recorded). Null when the rows
    /// are not contiguous last-dim rows; then the composite serves.
    /// </summary>
    private static Tensor<T>? FusedRowBackward(Tensor<T> g, Tensor<T> output, int d, bool log)
    {
        if (d != output.Rank - 1 || !g.IsContiguous || !output.IsContiguous || !Shapes.Equal(g.Dims, output.Dims))
            return null;
        int total = output.NumElements;
        var dx = Buffers.Rent<T>(total, clear: false);
        if (total > 0) Kernels.Softmax.Backward<T>(g.Storage, g.Offset, output.Storage, output.Offset, dx, output.Dims[^1], log);
        return new Tensor<T>(dx, (int[])output.Dims.Clone());
    }
}
