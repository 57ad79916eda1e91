using System.Numerics;
using System.Numerics.Tensors;
using Autograd.Engine;

namespace Autograd;

// Softmax and log-softmax: fused, max-shifted forward kernels (stable for logits of any size)
// with derivatives written in differentiable ops, so second order works.
public sealed partial class Tensor<T>
{
    /// <summary>Softmax along <paramref name="dim"/>: exp(xᵢ − m) / Σⱼ exp(xⱼ − m), m the max. ∂: y ⊙ (g − Σ g ⊙ y).</summary>
    public Tensor<T> Softmax(int dim)
    {
        int d = Shapes.NormalizeDim("Softmax", dim, Rank);
        var y = RowWise(d, log: false);
        return Graph.Record(y, "Softmax", this, (g, output, _) => [output * (g - (g * output).Sum(d, keepDim: true))]);
    }

    /// <summary>Log-softmax along <paramref name="dim"/>: xᵢ − m − log Σⱼ exp(xⱼ − m). ∂: g − exp(y) ⊙ Σ g.</summary>
    public Tensor<T> LogSoftmax(int dim)
    {
        int d = Shapes.NormalizeDim("LogSoftmax", dim, Rank);
        var y = RowWise(d, log: true);
        return Graph.Record(y, "LogSoftmax", this, (g, output, _) => [g - output.Exp() * g.Sum(d, keepDim: true)]);
    }

    /// <summary>Runs the softmax kernel on rows along dim d (moving d last if needed).</summary>
    private Tensor<T> RowWise(int d, bool log)
    {
        Tensor<T> source;
        using (Tensor.NoGrad()) source = d == Rank - 1 ? Contiguous() : Transpose(d, -1).Contiguous();
        int n = source.Dims[^1];
        var data = Buffers.Rent<T>(source.NumElements);
        var input = source.Storage.AsSpan(source.Offset, data.Length);
        for (int start = 0; n > 0 && start < data.Length; start += n)
            SoftmaxRow(input.Slice(start, n), data.AsSpan(start, n), log);
        var result = new Tensor<T>(data, (int[])source.Dims.Clone());
        if (d == Rank - 1) return result;
        using (Tensor.NoGrad()) return result.Transpose(d, -1).Contiguous();
    }

    private static void SoftmaxRow(ReadOnlySpan<T> x, Span<T> y, bool log)
    {
        T max = TensorPrimitives.Max(x);
        if (T.IsInfinity(max)) max = T.Zero;
        TensorPrimitives.Subtract(x, max, y);
        if (log)
        {
            // y = x − m − log Σ exp(x − m), computed from the shifted values without a second buffer.
            T sum = T.Zero;
            foreach (T v in y) sum += T.Exp(v);
            TensorPrimitives.Subtract(y, T.Log(sum), y);
        }
        else
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
        }
    }
}
