using System.Numerics;
using static Autograd.Testing.Naive;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// Convolution and pooling rows ([N, C, H, W] inputs), with their references in Naive.Convolution.cs.
public static partial class OpCatalog
{
    private static OpInfo<T>[] ConvolutionRows<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        // Convolution and pooling ([N, C, H, W] inputs; pooling inputs distinct so window maxima are untied).
        new("Conv2d", "Conv2d(Tensor, Tensor, int, int, int)", x => x[0].Conv2d(x[1], x[2], 1, 1, 1), ConvCase, x => Conv2d(x[0], x[1], x[2], (1, 1), (1, 1), (1, 1))),
        new("Conv2d(stride 2, dilation 2, no bias)", "Conv2d(Tensor, Tensor, int, int, int)", x => x[0].Conv2d(x[1], null, 2, 1, 2), g => ConvCase(g)[..2],
            x => Conv2d(x[0], x[1], null, (2, 2), (1, 1), (2, 2))),
        new("Conv2d(per-axis)", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>)",
            x => x[0].Conv2d(x[1], x[2], (1, 2), (0, 1), (1, 1)), ConvCase, x => Conv2d(x[0], x[1], x[2], (1, 2), (0, 1), (1, 1))),
        new("Conv2d of transposed views (input and weight)", "Conv2d(Tensor, Tensor, int, int, int)",
            x => x[0].MT.Conv2d(x[1].MT, x[2], 1, 1, 1), ConvCase, x => Conv2d(x[0].MT, x[1].MT, x[2], (1, 1), (1, 1), (1, 1))),
        new("Conv2d(groups 2)", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].Conv2d(x[1], x[2], (1, 1), (1, 0), (1, 1), 2), g => GroupConvCase(g, 2), x => Conv2d(x[0], x[1], x[2], (1, 1), (1, 0), (1, 1), 2)),
        new("Conv2d(depthwise, stride 2, no bias)", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].Conv2d(x[1], null, (2, 2), (1, 1), (1, 1), 3), g => GroupConvCase(g, 3)[..2], x => Conv2d(x[0], x[1], null, (2, 2), (1, 1), (1, 1), 3)),
        new("Conv2d(depthwise, multiplier 2, padding 1, bias)", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].Conv2d(x[1], x[2], (1, 1), (1, 1), (1, 1), 2), g => DepthwiseCase(g, 2, 2), x => Conv2d(x[0], x[1], x[2], (1, 1), (1, 1), (1, 1), 2)),
        new("Conv2d(depthwise, dilation 2, stride (1, 2))", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].Conv2d(x[1], x[2], (1, 2), (1, 1), (2, 1), 3), g => DepthwiseCase(g, 3, 1), x => Conv2d(x[0], x[1], x[2], (1, 2), (1, 1), (2, 1), 3)),
        new("Conv2d(depthwise, dilation (2, 1), padding (1, 2))", "Conv2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].Conv2d(x[1], null, (1, 1), (1, 2), (2, 1), 2), g => DepthwiseCase(g, 2, 1)[..2], x => Conv2d(x[0], x[1], null, (1, 1), (1, 2), (2, 1), 2)),
        new("ConvTranspose2d(stride 2, padding 1, output padding 1)",
            "ConvTranspose2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>)",
            x => x[0].ConvTranspose2d(x[1], x[2], (2, 2), (1, 1), (1, 0), (1, 1)), TransposedConvCase,
            x => ConvTranspose2d(x[0], x[1], x[2], (2, 2), (1, 1), (1, 0), (1, 1))),
        new("ConvTranspose2d(dilation 2, no bias)",
            "ConvTranspose2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>)",
            x => x[0].ConvTranspose2d(x[1], null, (1, 1), (1, 0), (0, 0), (2, 1)), g => TransposedConvCase(g)[..2],
            x => ConvTranspose2d(x[0], x[1], null, (1, 1), (1, 0), (0, 0), (2, 1))),
        new("ConvTranspose2d(groups 2, stride 2)",
            "ConvTranspose2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].ConvTranspose2d(x[1], x[2], (2, 1), (1, 0), (1, 0), (1, 1), 2), g => GroupTransposedConvCase(g, 2),
            x => ConvTranspose2d(x[0], x[1], x[2], (2, 1), (1, 0), (1, 0), (1, 1), 2)),
        new("ConvTranspose2d(depthwise, dilation 2, no bias)",
            "ConvTranspose2d(Tensor, Tensor, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>, int)",
            x => x[0].ConvTranspose2d(x[1], null, (1, 1), (1, 0), (0, 0), (2, 1), 3), g => GroupTransposedConvCase(g, 3)[..2],
            x => ConvTranspose2d(x[0], x[1], null, (1, 1), (1, 0), (0, 0), (2, 1), 3)),
        new("MaxPool2d", "MaxPool2d(int, int?, int)", x => x[0].MaxPool2d(2), g => [Distinct(g, [1 + g.NextInt(2), 1 + g.NextInt(2), 4, 2 + 2 * g.NextInt(2)])],
            x => Pool2d(x[0], (2, 2), (2, 2), (0, 0), double.NegativeInfinity, Max)),
        new("MaxPool2d(per-axis, padded)", "MaxPool2d(ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>)",
            x => x[0].MaxPool2d((3, 2), (1, 2), (1, 0)), g => [Distinct(g, [1, 2, 3, 4])], x => Pool2d(x[0], (3, 2), (1, 2), (1, 0), double.NegativeInfinity, Max)),
        new("AvgPool2d", "AvgPool2d(int, int?, int)", x => x[0].AvgPool2d(2, 1, 1), g => [Uniform(g, [1 + g.NextInt(2), 2, 3, 3])],
            x => Pool2d(x[0], (2, 2), (1, 1), (1, 1), 0, Mean)),
        new("AvgPool2d(per-axis)", "AvgPool2d(ValueTuple<int, int>, ValueTuple<int, int>, ValueTuple<int, int>)",
            x => x[0].AvgPool2d((2, 3), (2, 1), (0, 1)), g => [Uniform(g, [1, 2, 4, 3])], x => Pool2d(x[0], (2, 3), (2, 1), (0, 1), 0, Mean)),
    ];

    /// <summary>x [N, groups·c, H, W], w [groups·o, c, 2, kw], b [groups·o] for a grouped convolution (c = o = 1 with
    /// three groups: depthwise).</summary>
    private static Tensor<double>[] GroupConvCase(Choices g, int groups)
    {
        int n = 1 + g.NextInt(2), c = groups == 3 ? 1 : 1 + g.NextInt(2), o = groups == 3 ? 1 : 1 + g.NextInt(2);
        return [Uniform(g, [n, groups * c, 4 + g.NextInt(2), 4 + g.NextInt(2)]), Uniform(g, [groups * o, c, 2, 1 + g.NextInt(2)]), Uniform(g, [groups * o])];
    }

    /// <summary>x [N, groups·c, H, W], w [groups·c, o, 2, kw], b [groups·o] for a grouped transposed convolution (c = o = 1
    /// with three groups: depthwise).</summary>
    private static Tensor<double>[] GroupTransposedConvCase(Choices g, int groups)
    {
        int n = 1 + g.NextInt(2), c = groups == 3 ? 1 : 1 + g.NextInt(2), o = groups == 3 ? 1 : 1 + g.NextInt(2);
        return [Uniform(g, [n, groups * c, 2 + g.NextInt(2), 2 + g.NextInt(2)]), Uniform(g, [groups * c, o, 2, 1 + g.NextInt(2)]), Uniform(g, [groups * o])];
    }

    /// <summary>x [N, C, H, W], w [m·C, 1, kh, kw], b [m·C] for a depthwise convolution with channel multiplier m.</summary>
    private static Tensor<double>[] DepthwiseCase(Choices g, int channels, int multiplier)
    {
        int n = 1 + g.NextInt(2);
        return [Uniform(g, [n, channels, 4 + g.NextInt(3), 4 + g.NextInt(3)]), Uniform(g, [multiplier * channels, 1, 2 + g.NextInt(2), 1 + g.NextInt(3)]),
            Uniform(g, [multiplier * channels])];
    }

    /// <summary>x [N, C, H, W], w [C, O, 2, kw], b [O] for a transposed convolution.</summary>
    private static Tensor<double>[] TransposedConvCase(Choices g)
    {
        int n = 1 + g.NextInt(2), c = 1 + g.NextInt(2), o = 1 + g.NextInt(2);
        return [Uniform(g, [n, c, 2 + g.NextInt(2), 2 + g.NextInt(2)]), Uniform(g, [c, o, 2, 1 + g.NextInt(2)]), Uniform(g, [o])];
    }

    private static Tensor<double>[] ConvCase(Choices g)
    {
        int n = 1 + g.NextInt(2), c = 1 + g.NextInt(2), o = 1 + g.NextInt(3);
        return [Uniform(g, [n, c, 4 + g.NextInt(2), 4 + g.NextInt(2)]), Uniform(g, [o, c, 2, 1 + g.NextInt(2)]), Uniform(g, [o])];
    }
}
