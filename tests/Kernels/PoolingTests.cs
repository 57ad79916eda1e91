using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

public class PoolingTests
{
    /// <summary>(N, C, H, W, kh, kw, sh, sw, ph, pw); the last one is large enough to run planes in parallel.</summary>
    public static TheoryData<int, int, int, int, int, int, int, int, int, int> Geometries => new()
    {
        { 1, 1, 4, 4, 2, 2, 2, 2, 0, 0 },
        { 2, 3, 7, 6, 3, 3, 2, 2, 1, 1 },
        { 1, 2, 5, 9, 3, 2, 1, 3, 1, 1 },
        { 2, 1, 6, 6, 4, 4, 1, 1, 2, 2 },
        { 1, 1, 3, 3, 3, 3, 1, 1, 1, 1 },
        { 4, 8, 32, 30, 3, 3, 1, 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPool_ForwardAndBackward_MatchNaiveLoops(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        // Oracle: naive loops over window taps (i, j), skipping padded taps; backward scatters dy to the naive argmax.
        var g = new Pool2dGeometry(n, c, h, w, kh, kw, sh, sw, ph, pw);
        var rng = new Random(n * 10 + h);
        double[] x = GemmTests.RandomArray<double>(g.InputSize, rng);
        double[] y = new double[g.OutputSize];
        int[] idx = new int[g.OutputSize];
        Pooling.MaxPool2dForward<double>(x, g, y, idx);
        double[] dy = GemmTests.RandomArray<double>(g.OutputSize, rng);
        double[] dx = GemmTests.RandomArray<double>(g.InputSize, rng), dxStart = (double[])dx.Clone();
        Pooling.MaxPool2dBackward<double>(dy, idx, g, dx);

        double[] expectDx = (double[])dxStart.Clone();
        int o = 0;
        foreach (var (q, oh, ow) in Outputs(g))
        {
            double best = double.NegativeInfinity;
            int arg = -1;
            foreach (int i in Taps(g, q, oh, ow))
                if (i >= 0 && x[i] > best) { best = x[i]; arg = i; }
            Assert.Equal(best, y[o]);
            Assert.Equal(arg, idx[o]);
            expectDx[arg] += dy[o];
            o++;
        }
        Assert.Equal(expectDx, dx);
    }

    [Fact]
    public void MaxPool_PropagatesNaN()
    {
        // Oracle: PyTorch semantics: a NaN in the window makes the maximum NaN and points argmax at it.
        var g = new Pool2dGeometry(1, 1, 2, 2, 2, 2, 2, 2);
        float[] x = [1f, float.NaN, 3f, 2f], y = new float[1];
        int[] idx = new int[1];
        Pooling.MaxPool2dForward<float>(x, g, y, idx);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(1, idx[0]);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AvgPool_ForwardAndBackward_MatchNaiveLoops(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw)
    {
        // Oracle: naive Σ over all kh·kw taps with padded taps read as 0, divided by kh·kw (count_include_pad);
        // backward: each dy / (kh·kw) added to every in-bounds tap.
        var g = new Pool2dGeometry(n, c, h, w, kh, kw, sh, sw, ph, pw);
        var rng = new Random(n * 20 + w);
        double[] x = GemmTests.RandomArray<double>(g.InputSize, rng);
        double[] y = new double[g.OutputSize];
        Pooling.AvgPool2dForward<double>(x, g, y);
        double[] dy = GemmTests.RandomArray<double>(g.OutputSize, rng);
        double[] dx = new double[g.InputSize];
        Pooling.AvgPool2dBackward<double>(dy, g, dx);

        double[] expectDx = new double[g.InputSize];
        int o = 0;
        foreach (var (q, oh, ow) in Outputs(g))
        {
            double sum = 0;
            foreach (int i in Taps(g, q, oh, ow))
                if (i >= 0) { sum += x[i]; expectDx[i] += dy[o] / (kh * kw); }
            Assert.Equal(sum / (kh * kw), y[o], 1e-12);
            o++;
        }
        for (int i = 0; i < dx.Length; i++)
            Assert.Equal(expectDx[i], dx[i], 1e-12);
    }

    [Fact]
    public void Pooling_RejectsPaddingOverHalfTheWindow()
    {
        // Oracle: PyTorch's rule pad ≤ kernel / 2 (a window entirely in padding has no maximum).
        var g = new Pool2dGeometry(1, 1, 4, 4, 2, 2, 1, 1, 2, 0);
        Assert.Throws<ArgumentException>(() => Pooling.AvgPool2dForward<float>(new float[16], g, new float[64]));
    }

    private static IEnumerable<(int Plane, int Oh, int Ow)> Outputs(Pool2dGeometry g)
    {
        for (int q = 0; q < g.Batch * g.Channels; q++)
            for (int oh = 0; oh < g.OutH; oh++)
                for (int ow = 0; ow < g.OutW; ow++)
                    yield return (q, oh, ow);
    }

    /// <summary>Flat input index of every window tap, or −1 for a tap in the padding.</summary>
    private static IEnumerable<int> Taps(Pool2dGeometry g, int q, int oh, int ow)
    {
        for (int i = 0; i < g.KernelH; i++)
            for (int j = 0; j < g.KernelW; j++)
            {
                int ih = oh * g.StrideH - g.PadH + i, iw = ow * g.StrideW - g.PadW + j;
                bool inside = ih >= 0 && ih < g.Height && iw >= 0 && iw < g.Width;
                yield return inside ? (q * g.Height + ih) * g.Width + iw : -1;
            }
    }
}
