using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Pooling. Max pooling is a gather at the argmax positions (its derivative scatters back, and the
// scatter's derivative gathers again); average pooling is linear, its derivative is its adjoint.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo MaxPool2dOp = new("MaxPool2d", Saved.None, "∂maxpool(x)/∂x = 1 at each window's argmax, 0 elsewhere");
    private static readonly OpInfo AvgPool2dOp = new("AvgPool2d", Saved.None, "∂avgpool(x)/∂x = 1/(kh·kw) for every element of each window");
    private static readonly OpInfo AvgPool2dBackwardOp = new("AvgPool2dBackward", Saved.None, "∂(avgpool adjoint)(g)/∂g = avgpool (a linear map's adjoint's adjoint)");
    private static readonly OpInfo TakeFlatOp = new("TakeFlat", Saved.None, "∂(x.flat[index])/∂x = scatter-add of g to index");
    private static readonly OpInfo ScatterFlatOp = new("ScatterFlat", Saved.None, "∂(scatter-add of x to index)/∂x = g.flat[index]");

    /// <summary>2-D max pooling of [N, C, H, W] over kernel×kernel windows (stride defaults to the kernel size).</summary>
    public Tensor<T> MaxPool2d(int kernel, int? stride = null, int padding = 0) =>
        MaxPool2d((kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    /// <summary>2-D max pooling with separate window, stride and padding per axis; y = max over each window (padding never wins).</summary>
    public Tensor<T> MaxPool2d((int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var g = PoolGeometry("MaxPool2d", kernel, stride, padding);
        var y = Buffers.Rent<T>(clear: false, length: g.OutputSize);
        var argmax = Buffers.Rent<int>(g.OutputSize, clear: false);
        Pooling.MaxPool2dForward<T>(src.Storage.AsMemory(src.Offset, g.InputSize), g, y, argmax);
        var result = new Tensor<T>(y, [g.Batch, g.Channels, g.OutH, g.OutW]);
        // Every argmax stays inside its own plane, so the scatter (and the gather of its derivative) run per plane.
        int planes = g.Batch * g.Channels;
        return Graph.Record(result, MaxPool2dOp, this, (grad, _, x) => [grad.ScatterFlat(argmax, x[0].Dims, planes)]);
    }

    /// <summary>2-D average pooling of [N, C, H, W]: the mean of each window, padding counted as zeros.</summary>
    public Tensor<T> AvgPool2d(int kernel, int? stride = null, int padding = 0) =>
        AvgPool2d((kernel, kernel), (stride ?? kernel, stride ?? kernel), (padding, padding));

    /// <summary>2-D average pooling with separate window, stride and padding per axis.</summary>
    public Tensor<T> AvgPool2d((int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        var g = PoolGeometry("AvgPool2d", kernel, stride, padding);
        return AvgPool(this, g);
    }

    private static Tensor<T> AvgPool(Tensor<T> x, Pool2dGeometry g)
    {
        var src = x.IsContiguous ? x : x.ContiguousCopy();
        var y = Buffers.Rent<T>(g.OutputSize);
        Pooling.AvgPool2dForward<T>(src.Storage.AsMemory(src.Offset, g.InputSize), g, y);
        var result = new Tensor<T>(y, [g.Batch, g.Channels, g.OutH, g.OutW]);
        return Graph.Record(result, AvgPool2dOp, x, (grad, _, _) => [AvgPoolAdjoint(grad, g)]);
    }

    private static Tensor<T> AvgPoolAdjoint(Tensor<T> grad, Pool2dGeometry g)
    {
        var src = grad.IsContiguous ? grad : grad.ContiguousCopy();
        var dx = Buffers.Rent<T>(g.InputSize);
        Pooling.AvgPool2dBackward<T>(src.Storage.AsMemory(src.Offset, g.OutputSize), g, dx);
        var result = new Tensor<T>(dx, [g.Batch, g.Channels, g.Height, g.Width]);
        return Graph.Record(result, AvgPool2dBackwardOp, grad, (u, _, _) => [AvgPool(u, g)]);
    }

    private Pool2dGeometry PoolGeometry(string op, (int H, int W) kernel, (int H, int W) stride, (int H, int W) padding)
    {
        if (Rank != 4) throw new ArgumentException($"{op}: input must be [N, C, H, W], got shape {Shapes.Format(Dims)}");
        if (padding.H * 2 > kernel.H || padding.W * 2 > kernel.W)
            throw new ArgumentException($"{op}: padding {padding} must be at most half the kernel {kernel}");
        var g = new Pool2dGeometry(Dims[0], Dims[1], Dims[2], Dims[3], kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W);
        try
        {
            _ = g.OutH + g.OutW;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{op}: input {Shapes.Format(Dims)} with kernel {kernel}, stride {stride}, padding {padding}: {e.Message}", e);
        }
        return g;
    }

    /// <summary>y[j] = x.flat[index[j]] (shape <paramref name="shape"/>); derivative: <see cref="ScatterFlat"/>.
    /// <paramref name="blocks"/> &gt; 1 promises that the j of block b (of index.Length / blocks each) read only the b-th
    /// block of x, which lets the adjoint scatter run blocks in parallel.</summary>
    internal Tensor<T> TakeFlat(int[] index, int[] shape, int blocks = 1)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        var y = Buffers.Rent<T>(clear: false, length: index.Length);
        T[] xs = src.Storage;
        int offset = src.Offset;
        Chunks.For(y.Length, Chunks.Grain, (s, e) =>
        {
            for (int j = s; j < e; j++) y[j] = xs[offset + index[j]];
        });
        var result = new Tensor<T>(y, shape);
        return Graph.Record(result, TakeFlatOp, this, (g, _, x) => [g.ScatterFlat(index, x[0].Dims, blocks)]);
    }

    /// <summary>Zeros of <paramref name="shape"/> with y.flat[index[j]] += x[j]; derivative: <see cref="TakeFlat"/>.
    /// With <paramref name="blocks"/> &gt; 1 (see <see cref="TakeFlat"/>) blocks are scattered in parallel: no two
    /// blocks write the same element, and within a block the order is the serial one, so results are deterministic.</summary>
    internal Tensor<T> ScatterFlat(int[] index, int[] shape, int blocks = 1)
    {
        var src = IsContiguous ? this : ContiguousCopy();
        int size = Shapes.Size(shape);
        T[] xs = src.Storage;
        int offset = src.Offset, per = blocks > 1 ? index.Length / blocks : index.Length, owned = blocks > 1 ? size / blocks : size;
        T[] y;
        if (blocks <= 1 || per * blocks != index.Length || owned * blocks != size)
        {
            y = Buffers.Rent<T>(size);
            for (int j = 0; j < index.Length; j++) y[index[j]] += xs[offset + j];
        }
        else
        {
            // Block b writes only the b-th block of y, so each block is zeroed by the thread that scatters into it.
            var dst = y = Buffers.Rent<T>(size, clear: false);
            Chunks.ForItems(blocks, 2L * per + owned, (b0, b1) =>
            {
                dst.AsSpan(b0 * owned, (b1 - b0) * owned).Clear();
                for (int j = b0 * per; j < b1 * per; j++) dst[index[j]] += xs[offset + j];
            });
        }
        var result = new Tensor<T>(y, (int[])shape.Clone());
        var ownShape = (int[])Dims.Clone();
        return Graph.Record(result, ScatterFlatOp, this, (g, _, _) => [g.TakeFlat(index, ownShape, blocks)]);
    }
}
