using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>
/// Transposed convolution. Oracles: hand-computed scatters, the adjoint identity ⟨conv(u, w), v⟩ = ⟨u, conv_transpose(v, w)⟩,
/// PyTorch's output-size formula, weight layout and initialisation bound, finite differences; the registry rows check the
/// op against the loop reference in first and second order.
/// </summary>
public class ConvTranspose2dTests
{
    [Fact]
    public void StrideTwoScattersEachPixelIntoItsOwnBlock()
    {
        // One channel, x [[1, 2], [3, 4]], w [[1, 10], [100, 1000]], stride 2: pixel (h, v) writes x·w into the 2×2 block at
        // (2h, 2v), no overlap: output 4×4 = (2 − 1)·2 + (2 − 1) + 1.
        var x = Tensor.FromArray([1.0, 2, 3, 4], [1, 1, 2, 2]);
        var w = Tensor.FromArray([1.0, 10, 100, 1000], [1, 1, 2, 2]);
        var y = x.ConvTranspose2d(w, null, (2, 2), (0, 0), (0, 0), (1, 1));
        Assert.Equal([1, 1, 4, 4], y.Shape);
        Assert.Equal([1.0, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000], y.ToArray());
    }

    [Fact]
    public void OverlapsAddAndPaddingCropsAndOutputPaddingGrows()
    {
        // x [1, 2, 3] in one row, w [1, 1] (1×2), stride 1: y = [1, 1+2, 2+3, 3] = [1, 3, 5, 3]. Padding 1 on the width crops
        // one column each side: [3, 5]. Stride 2, output padding 1: width (3 − 1)·2 + 1 + 1 + 1 = 7, the last column added.
        var x = Tensor.FromArray([1.0, 2, 3], [1, 1, 1, 3]);
        var w = Tensor.FromArray([1.0, 1], [1, 1, 1, 2]);
        Assert.Equal([1.0, 3, 5, 3], x.ConvTranspose2d(w, null, (1, 1), (0, 0), (0, 0), (1, 1)).ToArray());
        Assert.Equal([3.0, 5], x.ConvTranspose2d(w, null, (1, 1), (0, 1), (0, 0), (1, 1)).ToArray());
        Assert.Equal([1.0, 1, 2, 2, 3, 3, 0], x.ConvTranspose2d(w, null, (1, 2), (0, 0), (0, 1), (1, 1)).ToArray());
    }

    [Fact]
    public void IsTheAdjointOfConv2d()
    {
        // ⟨conv(u, w), v⟩ = ⟨u, conv_transpose(v, w)⟩ for u [2, 3, 7, 6], w [4, 3, 3, 2], stride 2, padding 1, dilation 1:
        // the transposed convolution is the adjoint of the convolution in its input (the same weight read [C_out, C_in]).
        var g = new Generator(21);
        var u = Tensor.Randn<double>([2, 3, 7, 6], g);
        var w = Tensor.Randn<double>([4, 3, 3, 2], g);
        var conv = u.Conv2d(w, null, (2, 2), (1, 1), (1, 1));
        var v = Tensor.Randn<double>([.. conv.Shape], g);
        int outH = 7 - ((conv.Shape[2] - 1) * 2 - 2 + 3), outW = 6 - ((conv.Shape[3] - 1) * 2 - 2 + 2); // output padding back to 7×6
        var back = v.ConvTranspose2d(w, null, (2, 2), (1, 1), (outH, outW), (1, 1));
        Assert.Equal(u.Shape, back.Shape);
        double left = (conv * v).Sum().Item(), right = (u * back).Sum().Item();
        Assert.True(Math.Abs(left - right) <= 1e-10 * Math.Max(1, Math.Abs(left)), $"{left} vs {right}");
    }

    [Fact]
    public void LayerHasPyTorchsShapesAndInitialisation()
    {
        // PyTorch's ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1): weight (3, 4, 3, 3), bias (4), bounds
        // 1/√(4·3·3) = 1/6; on [1, 3, 5, 5] the output is (5 − 1)·2 − 2 + 2 + 1 + 1 = 10 square.
        var layer = new ConvTranspose2d<double>(3, 4, 3, new Generator(22), stride: 2, padding: 1, outputPadding: 1);
        Assert.Equal([3, 4, 3, 3], layer.Weight.Shape);
        Assert.All(layer.Weight.ToArray(), v => Assert.InRange(v, -1.0 / 6, 1.0 / 6));
        Assert.All(layer.Bias!.ToArray(), v => Assert.InRange(v, -1.0 / 6, 1.0 / 6));
        Assert.Equal(["weight", "bias"], layer.StateDict().Keys);
        Assert.Equal([1, 4, 10, 10], layer.Forward(Tensor.Randn<double>([1, 3, 5, 5], new Generator(23))).Shape);
        Assert.Contains("outputPadding=(1, 1)", layer.ToString());
    }

