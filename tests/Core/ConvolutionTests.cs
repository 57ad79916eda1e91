using Autograd.Checking;

namespace Autograd.Tests.Core;

public class ConvolutionTests
{
    private static Tensor<double> Random(int[] shape, ulong seed, bool grad = true) =>
        Tensor.Randn<double>(shape, new Generator(seed), requiresGrad: grad);

    /// <summary>Direct 7-loop cross-correlation: the oracle for the im2col + GEMM path.</summary>
    private static double[] DirectConv(double[] x, int[] xs, double[] w, int[] ws, int stride, int pad, int dil, out int oh, out int ow)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], o = ws[0], kh = ws[2], kw = ws[3];
        oh = (h + 2 * pad - dil * (kh - 1) - 1) / stride + 1;
        ow = (wd + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
        var y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        double s = 0;
                        for (int ic = 0; ic < c; ic++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++)
                                {
                                    int yi = i * stride - pad + p * dil, xj = j * stride - pad + q * dil;
                                    if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
                                    s += w[((oc * c + ic) * kh + p) * kw + q] * x[((b * c + ic) * h + yi) * wd + xj];
                                }
                        y[((b * o + oc) * oh + i) * ow + j] = s;
                    }
        return y;
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(1, 2, 2)]
    public void ForwardMatchesDirectConvolution(int stride, int pad, int dil)
    {
        var x = Random([2, 3, 7, 6], 1, grad: false);
        var w = Random([4, 3, 3, 2], 2, grad: false);
        var expected = DirectConv(x.ToArray(), [2, 3, 7, 6], w.ToArray(), [4, 3, 3, 2], stride, pad, dil, out int oh, out int ow);
        var y = x.Conv2d(w, null, stride, pad, dil);
        Assert.Equal(new[] { 2, 4, oh, ow }, y.Shape);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Theory]
    [InlineData(1, 1, 1, 3)]
    [InlineData(2, 0, 2, 3)]
    [InlineData(1, 1, 1, 1)] // 1·3·2 = 6 weight columns per output channel: the transposed weight-gradient product
    public void LargeBatchForwardAndGradientsMatchDirectLoops(int stride, int pad, int dil, int channels)
    {
        // Oracle: direct loops. For y = Conv(x, w) and upstream g, dx[n, c, yi, xj] = Σ w[o, c, p, q]·g[n, o, i, j]
        // and dw[o, c, p, q] = Σ g[n, o, i, j]·x[n, c, yi, xj] over the (i, j, p, q) with yi = i·s − pad + p·d,
        // xj = j·s − pad + q·d inside the image; with a bias, y[n, o, i, j] gains b[o] and db[o] = Σ_{n,i,j} g[n, o, i, j].
        // The batch is large enough for the one-image-per-core path and the parallel layout copies.
        int[] xs = [12, channels, 19, 17], ws = [16, channels, 3, 2];
        var x = Random(xs, 7);
        var w = Random(ws, 8);
        var b = Random([16], 10);
        double[] xv = x.ToArray(), wv = w.ToArray(), bv = b.ToArray();
        var expected = DirectConv(xv, xs, wv, ws, stride, pad, dil, out int oh, out int ow);
        var y = x.Conv2d(w, b, stride, pad, dil);
        var actual = y.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i] + bv[i / (oh * ow) % 16], actual[i], 1e-12);

        var g = Random([12, 16, oh, ow], 9, grad: false);
        double[] gv = g.ToArray(), dx = new double[xv.Length], dw = new double[wv.Length], db = new double[16];
        for (int i = 0; i < gv.Length; i++) db[i / (oh * ow) % 16] += gv[i];
        for (int n = 0; n < 12; n++)
            for (int o = 0; o < 16; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                        for (int c = 0; c < channels; c++)
                            for (int p = 0; p < 3; p++)
                                for (int q = 0; q < 2; q++)
                                {
                                    int yi = i * stride - pad + p * dil, xj = j * stride - pad + q * dil;
                                    if (yi < 0 || yi >= 19 || xj < 0 || xj >= 17) continue;
                                    int xi = ((n * channels + c) * 19 + yi) * 17 + xj, wi = ((o * channels + c) * 3 + p) * 2 + q;
                                    double gi = gv[((n * 16 + o) * oh + i) * ow + j];
                                    dx[xi] += wv[wi] * gi;
                                    dw[wi] += xv[xi] * gi;
                                }
        y.Backward(g);
        double[] gotDx = x.Grad!.ToArray(), gotDw = w.Grad!.ToArray();
        for (int i = 0; i < dx.Length; i++) Assert.Equal(dx[i], gotDx[i], 1e-11);
        for (int i = 0; i < dw.Length; i++) Assert.Equal(dw[i], gotDw[i], 1e-10);
        double[] gotDb = b.Grad!.ToArray();
        for (int i = 0; i < 16; i++) Assert.Equal(db[i], gotDb[i], 1e-10);
    }

    [Theory]
    [InlineData(3)]   // small batch: one wide product
    [InlineData(13)]  // one image per core
    public void BiasGradientEqualsTheChannelSumOfTheUpstreamGradientBitForBit(int batch)
    {
        // Oracle: ∂/∂b Σ g ⊙ y = Σ_{n,i,j} g[n, o, i, j], computed independently by Sum([0, 2, 3]) on the same float
        // gradient; the fused sum (taken while the weight gradient lays the batch out) adds in the same order.
        var gen = new Generator(40);
        var x = Tensor.Randn<float>([batch, 3, 11, 9], gen);
        var w = Tensor.Randn<float>([5, 3, 3, 3], gen, requiresGrad: true);
        var b = Tensor.Randn<float>([5], gen, requiresGrad: true);
        var y = x.Conv2d(w, b, padding: 1);
        var g = Tensor.Randn<float>([.. y.Shape], gen);
        y.Backward(g);
        Assert.Equal(g.Sum([0, 2, 3]).ToArray(), b.Grad!.ToArray());
    }

    [Fact]
    public void EmptyBatchGivesZeroWeightAndBiasGradients()
    {
        // Oracle: a sum over no images is zero; the input's gradient has the input's (empty) shape.
        var x = Tensor.Zeros<float>(0, 2, 6, 6);
        x.RequiresGrad = true;
        var w = Tensor.Randn<float>([4, 2, 3, 3], new Generator(41), requiresGrad: true);
        var b = Tensor.Randn<float>([4], new Generator(42), requiresGrad: true);
        var y = x.Conv2d(w, b, padding: 1);
        y.Backward(Tensor.Zeros<float>(0, 4, 6, 6));
        Assert.Equal(new float[4], b.Grad!.ToArray());
        Assert.Equal(new float[72], w.Grad!.ToArray());
        Assert.Equal([0, 2, 6, 6], x.Grad!.Shape);
    }

    [Theory]
    [InlineData(1, 0, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(1, 1, 2)]
    public void ConvGradientsPassFirstAndSecondOrderChecks(int stride, int pad, int dil)
    {
        var x = Random([2, 2, 5, 4], 3);
        var w = Random([3, 2, 2, 2], 4);
        var b = Random([3], 5);
        GradCheck.Assert(t => t[0].Conv2d(t[1], t[2], stride, pad, dil), [x, w, b], name: "Conv2d");
    }

    [Fact]
    public void MaxPoolGradientsPassChecks()
    {
        // Distinct, well-separated values keep every window's maximum away from ties.
        var values = Enumerable.Range(0, 2 * 2 * 4 * 4).Select(i => (double)((i * 37) % 64) / 8).ToArray();
        var x = Tensor.FromArray(values, [2, 2, 4, 4], requiresGrad: true);
        GradCheck.Assert(t => t[0].MaxPool2d(2), [x], name: "MaxPool2d");
        GradCheck.Assert(t => t[0].MaxPool2d((3, 3), (1, 1), (1, 1)), [x], name: "MaxPool2d padded");
    }

    [Fact]
    public void MaxPoolPicksWindowMaxima()
    {
        // 2×2 windows of [[1, 5, 2, 0], [3, 4, 8, 1]] ⇒ max(1,5,3,4) = 5, max(2,0,8,1) = 8.
        var x = Tensor.FromArray(new double[] { 1, 5, 2, 0, 3, 4, 8, 1 }, [1, 1, 2, 4]);
        Assert.Equal(new double[] { 5, 8 }, x.MaxPool2d(2).ToArray());
    }

    [Fact]
    public void AvgPoolGradientsPassChecksAndValuesAreWindowMeans()
    {
        var x = Random([2, 3, 4, 5], 6);
        GradCheck.Assert(t => t[0].AvgPool2d(2), [x], name: "AvgPool2d");
        GradCheck.Assert(t => t[0].AvgPool2d((3, 3), (2, 2), (1, 1)), [x], name: "AvgPool2d padded");
        // mean(1, 5, 3, 4) = 3.25
        var small = Tensor.FromArray(new double[] { 1, 5, 3, 4 }, [1, 1, 2, 2]);
        Assert.Equal(3.25, small.AvgPool2d(2).Item());
    }

    [Fact]
    public void ChannelMismatchNamesTheOpAndShapes()
    {
        var x = Tensor.Zeros<float>(1, 3, 8, 8);
        var w = Tensor.Zeros<float>(4, 2, 3, 3);
        var error = Assert.Throws<ArgumentException>(() => x.Conv2d(w));
        Assert.Contains("Conv2d", error.Message);
        Assert.Contains("[1, 3, 8, 8]", error.Message);
    }
}
