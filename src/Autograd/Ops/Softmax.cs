using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
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
        if (n > 0) SoftmaxRows(source.Storage.AsSpan(source.Offset, data.Length), data, n, log);
        var result = new Tensor<T>(data, (int[])source.Dims.Clone());
        if (d == Rank - 1) return result;
        using (Tensor.NoGrad()) return result.Transpose(d, -1).Contiguous();
    }

    /// <summary>Rows shorter than this are reduced by plain loops: a vectorised call costs more than it saves on them.</summary>
    private const int ShortRow = 32;

    /// <summary>
    /// y = softmax or log-softmax of each row of n values of x: the rows are shifted by their max, then exp runs over the
    /// whole block in one vectorised call (rather than once per short row), then each row is normalised by its sum s:
    /// y = e / s, or y = (x − m) − log s.
    /// </summary>
    private static void SoftmaxRows(ReadOnlySpan<T> x, Span<T> y, int n, bool log)
    {
        for (int start = 0; start < x.Length; start += n)
        {
            ReadOnlySpan<T> xr = x.Slice(start, n);
            T max = RowMax(xr);
            if (T.IsInfinity(max)) max = T.Zero;
            Apply(xr, y.Slice(start, n), max, divide: false);
        }
        int rows = x.Length / n;
        T[] scratch = ArrayPool<T>.Shared.Rent(rows + (log ? x.Length : 0));
        Span<T> sums = scratch.AsSpan(0, rows), e = log ? scratch.AsSpan(rows, x.Length) : y;
        TensorPrimitives.Exp(y, e);
        for (int r = 0; r < rows; r++) sums[r] = RowSum(e.Slice(r * n, n));
        if (log) TensorPrimitives.Log(sums, sums);
        for (int r = 0; r < rows; r++)
        {
            Span<T> yr = y.Slice(r * n, n);
            Apply(yr, yr, sums[r], divide: !log);
        }
        ArrayPool<T>.Shared.Return(scratch);
    }

    /// <summary>
    /// The first-order backward of Softmax (dx = y ⊙ (g − Σ g ⊙ y)) or LogSoftmax (dx = g − exp(y) ⊙ Σ g) over rows along
    /// the last dim, in one pass per row: the fused first-order form registered beside the composite rule (the engine
    /// uses it when the backward is not recorded). Null when the rows are not contiguous last-dim rows; then the
    /// composite serves.
    /// </summary>
    private static Tensor<T>? FusedRowBackward(Tensor<T> g, Tensor<T> output, int d, bool log)
    {
        if (d != output.Rank - 1 || !g.IsContiguous || !output.IsContiguous || !Shapes.Equal(g.Dims, output.Dims))
            return null;
        int n = output.Dims[^1], total = output.NumElements;
        var dx = Buffers.Rent<T>(total, clear: false);
        ReadOnlySpan<T> gs = g.Storage.AsSpan(g.Offset, total), ys = output.Storage.AsSpan(output.Offset, total);
        if (log) TensorPrimitives.Exp(ys, dx);
        for (int start = 0; n > 0 && start < total; start += n)
        {
            ReadOnlySpan<T> gr = gs.Slice(start, n), yr = ys.Slice(start, n);
            Span<T> dr = dx.AsSpan(start, n);
            if (log)
            {
                // dx = g − exp(y)·Σ g, with exp(y) already in dx.
                TensorPrimitives.MultiplyAdd(dr, -RowSum(gr), gr, dr);
            }
            else
            {
                // dx = y ⊙ (g − Σ g ⊙ y).
                T dot = n < ShortRow ? RowDot(gr, yr) : TensorPrimitives.Dot(gr, yr);
                TensorPrimitives.Subtract(gr, dot, dr);
                TensorPrimitives.Multiply(dr, yr, dr);
            }
        }
        return new Tensor<T>(dx, (int[])output.Dims.Clone());
    }

    private static T RowMax(ReadOnlySpan<T> r)
    {
        if (r.Length >= ShortRow) return TensorPrimitives.Max(r);
        T max = r[0];
        for (int i = 1; i < r.Length; i++)
        {
            T v = r[i];
            // NaN propagates, as TensorPrimitives.Max does.
            if (v > max || T.IsNaN(v)) max = v;
            if (T.IsNaN(max)) break;
        }
        return max;
    }

    /// <summary>dst = src − s, or src / s when <paramref name="divide"/>.</summary>
    private static void Apply(ReadOnlySpan<T> src, Span<T> dst, T s, bool divide)
    {
        if (src.Length >= ShortRow)
        {
            if (divide) TensorPrimitives.Divide(src, s, dst);
            else TensorPrimitives.Subtract(src, s, dst);
            return;
        }
        if (divide)
            for (int i = 0; i < src.Length; i++) dst[i] = src[i] / s;
        else
            for (int i = 0; i < src.Length; i++) dst[i] = src[i] - s;
    }

    private static T RowSum(ReadOnlySpan<T> r)
    {
        if (r.Length >= ShortRow) return TensorPrimitives.Sum(r);
        T sum = T.Zero;
        foreach (T v in r) sum += v;
        return sum;
    }

    private static T RowDot(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
    {
        T sum = T.Zero;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
