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
    private static readonly OpInfo ConvTranspose2dOp = new("ConvTranspose2d", Saved.Input0 | Saved.Input1,
        "∂conv_transpose(x, w)/∂x = conv(g, w)", "∂conv_transpose(x, w)/∂w = Σₙ xₙ·im2col(gₙ)ᵀ");
    private static readonly OpInfo Conv2dWeightGradOp = new("Conv2dWeightGrad", Saved.Input0 | Saved.Input1,
        "∂(Σₙ uₙ·im2col(xₙ)ᵀ)/∂x = conv_transpose(u, g)", "∂(Σₙ uₙ·im2col(xₙ)ᵀ)/∂u = conv(x, g)");
    private static readonly OpInfo DepthwiseOp = new("DepthwiseConv2d", Saved.Input0 | Saved.Input1,
        "∂dwconv(x, W)/∂x = dwconv_transpose(g, W)", "∂dwconv(x, W)/∂W[o, p, q] = Σ_{n,i,j} g[n, o, i, j]·x[n, o/m, i·s − pad + p·d, j·s − pad + q·d]",
        "∂dwconv(x, W, b)/∂b = Σ_{n,h,w} g");
    private static readonly OpInfo DepthwiseInputGradOp = new("DepthwiseConv2dInputGrad", Saved.Input0 | Saved.Input1,
        "∂dwconv_transpose(u, W)/∂u = dwconv(·, W)", "∂dwconv_transpose(u, W)/∂W = weight gradient of dwconv with input g and upstream u");
    private static readonly OpInfo DepthwiseWeightGradOp = new("DepthwiseConv2dWeightGrad", Saved.Input0 | Saved.Input1,
        "∂dwconv_weight_grad(x, u)/∂x = dwconv_transpose(u, g)", "∂dwconv_weight_grad(x, u)/∂u = dwconv(x, g)");

    /// <summary>
    /// 2-D convolution (cross-correlation, as in PyTorch) of input [N, C, H, W] with weight [O, C, kh, kw] plus an
    /// optional bias [O]: y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q] · x[n, c, i·s − pad + p·d, j·s − pad + q·d].
    /// </summary>
    public Tensor<T> Conv2d(Tensor<T> weight, Tensor<T>? bias = null, int stride = 1, int padding = 0, int dilation = 1) =>
        Conv2d(weight, bias, (stride, stride), (padding, padding), (dilation, dilation));

    /// <summary>
    /// Grouped 2-D convolution (PyTorch's <c>groups</c>): the C input channels and O output channels are split into
    /// <paramref name="groups"/> equal parts and part k of the output sees only part k of the input, with weight
    /// [O, C/groups, kh, kw]: y[n, o, i, j] = b[o] + Σ_{c,p,q} w[o, c, p, q] · x[n, k·C/groups + c, i·s − pad + p·d, …]
    /// for o in part k. groups = C is a depthwise convolution (O = m·C for a channel multiplier m): it runs by direct loops
    /// (<see cref="Depthwise"/>, with its two adjoints as its derivatives, closed like Conv2d's). Otherwise each part is
    /// one convolution over its channels, the parts joined along the channels; the derivatives are those of the parts (so
    /// second order works as for Conv2d).
    /// </summary>
    /// <exception cref="ArgumentException">groups is below 1 or does not divide the input or output channels, or the
    /// weight's channels are not C/groups.</exception>
    public Tensor<T> Conv2d(Tensor<T> weight, Tensor<T>? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (groups == 1) return Conv2d(weight, bias, stride, padding, dilation);
        if (groups < 1) throw new ArgumentException($"Conv2d: groups must be at least 1, got {groups}");
        if (Rank != 4) throw new ArgumentException($"Conv2d: input must be [N, C, H, W], got shape {Shapes.Format(Dims)}");
        if (weight.Rank != 4) throw new ArgumentException($"Conv2d: weight must be [O, C/groups, kh, kw], got shape {Shapes.Format(weight.Dims)}");
        int channels = Dims[1], outChannels = weight.Dims[0];
        if (channels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d: groups {groups} must divide the input channels {channels} and the output channels {outChannels} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        int inPart = channels / groups, outPart = outChannels / groups;
        if (weight.Dims[1] != inPart)
            throw new ArgumentException($"Conv2d: with {groups} groups the weight needs {inPart} input channels (C/groups), got {weight.Dims[1]} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != outChannels))
            throw new ArgumentException($"Conv2d: bias must have shape [{outChannels}], got {Shapes.Format(bias.Dims)}");
        var spec = new ConvSpec(stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        // Depthwise (one input channel per group): direct loops, with no column matrix and no product per channel.
        if (inPart == 1)
        {
            CheckGeometry(spec, Dims, weight.Dims, stride, padding, dilation);
            return DepthwiseForward(this, weight, spec, bias);
        }
        var parts = new Tensor<T>[groups];
        for (int k = 0; k < groups; k++)
            parts[k] = Narrow(1, k * inPart, inPart).Conv2d(weight.Narrow(0, k * outPart, outPart),
                bias?.Narrow(0, k * outPart, outPart), stride, padding, dilation);
        return Tensor.Concat(parts, 1);
    }

    /// <summary>
    /// 2-D transposed convolution (PyTorch's <c>conv_transpose2d</c>, the adjoint of <see cref="Conv2d(Tensor{T}, Tensor{T}?, int, int, int)"/>
    /// in its input) of x [N, C, H, W] with weight [C, O, kh, kw] plus an optional bias [O]: every input pixel scatters
    /// x[n, c, h, v]·w[c, o, p, q] into y[n, o, h·s − pad + p·d, v·s − pad + q·d]. Output size per axis:
    /// (H − 1)·s − 2·pad + d·(k − 1) + outputPadding + 1, where outputPadding (below the stride) picks
    /// among the sizes a strided convolution maps to the same H. ∂/∂x = conv(g, w), ∂/∂w = Σₙ xₙ·im2col(gₙ)ᵀ.
    /// </summary>
    /// <exception cref="ArgumentException">Bad ranks, channels, bias shape, output padding, or an empty output.</exception>
    public Tensor<T> ConvTranspose2d(Tensor<T> weight, Tensor<T>? bias, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, (int H, int W) dilation)
    {
        ArgumentNullException.ThrowIfNull(weight);
        const string op = "ConvTranspose2d";
        if (Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got shape {Shapes.Format(Dims)}");
        if (weight.Rank != 4) throw new ArgumentException($"{op}: weight must be [C, O, kh, kw], got shape {Shapes.Format(weight.Dims)}");
        if (weight.Dims[0] != Dims[1])
            throw new ArgumentException($"{op}: input has {Dims[1]} channels but weight expects {weight.Dims[0]} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != weight.Dims[1]))
            throw new ArgumentException($"{op}: bias must have shape [{weight.Dims[1]}], got {Shapes.Format(bias.Dims)}");
        if (stride.H < 1 || stride.W < 1 || dilation.H < 1 || dilation.W < 1 || padding.H < 0 || padding.W < 0)
            throw new ArgumentException($"{op}: stride and dilation must be at least 1 and padding at least 0, got stride {stride}, padding {padding}, dilation {dilation}");
        // PyTorch also takes an output padding below the dilation alone; as the adjoint of a convolution it must be below the stride.
        if (outputPadding.H < 0 || outputPadding.W < 0 || outputPadding.H >= stride.H || outputPadding.W >= stride.W)
            throw new ArgumentException($"{op}: output padding {outputPadding} must be at least 0 and smaller than the stride {stride}");
        int outH = (Dims[2] - 1) * stride.H - 2 * padding.H + dilation.H * (weight.Dims[2] - 1) + outputPadding.H + 1;
        int outW = (Dims[3] - 1) * stride.W - 2 * padding.W + dilation.W * (weight.Dims[3] - 1) + outputPadding.W + 1;
        if (outH <= 0 || outW <= 0)
            throw new ArgumentException($"{op}: input {Shapes.Format(Dims)} with kernel {weight.Dims[2]}×{weight.Dims[3]}, stride {stride}, padding {padding}, dilation {dilation} gives an empty output ({outH}×{outW})");
        // The adjoint of a convolution whose input is [N, O, outH, outW]: that convolution maps outH back to H.
        var spec = new ConvSpec(stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W);
        var y = ConvInputGrad(this, weight, spec, [Dims[0], weight.Dims[1], outH, outW], ConvTranspose2dOp);
        return bias is null ? y : y + bias.Reshape(1, bias.Dims[0], 1, 1);
    }

    /// <summary>
    /// Grouped 2-D transposed convolution (PyTorch's <c>conv_transpose2d</c> with <c>groups</c>): the C input channels
    /// and O output channels are split into <paramref name="groups"/> equal parts, part k of the input scattering only into
    /// part k of the output, with weight [C, O/groups, kh, kw] (PyTorch's layout): y[n, k·O/groups + o, …] receives
    /// x[n, c, h, v]·w[c, o, p, q] for the input channels c of part k. It is the adjoint in its input of the grouped
    /// <see cref="Conv2d(Tensor{T}, Tensor{T}?, ValueTuple{int, int}, ValueTuple{int, int}, ValueTuple{int, int}, int)"/>
    /// with the same weight. Each part is one transposed convolution over its channels, the parts joined along the
    /// channels, so the derivatives (first and second order) are those of the parts.
    /// </summary>
    /// <exception cref="ArgumentException">groups is below 1 or does not divide the input channels, or the weight's
    /// first dim is not the input channels; and the errors of the ungrouped form.</exception>
    public Tensor<T> ConvTranspose2d(Tensor<T> weight, Tensor<T>? bias, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) outputPadding, (int H, int W) dilation, int groups)
    {
        ArgumentNullException.ThrowIfNull(weight);
        const string op = "ConvTranspose2d";
        if (groups == 1) return ConvTranspose2d(weight, bias, stride, padding, outputPadding, dilation);
        if (groups < 1) throw new ArgumentException($"{op}: groups must be at least 1, got {groups}");
        if (Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got shape {Shapes.Format(Dims)}");
        if (weight.Rank != 4) throw new ArgumentException($"{op}: weight must be [C, O/groups, kh, kw], got shape {Shapes.Format(weight.Dims)}");
        int channels = Dims[1];
        if (channels % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide the input channels {channels} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        if (weight.Dims[0] != channels)
            throw new ArgumentException($"{op}: input has {channels} channels but weight expects {weight.Dims[0]} (input shape {Shapes.Format(Dims)}, weight shape {Shapes.Format(weight.Dims)})");
        int inPart = channels / groups, outPart = weight.Dims[1], outChannels = groups * outPart;
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != outChannels))
            throw new ArgumentException($"{op}: bias must have shape [{outChannels}] (groups·O/groups), got {Shapes.Format(bias.Dims)}");
        var parts = new Tensor<T>[groups];
        for (int k = 0; k < groups; k++)
            parts[k] = Narrow(1, k * inPart, inPart).ConvTranspose2d(weight.Narrow(0, k * inPart, inPart),
                bias?.Narrow(0, k * outPart, outPart), stride, padding, outputPadding, dilation);
        return Tensor.Concat(parts, 1);
    }

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
        CheckGeometry(spec, Dims, weight.Dims, stride, padding, dilation);
        return ConvForward(this, weight, spec, bias);
    }

    /// <summary>Throws, naming the op and its arguments, when the convolution's output would be empty or a parameter is out of range.</summary>
    private static void CheckGeometry(ConvSpec spec, int[] input, int[] weight, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation)
    {
        try
        {
            _ = spec.Geometry(input, weight).OutH;
            _ = spec.Geometry(input, weight).OutW;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Conv2d: input {Shapes.Format(input)} with kernel {weight[2]}×{weight[3]}, stride {stride}, padding {padding}, dilation {dilation}: {e.Message}", e);
        }
    }

    /// <summary>The depthwise convolution of x [N, C, H, W] with w [m·C, 1, kh, kw] (see <see cref="Depthwise"/>), plus an
    /// optional bias; its derivatives are <see cref="DepthwiseInputGrad"/> and <see cref="DepthwiseWeightGrad"/>.</summary>
    private static Tensor<T> DepthwiseForward(Tensor<T> x, Tensor<T> w, ConvSpec spec, Tensor<T>? bias)
    {
        var (xc, wc) = (Dense(x), Dense(w));
        var g = spec.Geometry(x.Dims, w.Dims);
        int n = x.Dims[0], o = w.Dims[0];
        var y = Buffers.Rent<T>(clear: false, length: checked(n * o * g.OutH * g.OutW));
        Depthwise.Forward(xc.Storage, xc.Offset, wc.Storage, wc.Offset, bias?.ToArray(), g, n, o, y);
        var result = new Tensor<T>(y, [n, o, g.OutH, g.OutW]);
        if (!Graph.ShouldRecord(x, w) && (bias is null || !Graph.ShouldRecord(bias))) return result;
        Tensor<T>[] recorded = bias is null ? [x, w] : [x, w, bias];
        return Graph.Record(result, DepthwiseOp, recorded, (grad, _, inputs) =>
        [
            inputs[0].RequiresGrad ? DepthwiseInputGrad(grad, inputs[1], spec, inputs[0].Dims) : null,
            inputs[1].RequiresGrad ? DepthwiseWeightGrad(inputs[0], grad, spec, inputs[1].Dims) : null,
            .. inputs.Length == 3 ? [inputs[2].RequiresGrad ? grad.Sum([0, 2, 3]) : null] : Array.Empty<Tensor<T>?>(),
        ]);
    }

    /// <summary>dx = the adjoint of <see cref="DepthwiseForward"/> in x, applied to u.</summary>
    private static Tensor<T> DepthwiseInputGrad(Tensor<T> u, Tensor<T> w, ConvSpec spec, int[] inputShape)
    {
        var (uc, wc) = (Dense(u), Dense(w));
        var g = spec.Geometry(inputShape, w.Dims);
        var dx = Buffers.Rent<T>(Shapes.Size(inputShape), clear: false);
        Depthwise.InputGrad(uc.Storage, uc.Offset, wc.Storage, wc.Offset, g, inputShape[0], w.Dims[0], dx);
        var result = new Tensor<T>(dx, (int[])inputShape.Clone());
        if (!Graph.ShouldRecord(u, w)) return result;
        return Graph.Record(result, DepthwiseInputGradOp, u, w, (v, _, inputs) =>
        [
            inputs[0].RequiresGrad ? DepthwiseForward(v, inputs[1], spec, null) : null,
            inputs[1].RequiresGrad ? DepthwiseWeightGrad(v, inputs[0], spec, inputs[1].Dims) : null,
        ]);
    }

    /// <summary>dw = the adjoint of <see cref="DepthwiseForward"/> in w, for input x and upstream u.</summary>
    private static Tensor<T> DepthwiseWeightGrad(Tensor<T> x, Tensor<T> u, ConvSpec spec, int[] weightShape)
    {
        var (xc, uc) = (Dense(x), Dense(u));
        var g = spec.Geometry(x.Dims, weightShape);
        var dw = Buffers.Rent<T>(clear: false, length: Shapes.Size(weightShape));
        Depthwise.WeightGrad(xc.Storage, xc.Offset, uc.Storage, uc.Offset, g, x.Dims[0], weightShape[0], dw);
        var result = new Tensor<T>(dw, (int[])weightShape.Clone());
        if (!Graph.ShouldRecord(x, u)) return result;
        return Graph.Record(result, DepthwiseWeightGradOp, x, u, (v, _, inputs) =>
        [
            inputs[0].RequiresGrad ? DepthwiseInputGrad(inputs[1], v, spec, inputs[0].Dims) : null,
            inputs[1].RequiresGrad ? DepthwiseForward(inputs[0], v, spec, null) : null,
        ]);
    }

    // Convolution as im2col + GEMM (Kernels.Conv2dKernel holds the scheduling). The weight gradient reuses the forward's
    // columns, so they are kept (in a pooled tensor buffer) only when it will be asked for.
    private static Tensor<T> ConvForward(Tensor<T> x, Tensor<T> w, ConvSpec spec, Tensor<T>? bias = null)
    {
        // The kernel reads contiguous copies of views; the node records the operands themselves, so that a view's
        // gradient reaches the tensor it views (recording the copy lost it).
        var (xc, wc) = (Dense(x), Dense(w));
        var g = spec.Geometry(x.Dims, w.Dims);
        int n = x.Dims[0], o = w.Dims[0];
        bool record = Graph.ShouldRecord(x, w) || (bias is not null && Graph.ShouldRecord(bias));
        T[]? saved = record && w.RequiresGrad ? Buffers.Rent<T>(clear: false, length: checked(g.ColumnRows * n * g.ColumnCols)) : null;
        var y = Buffers.Rent<T>(clear: false, length: checked(o * n * g.ColumnCols));
        Conv2dKernel.Forward(xc.Storage, xc.Offset, wc.Storage, wc.Offset, bias?.ToArray(), g, n, o, y, saved);
        var result = new Tensor<T>(y, [n, o, g.OutH, g.OutW]);
        if (!record) return result;
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

    /// <summary>The operand itself when contiguous, else an unrecorded contiguous copy for a kernel to read.</summary>
    private static Tensor<T> Dense(Tensor<T> t) => t.IsContiguous ? t : t.ContiguousCopy();

    /// <summary>dx = col2im(Wᵀ·G'): the adjoint of <see cref="ConvForward"/> in x.</summary>
    private static Tensor<T> ConvInputGrad(Tensor<T> grad, Tensor<T> w, ConvSpec spec, int[] inputShape, OpInfo? info = null)
    {
        var (gc, wc) = (Dense(grad), Dense(w));
        var g = spec.Geometry(inputShape, w.Dims);
        var dx = Buffers.Rent<T>(Shapes.Size(inputShape), clear: false);
        Conv2dKernel.InputGrad(gc.Storage, gc.Offset, wc.Storage, wc.Offset, g, inputShape[0], w.Dims[0], dx);
        var result = new Tensor<T>(dx, (int[])inputShape.Clone());
        if (!Graph.ShouldRecord(grad, w)) return result;
        return Graph.Record(result, info ?? Conv2dInputGradOp, grad, w, (u, _, inputs) =>
        [
            inputs[0].RequiresGrad ? ConvForward(u, inputs[1], spec) : null,
            inputs[1].RequiresGrad ? ConvWeightGrad(u, inputs[0], spec, inputs[1].Dims, null) : null,
        ]);
    }

    /// <summary>
    /// dW = G'·COLSᵀ: the adjoint of <see cref="ConvForward"/> in w. Reuses the forward's columns when given. With
    /// <paramref name="biasSums"/> (one per output channel), also writes Σ_{n,i,j} G[n, o, i, j] there, summed as
    /// <c>grad.Sum([0, 2, 3])</c> sums it (each image's run, then the images in order), so the values are the same.
    /// </summary>
    private static Tensor<T> ConvWeightGrad(Tensor<T> x, Tensor<T> grad, ConvSpec spec, int[] weightShape, T[]? columns, T[]? biasSums = null)
    {
        var (xc, gc) = (Dense(x), Dense(grad));
        var g = spec.Geometry(x.Dims, weightShape);
        var dw = Buffers.Rent<T>(clear: false, length: weightShape[0] * g.ColumnRows);
        Conv2dKernel.WeightGrad(xc.Storage, xc.Offset, gc.Storage, gc.Offset, g, x.Dims[0], weightShape[0], columns, dw, biasSums);
        var result = new Tensor<T>(dw, (int[])weightShape.Clone());
        if (!Graph.ShouldRecord(x, grad)) return result;
        return Graph.Record(result, Conv2dWeightGradOp, x, grad, (v, _, inputs) =>
        [
            inputs[0].RequiresGrad ? ConvInputGrad(inputs[1], v, spec, inputs[0].Dims) : null,
            inputs[1].RequiresGrad ? ConvForward(inputs[0], v, spec) : null,
        ]);
    }
}
