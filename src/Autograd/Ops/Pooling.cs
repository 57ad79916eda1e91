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
    private static readonly OpInfo MaxPool2dBackwardOp = new("MaxPool2dBackward", Saved.None, "∂(g scattered to the argmax positions)/∂g = the gradient gathered at the argmax positions");

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
        return Graph.Record(result, MaxPool2dOp, this, (grad, _, x) => [ScatterAddRuns(MaxPool2dBackwardOp, null, grad, argmax, 1, x[0].Dims, planes)]);
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
}
