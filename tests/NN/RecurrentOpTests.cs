using Autograd.Checking;
using static Autograd.Tests.NN.RecurrentTestHelpers;

namespace Autograd.Tests.NN;

/// <summary>The fused cell ops <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/>.</summary>
public class RecurrentOpTests
{
    /// <summary>The LSTM update written out in plain doubles, independently of the library (PyTorch's formulas).</summary>
    private static (double[] H, double[] C) LstmByHand(double[] xg, double[] hg, double[] c, int rows, int hidden)
    {
        var h1 = new double[rows * hidden];
        var c1 = new double[rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                double A(int gate) => xg[r * 4 * hidden + gate * hidden + j] + hg[r * 4 * hidden + gate * hidden + j];
                int e = r * hidden + j;
                c1[e] = Sigmoid(A(1)) * c[e] + Sigmoid(A(0)) * Math.Tanh(A(2));
                h1[e] = Sigmoid(A(3)) * Math.Tanh(c1[e]);
            }
        return (h1, c1);
    }

    /// <summary>The GRU update written out in plain doubles: n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h.</summary>
    private static double[] GruByHand(double[] xg, double[] hg, double[] h, int rows, int hidden)
    {
        var h1 = new double[rows * hidden];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < hidden; j++)
            {
                int b = r * 3 * hidden + j, e = r * hidden + j;
                double reset = Sigmoid(xg[b] + hg[b]), z = Sigmoid(xg[b + hidden] + hg[b + hidden]);
                double n = Math.Tanh(xg[b + 2 * hidden] + reset * hg[b + 2 * hidden]);
                h1[e] = (1 - z) * n + z * h[e];
            }
        return h1;
    }

    [Fact]
    public void ForwardMatchesTheFormulas()
    {
        // Oracle: LstmByHand and GruByHand above, element by element.
        var g = new Generator(61);
        Tensor<double> xg = Tensor.Randn<double>([3, 8], g), hg = Tensor.Randn<double>([3, 8], g), c = Tensor.Randn<double>([3, 2], g);
        var (h1, c1) = Tensor.LstmCell(xg, hg, c);
        var (eh, ec) = LstmByHand(xg.ToArray(), hg.ToArray(), c.ToArray(), 3, 2);
        Close(Tensor.FromArray(eh, [3, 2]), h1);
        Close(Tensor.FromArray(ec, [3, 2]), c1);
        Tensor<double> xr = Tensor.Randn<double>([3, 6], g), hr = Tensor.Randn<double>([3, 6], g);
        Close(Tensor.FromArray(GruByHand(xr.ToArray(), hr.ToArray(), c.ToArray(), 3, 2), [3, 2]), Tensor.GruCell(xr, hr, c));
    }

    [Fact]
    public void GradientsPassFiniteDifferencesFirstAndSecondOrder()
    {
        // Oracle: finite differences; first order runs the fused backward, second order the composite rule (createGraph).
        Tensor<double> xg = Leaf(62, 2, 8), hg = Leaf(63, 2, 8), c = Leaf(64, 2, 2);
        GradCheck.Assert(x => { var (h1, c1) = Tensor.LstmCell(x[0], x[1], x[2]); return Joined(h1 * 1.5, c1); }, [xg, hg, c], name: "LstmCell");
        GradCheck.Assert(x => { var (h1, _) = Tensor.LstmCell(x[0], x[1], x[2]); return h1; }, [xg, hg, c], name: "LstmCell h only");
        Tensor<double> xr = Leaf(65, 2, 6), hr = Leaf(66, 2, 6);
        GradCheck.Assert(x => Tensor.GruCell(x[0], x[1], x[2]), [xr, hr, c], name: "GruCell");
    }

    [Fact]
    public void FusedBackwardEqualsTheCompositeRule()
    {
        // Oracle: the composite rule (differentiable ops, taken under createGraph) and the fused kernel (plain backward)
        // compute the same derivative.
        var g = new Generator(67);
        Tensor<double> xg = Leaf(68, 3, 8), hg = Leaf(69, 3, 8), c = Leaf(70, 3, 2);
        var v = Tensor.Randn<double>([2, 3], g).Transpose(0, 1);
        Tensor<double> Out() { var (h1, c1) = Tensor.LstmCell(xg, hg, c); return h1 * v + c1 * c1; }
        var plain = Tensor.Grad([Out().Sum()], [xg, hg, c]);
        var composite = Tensor.Grad([Out().Sum()], [xg, hg, c], createGraph: true);
        for (int i = 0; i < 3; i++) Close(composite[i].Detach(), plain[i], 1e-14);
        Tensor<double> xr = Leaf(71, 3, 6), hr = Leaf(72, 3, 6);
        Tensor<double> Gru() => Tensor.GruCell(xr, hr, c) * v;
        var plainGru = Tensor.Grad([Gru().Sum()], [xr, hr, c]);
        var compositeGru = Tensor.Grad([Gru().Sum()], [xr, hr, c], createGraph: true);
        for (int i = 0; i < 3; i++) Close(compositeGru[i].Detach(), plainGru[i], 1e-14);
    }

    private static Tensor<float> Single(Tensor<double> t) => Tensor.FromArray(t.ToArray().Select(v => (float)v).ToArray(), [.. t.Shape]);

    [Theory]
    [InlineData(16)]
    [InlineData(40)]
    public void WholeVectorsAndAPaddedTailMatchTheFormulas(int hidden)
    {
        // The small cases above never fill a vector; hidden 16 fills whole 512-bit float vectors and 40 ends in a partial
        // one (16 + 16 + 8 floats, 8·5 doubles), so the vector blocks, the padded tail and the backward's scalar tail run.
        // Oracles: LstmByHand/GruByHand in double for the forward (float within 2·10⁻⁶, double 10⁻¹⁴), and the composite
        // rule (differentiable ops under createGraph) for the fused backward.
        var g = new Generator(73 + (ulong)hidden);
        Tensor<double> xg = Tensor.Randn<double>([3, 4 * hidden], g), hg = Tensor.Randn<double>([3, 4 * hidden], g), c = Tensor.Randn<double>([3, hidden], g);
        var (eh, ec) = LstmByHand(xg.ToArray(), hg.ToArray(), c.ToArray(), 3, hidden);
        var (h1, c1) = Tensor.LstmCell(xg, hg, c);
        Close(Tensor.FromArray(eh, [3, hidden]), h1, 1e-14);
        Close(Tensor.FromArray(ec, [3, hidden]), c1, 1e-14);
        var (fh, fc) = Tensor.LstmCell(Single(xg), Single(hg), Single(c));
        for (int i = 0; i < eh.Length; i++)
        {
            Assert.Equal(eh[i], fh.ToArray()[i], 2e-6);
            Assert.Equal(ec[i], fc.ToArray()[i], 2e-6);
        }
        Tensor<double> xr = Tensor.Randn<double>([3, 3 * hidden], g), hr = Tensor.Randn<double>([3, 3 * hidden], g);
        var eg = GruByHand(xr.ToArray(), hr.ToArray(), c.ToArray(), 3, hidden);
        Close(Tensor.FromArray(eg, [3, hidden]), Tensor.GruCell(xr, hr, c), 1e-14);
        var fg = Tensor.GruCell(Single(xr), Single(hr), Single(c)).ToArray();
        for (int i = 0; i < eg.Length; i++) Assert.Equal(eg[i], fg[i], 2e-6);

        Tensor<double> lx = Leaf(74, 3, 4 * hidden), lh = Leaf(75, 3, 4 * hidden), lc = Leaf(76, 3, hidden);
        var v = Tensor.Randn<double>([3, hidden], g);
        Tensor<double> Lstm() { var (h, cc) = Tensor.LstmCell(lx, lh, lc); return h * v + cc * cc; }
        var plain = Tensor.Grad([Lstm().Sum()], [lx, lh, lc]);
        var composite = Tensor.Grad([Lstm().Sum()], [lx, lh, lc], createGraph: true);
        for (int i = 0; i < 3; i++) Close(composite[i].Detach(), plain[i], 1e-14);
        Tensor<double> gx = Leaf(77, 3, 3 * hidden), gh = Leaf(78, 3, 3 * hidden);
        Tensor<double> Gru() => Tensor.GruCell(gx, gh, lc) * v;
        var plainGru = Tensor.Grad([Gru().Sum()], [gx, gh, lc]);
        var compositeGru = Tensor.Grad([Gru().Sum()], [gx, gh, lc], createGraph: true);
        for (int i = 0; i < 3; i++) Close(compositeGru[i].Detach(), plainGru[i], 1e-14);
    }

    [Fact]
    public void BadShapesNameTheOp()
    {
        // Oracle: the error texts required by the style guide.
        var c = Tensor.Zeros<double>(2, 3);
        Assert.Equal("LstmCell: gates must both be [N, 4·H] = [2, 12] for c of shape [2, 3], got [2, 12] and [2, 9]",
            Assert.Throws<ArgumentException>(() => Tensor.LstmCell(Tensor.Zeros<double>(2, 12), Tensor.Zeros<double>(2, 9), c)).Message);
        Assert.Equal("GruCell: h must be [N, H], got shape [3]",
            Assert.Throws<ArgumentException>(() => Tensor.GruCell(Tensor.Zeros<double>(1, 9), Tensor.Zeros<double>(1, 9), Tensor.Zeros<double>(3))).Message);
    }
}
