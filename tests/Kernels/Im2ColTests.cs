using Autograd.Kernels;

namespace Autograd.Tests.Kernels;

public class Im2ColTests
{
    /// <summary>(C, H, W, kh, kw, sh, sw, ph, pw, dh, dw): plain, strided, padded, dilated, 1×1, non-square, all at once.</summary>
    public static IEnumerable<object[]> Geometries =>
    [
        [1, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1],
        [2, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1],
        [3, 9, 8, 3, 2, 2, 2, 1, 0, 1, 1],
        [2, 10, 11, 3, 3, 1, 2, 2, 1, 2, 2],
        [4, 5, 6, 1, 1, 1, 1, 0, 0, 1, 1],
        [1, 7, 4, 5, 1, 3, 1, 2, 0, 1, 1],
        [2, 13, 12, 2, 4, 3, 2, 1, 2, 3, 2],
        [1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1],
        [2, 6, 5, 5, 3, 1, 1, 1, 1, 1, 1],   // unit stride, outW = W but outH ≠ H: the band path
        [3, 7, 8, 3, 3, 1, 1, 2, 2, 2, 2],   // dilated band
        [1, 6, 9, 7, 5, 1, 1, 1, 2, 1, 1],   // tall kernel: most taps see only part of the band
    ];

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvViaIm2ColAndMatmul_EqualsDirectConvolution(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        // Oracle: the direct convolution y[o, oh, ow] = Σ_{c,i,j} W[o, c, i, j]·x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw].
        var g = new Conv2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        var rng = new Random(c * 100 + h);
        const int outC = 3;
        double[] x = GemmTests.RandomArray<double>(g.ImageSize, rng);
        double[] weight = GemmTests.RandomArray<double>(outC * g.ColumnRows, rng);
        double[] cols = new double[g.ColumnRows * g.ColumnCols];
        Array.Fill(cols, double.NaN); // every cell must be written
        Convolution.Im2Col<double>(x, g, cols);

        int outH = g.OutH, outW = g.OutW;
        for (int o = 0; o < outC; o++)
            for (int oh = 0; oh < outH; oh++)
                for (int ow = 0; ow < outW; ow++)
                {
                    double viaCols = 0, direct = 0;
                    for (int r = 0; r < g.ColumnRows; r++)
                        viaCols += weight[o * g.ColumnRows + r] * cols[r * g.ColumnCols + oh * outW + ow];
                    for (int ci = 0; ci < c; ci++)
                        for (int i = 0; i < kh; i++)
                            for (int j = 0; j < kw; j++)
                            {
                                int ih = oh * sh - ph + i * dh, iw = ow * sw - pw + j * dw;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                                direct += weight[((o * c + ci) * kh + i) * kw + j] * x[(ci * h + ih) * w + iw];
                            }
                    Assert.Equal(direct, viaCols, 1e-12);
                }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Col2Im_IsAdjointOfIm2Col_AndAccumulates(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        // Oracle: the adjoint identity <Im2Col(x), y> = <x, Col2Im(y)>; Col2Im adds onto what the image held.
        var g = new Conv2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        var rng = new Random(c * 7 + w);
        double[] x = GemmTests.RandomArray<double>(g.ImageSize, rng);
        double[] y = GemmTests.RandomArray<double>(g.ColumnRows * g.ColumnCols, rng);
        double[] cols = new double[y.Length];
        Convolution.Im2Col<double>(x, g, cols);
        double[] start = GemmTests.RandomArray<double>(g.ImageSize, rng);
        double[] back = (double[])start.Clone();
        Convolution.Col2Im<double>(y, g, back);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < y.Length; i++) lhs += cols[i] * y[i];
        for (int i = 0; i < x.Length; i++) rhs += x[i] * (back[i] - start[i]);
        Assert.Equal(lhs, rhs, 1e-9);
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void StridedIm2Col_FillsEachImagesColumnBlock_AndStridedCol2ImIsItsAdjoint(int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw)
    {
        // Oracle: the compact Im2Col (checked against the direct convolution above) for each image's block of
        // the shared matrix [C·kh·kw, N·L]; and the adjoint identity <Im2Col_ld(x), y> = <x, Col2Im_ld(y)> for Col2Im.
        var g = new Conv2dGeometry(c, h, w, kh, kw, sh, sw, ph, pw, dh, dw);
        var rng = new Random(c * 13 + h);
        const int batch = 3;
        int rows = g.ColumnRows, l = g.ColumnCols, ld = batch * l;
        double[] x = GemmTests.RandomArray<double>(batch * g.ImageSize, rng);
        double[] wide = new double[rows * ld];
        Array.Fill(wide, double.NaN); // every cell must be written by exactly one image
        for (int n = 0; n < batch; n++)
            Convolution.Im2Col<double>(x.AsSpan(n * g.ImageSize, g.ImageSize), g, wide.AsSpan(n * l), ld);
        for (int n = 0; n < batch; n++)
        {
            double[] compact = new double[rows * l];
            Convolution.Im2Col<double>(x.AsSpan(n * g.ImageSize, g.ImageSize), g, compact);
            for (int r = 0; r < rows; r++)
                Assert.Equal(compact.AsSpan(r * l, l), wide.AsSpan(r * ld + n * l, l));
        }

        double[] y = GemmTests.RandomArray<double>(rows * ld, rng);
        double[] start = GemmTests.RandomArray<double>(batch * g.ImageSize, rng);
        double[] back = (double[])start.Clone();
        for (int n = 0; n < batch; n++)
            Convolution.Col2Im<double>(y.AsSpan(n * l), g, back.AsSpan(n * g.ImageSize, g.ImageSize), ld);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < y.Length; i++) lhs += wide[i] * y[i];
        for (int i = 0; i < x.Length; i++) rhs += x[i] * (back[i] - start[i]);
        Assert.Equal(lhs, rhs, 1e-9);
    }