    [Fact]
    public void LayerGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, for the input, weight and bias.
        var layer = new ConvTranspose2d<double>(2, 3, 3, new Generator(24), stride: 2, padding: 1, outputPadding: 1);
        ModuleGradCheck.Assert(layer, ModuleGradCheck.Input(25, 2, 2, 3, 2));
    }

    [Fact]
    public void BadInputFailsByName()
    {
        var x = Tensor.Randn<double>([1, 2, 3, 3], new Generator(26));
        var e1 = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Randn<double>([3, 2, 2, 2], new Generator(27)), null, (1, 1), (0, 0), (0, 0), (1, 1)));
        Assert.Contains("ConvTranspose2d: input has 2 channels but weight expects 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Randn<double>([2, 2, 2, 2], new Generator(27)), null, (2, 2), (0, 0), (2, 0), (1, 1)));
        Assert.Contains("output padding (2, 0) must be at least 0 and smaller than the stride (2, 2)", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Randn<double>([2, 2, 1, 1], new Generator(27)), null, (1, 1), (2, 2), (0, 0), (1, 1)));
        Assert.Contains("gives an empty output", e3.Message);
        Assert.Throws<ArgumentException>(() => new ConvTranspose2d<double>(2, 3, 2, new Generator(28)).Forward(Tensor.Randn<double>([1, 3, 4, 4], new Generator(29))));
    }

    [Fact]
    public void GroupsKeepTheirChannelsApart()
    {
        // Two groups, 1×1 kernel, one pixel: x = [a, b] = [2, 3], w [2, 1, 1, 1] = [p, q] = [5, 7]. Group 0 (input 0) writes
        // only output 0 and group 1 only output 1: y = [a·p, b·q] = [10, 21]; without groups the same weight read as
        // [2, 1] would give the single output a·p + b·q = 31.
        var x = Tensor.FromArray([2.0, 3], [1, 2, 1, 1]);
        var w = Tensor.FromArray([5.0, 7], [2, 1, 1, 1]);
        Assert.Equal([10.0, 21], x.ConvTranspose2d(w, null, (1, 1), (0, 0), (0, 0), (1, 1), groups: 2).ToArray());
        Assert.Equal([31.0], x.ConvTranspose2d(w, null, (1, 1), (0, 0), (0, 0), (1, 1)).ToArray());
        // A bias of groups·(O/groups) = 2 entries adds per output channel.
        Assert.Equal([11.0, 23], x.ConvTranspose2d(w, Tensor.FromArray([1.0, 2]), (1, 1), (0, 0), (0, 0), (1, 1), groups: 2).ToArray());
    }

    [Theory]
    [InlineData(2, 4, 6)]
    [InlineData(3, 3, 3)]
    public void GroupedIsTheAdjointOfGroupedConv2d(int groups, int channels, int outChannels)
    {
        // ⟨conv_g(u, w), v⟩ = ⟨u, conv_transpose_g(v, w)⟩: the weight [O_conv, C_conv/groups, kh, kw] of a grouped convolution
        // from outChannels to channels is the [C, O/groups, kh, kw] weight of the grouped transposed convolution back
        // (groups = channels = outChannels: depthwise).
        var g = new Generator(30 + (ulong)groups);
        var u = Tensor.Randn<double>([2, outChannels, 7, 6], g);
        var w = Tensor.Randn<double>([channels, outChannels / groups, 3, 2], g);
        var conv = u.Conv2d(w, null, (2, 2), (1, 1), (1, 1), groups);
        var v = Tensor.Randn<double>([.. conv.Shape], g);
        int outH = 7 - ((conv.Shape[2] - 1) * 2 - 2 + 3), outW = 6 - ((conv.Shape[3] - 1) * 2 - 2 + 2);
        var back = v.ConvTranspose2d(w, null, (2, 2), (1, 1), (outH, outW), (1, 1), groups);
        Assert.Equal(u.Shape, back.Shape);
        double left = (conv * v).Sum().Item(), right = (u * back).Sum().Item();
        Assert.True(Math.Abs(left - right) <= 1e-10 * Math.Max(1, Math.Abs(left)), $"{left} vs {right}");
    }

    [Fact]
    public void GroupedLayerHasPyTorchsShapesInitialisationAndGradients()
    {
        // PyTorch's ConvTranspose2d(4, 6, 3, stride=2, groups=2): weight (4, 3, 3, 3) = (in, out/groups, k, k), bias (6),
        // bounds 1/√((6/2)·3·3) = 1/√27; on [1, 4, 3, 3] the output is (3 − 1)·2 + 2 + 1 = 7 square.
        var layer = new ConvTranspose2d<double>(4, 6, 3, new Generator(32), stride: 2, groups: 2);
        Assert.Equal([4, 3, 3, 3], layer.Weight.Shape);
        Assert.Equal([6], layer.Bias!.Shape);
        double bound = 1 / Math.Sqrt(27);
        Assert.All(layer.Weight.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(layer.Bias.ToArray(), v => Assert.InRange(v, -bound, bound));
        Assert.Equal([1, 6, 7, 7], layer.Forward(Tensor.Randn<double>([1, 4, 3, 3], new Generator(33))).Shape);
        Assert.Contains("groups=2", layer.ToString());
        // Oracle: finite differences, first and second order, for the input, weight and bias.
        ModuleGradCheck.Assert(new ConvTranspose2d<double>(4, 2, 2, new Generator(34), stride: 2, groups: 2), ModuleGradCheck.Input(35, 1, 4, 2, 2));
    }

    [Fact]
    public void BadGroupsFailByName()
    {
        var x = Tensor.Randn<double>([1, 4, 3, 3], new Generator(36));
        var e1 = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Randn<double>([4, 1, 2, 2], new Generator(37)), null, (1, 1), (0, 0), (0, 0), (1, 1), groups: 3));
        Assert.Contains("ConvTranspose2d: groups 3 must divide the input channels 4", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Randn<double>([4, 1, 2, 2], new Generator(37)), Tensor.Zeros<double>(3), (1, 1), (0, 0), (0, 0), (1, 1), groups: 2));
        Assert.Contains("ConvTranspose2d: bias must have shape [2] (groups·O/groups), got [3]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new ConvTranspose2d<double>(4, 6, 3, new Generator(38), groups: 4));
        Assert.Contains("ConvTranspose2d: groups must be at least 1 and divide in=4 and out=6, got groups=4", e3.Message);
    }
}
