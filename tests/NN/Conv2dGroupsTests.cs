using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>
/// Grouped and depthwise convolution (PyTorch's <c>groups</c>), and convolution of views. Oracles: hand-computed 1×1 cases, PyTorch's weight shape
/// and initialisation bound, finite differences; the op's registry rows ("Conv2d(groups 2)", "Conv2d(depthwise…)") check
/// it against the loop reference in first and second order.
/// </summary>
public class Conv2dGroupsTests
{
    [Fact]
    public void DepthwiseOneByOneScalesEachChannel()
    {
        // groups = C = O = 3, 1×1 kernel: y[n, c] = w[c]·x[n, c] + b[c], each channel alone.
        var x = Tensor.FromArray([1.0, 2, 3, 4, 5, 6], [1, 3, 1, 2]);
        var w = Tensor.FromArray([10.0, 100, 1000], [3, 1, 1, 1]);
        var b = Tensor.FromArray([0.5, 0.25, 0.125], [3]);
        var y = x.Conv2d(w, b, (1, 1), (0, 0), (1, 1), groups: 3).ToArray();
        Assert.Equal([10.5, 20.5, 300.25, 400.25, 5000.125, 6000.125], y);
    }

    [Fact]
    public void TwoGroupsSeeOnlyTheirOwnChannels()
    {
        // C = 4, O = 2, groups 2, 1×1 kernel, one pixel: output 0 reads channels 0, 1 through w[0] = (1, 2); output 1
        // reads channels 2, 3 through w[1] = (3, 4). x = (1, 10, 100, 1000): y0 = 1 + 20 = 21, y1 = 300 + 4000 = 4300.
        var x = Tensor.FromArray([1.0, 10, 100, 1000], [1, 4, 1, 1]);
        var w = Tensor.FromArray([1.0, 2, 3, 4], [2, 2, 1, 1]);
        Assert.Equal([21.0, 4300], x.Conv2d(w, null, (1, 1), (0, 0), (1, 1), groups: 2).ToArray());
        // groups 1 is the ordinary convolution (weight [O, C, ·, ·]).
        Assert.Equal(x.Conv2d(Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8], [2, 4, 1, 1])).ToArray(),
            x.Conv2d(Tensor.FromArray([1.0, 2, 3, 4, 5, 6, 7, 8], [2, 4, 1, 1]), null, (1, 1), (0, 0), (1, 1), groups: 1).ToArray());
    }

    [Fact]
    public void LayerHasPyTorchsShapeAndInitialisation()
    {
        // PyTorch's Conv2d(6, 4, 3, groups=2): weight (4, 3, 3, 3), bias (4), both U(−1/√fanIn, 1/√fanIn) with
        // fanIn = (6/2)·3·3 = 27; depthwise Conv2d(3, 3, 3, groups=3): weight (3, 1, 3, 3).
        var conv = new Conv2d<double>(6, 4, 3, new Generator(5), groups: 2);
        Assert.Equal([4, 3, 3, 3], conv.Weight.Shape);
        double bound = 1 / Math.Sqrt(27);
        Assert.All(conv.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias!.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Equal(["weight", "bias"], conv.StateDict().Keys);
        Assert.Contains("groups=2", conv.ToString());
        Assert.Equal([3, 1, 3, 3], new Conv2d<double>(3, 3, 3, new Generator(5), groups: 3).Weight.Shape);
    }

    [Fact]
    public void LayerGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, for the input, weight and bias of a two-group layer.
        var conv = new Conv2d<double>(4, 2, 3, new Generator(6), padding: 1, groups: 2);
        var x = Tensor.Randn<double>([2, 4, 4, 3], new Generator(7), requiresGrad: true);
        GradCheck.Assert(_ => conv.Forward(x), [x, conv.Weight, conv.Bias!], name: "Conv2d groups=2");
    }

    [Fact]
    public void BadGroupsFailByName()
    {
        var x = Tensor.Randn<double>([1, 4, 3, 3], new Generator(8));
        var e1 = Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Randn<double>([3, 2, 1, 1], new Generator(9)), null, (1, 1), (0, 0), (1, 1), groups: 2));
        Assert.Contains("groups 2 must divide the input channels 4 and the output channels 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Randn<double>([2, 4, 1, 1], new Generator(9)), null, (1, 1), (0, 0), (1, 1), groups: 2));
        Assert.Contains("weight needs 2 input channels (C/groups), got 4", e2.Message);
        Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Randn<double>([2, 4, 1, 1], new Generator(9)), null, (1, 1), (0, 0), (1, 1), groups: 0));
        Assert.Throws<ArgumentException>(() => new Conv2d<double>(4, 3, 3, new Generator(10), groups: 2));
    }

    [Fact]
    public void ViewsOfTheInputAndWeightGetTheirGradients()
    {
        // A regression: the op recorded the contiguous copy it made of a view, so a transposed input or weight got no
        // gradient at all (zero, silently). Oracle: finite differences, first and second order, through the views.
        var x = Tensor.Randn<double>([1, 2, 4, 3], new Generator(11), requiresGrad: true);
        var w = Tensor.Randn<double>([3, 2, 2, 3], new Generator(12), requiresGrad: true);
        GradCheck.Assert(xs => xs[0].Transpose(2, 3).Conv2d(xs[1].Transpose(2, 3), null, 1, 1), [x, w], name: "Conv2d of views");
    }

    [Theory]
    [InlineData(1, 1, 90, 1)]
    [InlineData(2, 2, 37, 2)]
    public void DepthwiseKernelMatchesOneConvolutionPerChannel(int stride, int dilation, int size, int multiplier)
    {
        // Oracle: the same depthwise layer as one ordinary (im2col) convolution per output channel, joined, computed
        // independently of the direct kernel; forward and both gradients in double. Planes of 90 × 90 fill more than the
        // kernel's 32 KB batch, so three images go one at a time; 37 × 37 with stride 2 splits into four phases.
        var g = new Generator((ulong)(40 + size));
        var x = Tensor.Randn<double>([3, 2, size, size], g, requiresGrad: true);
        var w = Tensor.Randn<double>([2 * multiplier, 1, 3, 3], g, requiresGrad: true);
        var b = Tensor.Randn<double>([2 * multiplier], g, requiresGrad: true);
        var upstream = Tensor.Randn<double>([.. x.Conv2d(w, b, (stride, stride), (1, 1), (dilation, dilation), 2).Shape], g);
        var direct = x.Conv2d(w, b, (stride, stride), (1, 1), (dilation, dilation), 2);
        var directGrads = Tensor.Grad([direct], [x, w, b], [upstream]);
        var parts = Enumerable.Range(0, 2 * multiplier).Select(o => x.Narrow(1, o / multiplier, 1).Conv2d(w.Narrow(0, o, 1), b.Narrow(0, o, 1),
            (stride, stride), (1, 1), (dilation, dilation))).ToArray();
        var reference = Tensor.Concat(parts, 1);
        var referenceGrads = Tensor.Grad([reference], [x, w, b], [upstream]);
        Close(reference, direct);
        for (int i = 0; i < 3; i++) Close(referenceGrads[i], directGrads[i]);

        static void Close(Tensor<double> expected, Tensor<double> actual)
        {
            Assert.Equal(expected.Shape, actual.Shape);
            double[] e = expected.ToArray(), a = actual.ToArray();
            for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-10 * (1 + Math.Abs(e[i])), $"element {i}: {e[i]} vs {a[i]}");
        }
    }
}