    [Fact]
    public void StridedIm2Col_RejectsTooSmallStrideOrBuffer()
    {
        // Oracle: a row stride below outH·outW would overlap rows; 3×3 valid on 5×5 gives 9 rows of 9 columns.
        var g = new Conv2dGeometry(1, 5, 5, 3, 3);
        double[] image = new double[25];
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col<double>(image, g, new double[200], 8));
        Assert.Throws<ArgumentException>(() => Convolution.Im2Col<double>(image, g, new double[8 * 20 + 8], 20));
        Convolution.Im2Col<double>(image, g, new double[8 * 20 + 9], 20); // exactly (rows − 1)·ld + L fits
        Assert.Throws<ArgumentException>(() => Convolution.Col2Im<double>(new double[8 * 20 + 8], g, image, 20));
    }

    [Theory]
    [InlineData(2, 3, 2)]
    [InlineData(17, 64, 70)] // large enough to copy images in parallel
    public void BatchToRows_PermutesNolToOnl(int n, int o, int l)
    {
        // Oracle: the index formula rows[o, b·L + l] = batch[b, o, l], element by element.
        double[] batch = GemmTests.RandomArray<double>(5 + n * o * l, new Random(n));
        double[] rows = new double[n * o * l];
        Convolution.BatchToRows(batch, 5, rows, n, o, l);
        for (int b = 0; b < n; b++)
            for (int c = 0; c < o; c++)
                for (int i = 0; i < l; i++)
                    Assert.Equal(batch[5 + (b * o + c) * l + i], rows[c * n * l + b * l + i]);
    }

    [Fact]
    public void Float_MatchesDoubleBitForBit()
    {
        // Oracle: Im2Col only copies, so float results equal the double run rounded to float.
        var g = new Conv2dGeometry(2, 9, 10, 3, 3, 2, 1, 1, 1, 1, 2);
        double[] x = GemmTests.RandomArray<double>(g.ImageSize, new Random(3));
        float[] xf = Array.ConvertAll(x, v => (float)v);
        double[] cd = new double[g.ColumnRows * g.ColumnCols];
        float[] cf = new float[cd.Length];
        Convolution.Im2Col<double>(x, g, cd);
        Convolution.Im2Col<float>(xf, g, cf);
        Assert.Equal(Array.ConvertAll(cd, v => (float)v), cf);
    }

    [Theory]
    // Oracle: ⌊(input + 2p − d(k − 1) − 1) / s⌋ + 1 worked by hand.
    [InlineData(32, 3, 1, 1, 1, 32)]  // (32 + 2 − 2 − 1)/1 + 1
    [InlineData(28, 5, 2, 0, 1, 12)]  // (28 − 4 − 1)/2 + 1 = 11 + 1
    [InlineData(7, 3, 2, 1, 2, 3)]    // (7 + 2 − 4 − 1)/2 + 1 = 2 + 1
    [InlineData(1, 1, 1, 0, 1, 1)]
    [InlineData(4, 5, 1, 1, 1, 2)]    // padded input 6 ≥ kernel 5: (4 + 2 − 4 − 1) + 1
    public void ConvOutputSize_HandWorked(int input, int kernel, int stride, int padding, int dilation, int expected)
    {
        Assert.Equal(expected, Convolution.ConvOutputSize(input, kernel, stride, padding, dilation));
    }

    [Fact]
    public void ConvOutputSize_RejectsEmptyOutputAndBadParameters()
    {
        // Oracle: a 5-tap kernel cannot fit a padded input of 4; stride 0 is meaningless.
        Assert.Throws<ArgumentException>(() => Convolution.ConvOutputSize(4, 5, 1, 0, 1));
        Assert.Throws<ArgumentException>(() => Convolution.ConvOutputSize(4, 3, 0, 0, 1));
        Assert.Throws<ArgumentException>(() => Convolution.ConvOutputSize(4, 3, 1, -1, 1));
    }
}
