using System.Buffers;
using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

/// <summary>Stride, zero padding and dilation of a 2-D convolution, per axis.</summary>
internal readonly record struct ConvSpec(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    public Conv2dGeometry Geometry(int[] input, int[] weight) =>
        new(input[1], input[2], input[3], weight[2], weight[3], StrideH, StrideW, PadH, PadW, DilationH, DilationW);
}

// 2-D convolution as im2col + GEMM. Three primitives close under differentiation:
//   y  = Conv(x, w)            ∂x: ConvInputGrad(g, w)   ∂w: ConvWeightGrad(x, g)
//   dx = ConvInputGrad(g, w)   (adjoint of Conv in x)    ∂g: Conv(u, w)      ∂w: ConvWeightGrad(u, g)
//   dw = ConvWeightGrad(x, g)  (adjoint of Conv in w)    ∂x: ConvInputGrad(g, v)  ∂g: Conv(x, v)
// so gradients of gradients of convolutions need no further rules.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo Conv2dOp = new("Conv2d", Saved.Input0 | Saved.Input1,
        "∂conv(x, W)/∂x = conv_transpose(g, W)", "∂conv(x, W)/∂W = Σₙ gₙ · im2col(xₙ)ᵀ", "∂conv(x, W, b)/∂b = Σ_{n,h,w} g");
    private static readonly OpInfo Conv2dInputGradOp = new("Conv2dInputGrad", Saved.Input0 | Saved.Input1,
        "∂conv_transpose(u, W)/∂u = conv(·, W)", "∂conv_transpose(u, W)/∂W = weight gradient of conv with input g and upstream u");
    private static readonly OpInfo Conv2dWeightGradOp = new("Conv2dWeightGrad", Saved.Input0 | Saved.Input1,
        "∂(Σₙ uₙ·im2col(xₙ)ᵀ)/∂x = conv_transpose(u, g)", "∂(Σₙ uₙ·im2col(xₙ)ᵀ)/∂u = conv(x, g)");

    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch) of input [N, C, H, W] with weight [O, C, kh, kw] plus an
    /// optional bias [O]: y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q] · x[n, c, i·s − pad + p·d, j·s − pad + q·d].
    /// </summary>
    public Tensor<T> Conv2d(Tensor<T> weight, Tensor<T>? bias = null, int stride = 1, int padding = 0, int dilation = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation));

    /// <summary>2-D convolution with separate vertical and horizontal stride, padding and dilation.</summary>
    public Tensor<T> Conv2d(Tensor<T> weight, Tensor<T>? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation)
    {
        if (Rank != 4) throw new ArgumentException($"Conv2d: input must be [N, C, H, W], got shape {Shapes.Format(Dims)}");
        if (weight.Rank != 4) throw new ArgumentException($"Conv2d: weight must be [O, C, kh, kw], got shape {Shapes.Format(weight.Dims)}");
        if (weight.Dims[1] != Dims[1])
            throw new ArgumentException($"Conv2d: input has {Dims[1]} channels but weight expects {weight.Dims[1]} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != weight.Dims[0]))
            throw new ArgumentException($"Conv2d: bias must have shape [{weight.Dims[0]}], got {Shapes.Format(bias.Dims)}");
        var spec = new ConvSpec(stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        try
        {
            _ = spec.Geometry(Dims, weight.Dims).OutH;
            _ = spec.Geometry(Dims, weight.Dims).OutW;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Conv2d: input {Shapes.Format(Dims)} with kernel {weight.Dims[2]}×{weight.Dims[3]}, stride {stride}, padding {padding}, dilation {dilation}: {e.Message}", e);
        }
        return ConvForward(this, weight, spec, bias);
    }

    // The batch is laid out as one matrix: image n's columns are columns n·L .. n·L + L − 1 of
    // COLS [C·kh·kw, N·L] (L = outH·outW). The forward runs one W·COLSₙ per image and core into y directly; the input
    // gradient one dCOLSₙ = Wᵀ·Gₙ per image and core, folded back by col2im while it is in cache (small batches use one
    // wide product over G' [O, N·L], a block copy of the gradient); dW = G'·COLSᵀ is one large GEMM. Temporaries that
    // never escape come from the array pool; every step is deterministic, whatever the thread scheduling.
    // A bias is fused: each image's output rows start as b[o] and the product is added to them, so there is no
    // broadcast add pass; its gradient is the sum of G over the batch and spatial dims.
    private static Tensor<T> ConvForward(Tensor<T> x, Tensor<T> w, ConvSpec spec, Tensor<T>? bias = null)
    {
        x = x.IsContiguous ? x : x.ContiguousCopy();
        w = w.IsContiguous ? w : w.ContiguousCopy();
        var g = spec.Geometry(x.Dims, w.Dims);
        int n = x.Dims[0], o = w.Dims[0], rows = g.ColumnRows, width = checked(n * g.ColumnCols);
        bool record = Graph.ShouldRecord(x, w) || (bias is not null && Graph.ShouldRecord(bias));
        // The weight gradient reuses the columns, so they are kept (and not pooled) only when it will be asked for.
        bool keepColumns = record && w.RequiresGrad;
        int size = checked(rows * width);
        T[] columns = keepColumns ? Buffers.Rent<T>(clear: false, length: size) : ArrayPool<T>.Shared.Rent(size);
        // Y_n = W·COLS[:, n·L .. n·L + L) written straight into y [N, O, L]: one product per image and core with
        // the shared W beat one wide product followed by a permuting copy (measured: 9 vs 11 ms, 0.8 vs 1.7 ms; and
        // 4.5 vs 4.8 + 0.2 ms for conv 32→64 on 14×14, batch 64, after the packing changes).
        int l = g.ColumnCols, image = g.ImageSize;
        var y = Buffers.Rent<T>(clear: false, length: o * width);
        T[]? b = bias is null ? null : bias.ToArray();
        if (n >= 2 * Workers.Threads)
        {
            // Each image's columns are multiplied right after they are laid out, while they are still in the core's
            // cache, instead of after the whole batch's columns went through memory (conv 32→64 on 14×14, batch 64:
            // the product ran at ~85–100 GFLOP/s from memory).
            T[] xs = x.Storage, ws = w.Storage;
            int xo = x.Offset, wo = w.Offset;
            Workers.For(n, i =>
            {
                Convolution.Im2Col<T>(xs.AsSpan(xo + i * image, image), g, columns.AsSpan(i * l), width);
                if (b is not null) FillBias(y, i, b, l);
                Gemm.MultiplyOnThisThread(ws, wo, rows, false, columns, i * l, width, false, y, i * o * l, l, o, l, rows, accumulate: b is not null);
            });
        }
        else
        {
            Im2ColBatch(x, g, columns);
            if (b is not null)
                for (int i = 0; i < n; i++) FillBias(y, i, b, l);
            Gemm.MultiplyBatched(n, w.Storage, w.Offset, 0, rows, false, columns, 0, l, width, false,
                y, 0, o * l, l, o, l, rows, accumulate: b is not null);
        }
        if (!keepColumns) ArrayPool<T>.Shared.Return(columns);
        var result = new Tensor<T>(y, [n, o, g.OutH, g.OutW]);
        if (!record) return result;
        T[]? saved = keepColumns ? columns : null;
        Tensor<T>[] recorded = bias is null ? [x, w] : [x, w, bias];
        return Graph.Record(result, Conv2dOp, recorded, (grad, _, inputs) => ConvGrads(grad, inputs, spec, saved, fusedBias: false),
            fused: (grad, _, inputs) => ConvGrads(grad, inputs, spec, saved, fusedBias: true));
    }

    /// <summary>
    /// The gradients of a convolution. With <paramref name="fusedBias"/> (the fused first-order form, registered beside
    /// the composite one), the bias gradient is summed by the weight-gradient pass, which reads the upstream gradient
    /// anyway, in the same order as Sum([0, 2, 3]); otherwise it is that differentiable sum.
    /// </summary>
    private static Tensor<T>?[] ConvGrads(Tensor<T> grad, Tensor<T>[] inputs, ConvSpec spec, T[]? saved, bool fusedBias)
    {
        var grads = new Tensor<T>?[inputs.Length];
        bool biasGrad = inputs.Length == 3 && inputs[2].RequiresGrad;
        if (inputs[0].RequiresGrad) grads[0] = ConvInputGrad(grad, inputs[1], spec, inputs[0].Dims);
        T[]? biasSums = fusedBias && biasGrad && inputs[1].RequiresGrad ? new T[inputs[1].Dims[0]] : null;
        if (inputs[1].RequiresGrad) grads[1] = ConvWeightGrad(inputs[0], grad, spec, inputs[1].Dims, saved, biasSums);
        if (biasGrad) grads[2] = biasSums is not null ? Tensor.FromArray(biasSums) : grad.Sum([0, 2, 3]);
        return grads;
    }

    /// <summary>Rows o of image i of y [N, O, L] set to b[o].</summary>
    private static void FillBias(T[] y, int i, T[] b, int l)
    {
        int o = b.Length;
        for (int q = 0; q < o; q++) y.AsSpan((i * o + q) * l, l).Fill(b[q]);
    }

    /// <summary>dx = col2im(Wᵀ·G'): the adjoint of <see cref="ConvForward"/> in x.</summary>
    private static Tensor<T> ConvInputGrad(Tensor<T> grad, Tensor<T> w, ConvSpec spec, int[] inputShape)
    {
        grad = grad.IsContiguous ? grad : grad.ContiguousCopy();
        w = w.IsContiguous ? w : w.ContiguousCopy();
        var g = spec.Geometry(inputShape, w.Dims);
        int n = inputShape[0], o = w.Dims[0], rows = g.ColumnRows, l = g.ColumnCols, width = checked(n * l), image = g.ImageSize;
        T[] dx;
        if (width == 0)
        {
            // No images: the gradient is as empty as the input.
            dx = Buffers.Rent<T>(Shapes.Size(inputShape));
        }
        else if (n >= 2 * Workers.Threads)
        {
            // One image per core: dCOLS_n = Wᵀ·G_n reads G_n = grad[n] in place and lands in a per-image buffer that
            // col2im then reads from the core's cache, instead of the whole batch's columns going through memory.
            dx = Buffers.Rent<T>(Shapes.Size(inputShape), clear: false);
            T[] ws = w.Storage, gs = grad.Storage;
            int wo = w.Offset, go = grad.Offset;
            Workers.For(n, i =>
            {
                T[] columns = ArrayPool<T>.Shared.Rent(rows * l);
                Gemm.MultiplyOnThisThread(ws, wo, rows, true, gs, go + i * o * l, l, false, columns, 0, l, rows, l, o, accumulate: false);
                Span<T> dxi = dx.AsSpan(i * image, image);
                dxi.Clear();
                Convolution.Col2Im<T>(columns, g, dxi, l);
                ArrayPool<T>.Shared.Return(columns);
            });
        }
        else
        {
            T[] gradRows = ArrayPool<T>.Shared.Rent(checked(o * width));
            Convolution.BatchToRows(grad.Storage, grad.Offset, gradRows, n, o, l);
            T[] columns = ArrayPool<T>.Shared.Rent(checked(rows * width));
            Gemm.Multiply(w.Storage, w.Offset, rows, true, gradRows, 0, width, false, columns, 0, width, rows, width, o, accumulate: false);
            ArrayPool<T>.Shared.Return(gradRows);
            dx = Buffers.Rent<T>(Shapes.Size(inputShape));
            T[] cols = columns;
            Workers.For(n, i => Convolution.Col2Im<T>(cols.AsSpan(i * l), g, dx.AsSpan(i * image, image), width));
            ArrayPool<T>.Shared.Return(columns);
        }
        var result = new Tensor<T>(dx, (int[])inputShape.Clone());
        if (!Graph.ShouldRecord(grad, w)) return result;
        return Graph.Record(result, Conv2dInputGradOp, grad, w, (u, _, inputs) =>
        [
            inputs[0].RequiresGrad ? ConvForward(u, inputs[1], spec) : null,
            inputs[1].RequiresGrad ? ConvWeightGrad(u, inputs[0], spec, inputs[1].Dims, null) : null,
        ]);
    }

    /// <summary>Weight columns (C·kh·kw) below which the weight gradient is computed transposed: the width of a float
    /// register tile on AVX2 (16).</summary>
    private const int FewWeightColumns = 16;

    /// <summary>
    /// dW = G'·COLSᵀ: the adjoint of <see cref="ConvForward"/> in w. Reuses the forward's columns when given. With
    /// <paramref name="biasSums"/> (one per output channel), also writes Σ_{n,i,j} G[n, o, i, j] there, summed as
    /// <c>grad.Sum([0, 2, 3])</c> sums it (each image's run, then the images in order), so the values are the same.
    /// </summary>
    private static Tensor<T> ConvWeightGrad(Tensor<T> x, Tensor<T> grad, ConvSpec spec, int[] weightShape, T[]? columns, T[]? biasSums = null)
    {
        x = x.IsContiguous ? x : x.ContiguousCopy();
        grad = grad.IsContiguous ? grad : grad.ContiguousCopy();
        var g = spec.Geometry(x.Dims, weightShape);
        int n = x.Dims[0], o = weightShape[0], rows = g.ColumnRows, l = g.ColumnCols, width = checked(n * l);
        T[]? rented = null;
        if (columns is null)
        {
            columns = rented = ArrayPool<T>.Shared.Rent(checked(rows * width));
            Im2ColBatch(x, g, columns);
        }
        T[] gradRows = ArrayPool<T>.Shared.Rent(checked(o * width));
        T[]? runSums = biasSums is null ? null : ArrayPool<T>.Shared.Rent(n * o);
        Convolution.BatchToRows(grad.Storage, grad.Offset, gradRows, n, o, l, runSums);
        if (runSums is not null)
        {
            for (int q = 0; q < o; q++)
            {
                T sum = n > 0 ? runSums[q] : T.Zero;
                for (int b = 1; b < n; b++) sum += runSums[b * o + q];
                biasSums![q] = sum;
            }
            ArrayPool<T>.Shared.Return(runSums);
        }
        var dw = Buffers.Rent<T>(clear: false, length: o * rows);
        if (width == 0)
        {
            // No images (or an empty output): dW is an empty sum.
            Array.Clear(dw);
        }
        else if (rows < FewWeightColumns && o > rows)
        {
            // Fewer weight columns (C·kh·kw, e.g. 9 for a first 3×3 layer on one channel) than a register tile is wide:
            // dWᵀ = COLS·G'ᵀ fills whole tiles and splits over threads without packing B twice. Each element is the same
            // chain of products over the batch either way, so the transpose copied back is bit-identical.
            T[] transposed = ArrayPool<T>.Shared.Rent(rows * o);
            Gemm.Multiply(columns, 0, width, false, gradRows, 0, width, true, transposed, 0, o, rows, o, width, accumulate: false);
            for (int q = 0; q < o; q++)
                for (int r = 0; r < rows; r++) dw[q * rows + r] = transposed[r * o + q];
            ArrayPool<T>.Shared.Return(transposed);
        }
        else
        {
            Gemm.Multiply(gradRows, 0, width, false, columns, 0, width, true, dw, 0, rows, o, rows, width, accumulate: false);
        }
        ArrayPool<T>.Shared.Return(gradRows);
        if (rented is not null) ArrayPool<T>.Shared.Return(rented);
        var result = new Tensor<T>(dw, (int[])weightShape.Clone());
        if (!Graph.ShouldRecord(x, grad)) return result;
        return Graph.Record(result, Conv2dWeightGradOp, x, grad, (v, _, inputs) =>
        [
            inputs[0].RequiresGrad ? ConvInputGrad(inputs[1], v, spec, inputs[0].Dims) : null,
            inputs[1].RequiresGrad ? ConvForward(inputs[0], v, spec) : null,
        ]);
    }

    /// <summary>Im2col of every image into one matrix [C·kh·kw, N·L]: image i fills columns i·L .. i·L + L − 1.</summary>
    private static void Im2ColBatch(Tensor<T> x, Conv2dGeometry g, T[] columns)
    {
        int n = x.Dims[0], l = g.ColumnCols, image = g.ImageSize, width = n * l;
        Workers.For(n, i => Convolution.Im2Col<T>(x.Storage.AsSpan(x.Offset + i * image, image), g, columns.AsSpan(i * l), width));
    }
}
