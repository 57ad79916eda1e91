using Autograd.Checking;
using Autograd.Kernels;

namespace Autograd.Tests.NN;

/// <summary>The whole-sequence ops <see cref="Tensor.LstmSequence"/> and <see cref="Tensor.GruSequence"/>.</summary>
public class RecurrentSequenceOpTests
{
    /// <summary>
    /// The per-step composition the sequence ops replace: for each step the hidden projection h·W_hhᵀ + b_hh (Linear)
    /// and the fused cell, outputs stacked in time order. Returns (outputs, last h, last c).
    /// </summary>
    private static (Tensor<float> Output, Tensor<float> H, Tensor<float>? C) Steps(bool lstm, Tensor<float> xg, Tensor<float> h0,
        Tensor<float> c0, Tensor<float> w, Tensor<float> b, bool reverse)
    {
        int steps = xg.Shape[0];
        var outputs = new Tensor<float>[steps];
        Tensor<float> h = h0, c = c0;
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var hp = h.Linear(w, b);
            if (lstm) (h, c) = Tensor.LstmCell(xg.Select(0, t), hp, c);
            else h = Tensor.GruCell(xg.Select(0, t), hp, h);
            outputs[t] = h;
        }
        return (Tensor.Stack(outputs, 0), h, lstm ? c : null);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(false, true)]
    public void EqualsThePerStepCompositionForwardAndBackward(bool lstm, bool reverse)
    {
        // Oracle: the per-step composition above (Linear + LstmCell/GruCell, each checked on its own). 64 rows of 130
        // features: large enough that the cells split over the cores, and 130 leaves a tail after whole vectors.
        const int steps = 3, rows = 64, hidden = 130;
        int gates = lstm ? 4 : 3;
        var g = new Generator(lstm ? 71UL : 72UL);
        Tensor<float> Leaf(params int[] shape) { var t = (Tensor.Randn<float>(shape, g) * 0.3f).Detach(); t.RequiresGrad = true; return t; }
        Tensor<float> xg = Leaf(steps, rows, gates * hidden), h0 = Leaf(rows, hidden), c0 = Leaf(rows, hidden);
        Tensor<float> w = Leaf(gates * hidden, hidden), b = Leaf(gates * hidden);
        Tensor<float>[] inputs = lstm ? [xg, h0, c0, w, b] : [xg, h0, w, b];
        var weights = Tensor.Randn<float>([steps, rows, hidden], g);

        (Tensor<float> Output, Tensor<float> H, Tensor<float>? C) fused;
        if (lstm) { var r = Tensor.LstmSequence(xg, h0, c0, w, b, reverse); fused = (r.Output, r.H, r.C); }
        else { var r = Tensor.GruSequence(xg, h0, w, b, reverse); fused = (r.Output, r.H, null); }
        var expected = Steps(lstm, xg, h0, c0, w, b, reverse);
        AssertClose(expected.Output, fused.Output, "output");
        AssertClose(expected.H, fused.H, "last h");
        if (lstm) AssertClose(expected.C!, fused.C!, "last c");

        // A loss that reaches every output, the last h and the last c.
        Tensor<float> Loss((Tensor<float> Output, Tensor<float> H, Tensor<float>? C) r) =>
            (r.Output * weights).Sum() + (r.H * r.H).Sum() + (r.C is null ? Tensor.Scalar(0f) : r.C.Sum() * 0.5f);
        var got = Tensor.Grad([Loss(fused)], inputs);
        var want = Tensor.Grad([Loss(expected)], inputs);
        for (int i = 0; i < inputs.Length; i++) AssertClose(want[i]!, got[i]!, $"gradient of input {i}");
    }

    [Fact]
    public void GradientsPassFiniteDifferencesFirstAndSecondOrder()
    {
        // Oracle: finite differences; first order runs the fused backward, second order the composite rule (createGraph).
        var g = new Generator(73);
        Tensor<double> Leaf(params int[] shape) => Tensor.Randn<double>(shape, g, requiresGrad: true);
        Tensor<double> xg = Leaf(3, 2, 8), h0 = Leaf(2, 2), c0 = Leaf(2, 2), w = Leaf(8, 2), b = Leaf(8);
        GradCheck.Assert(x =>
        {
            var (output, _, c) = Tensor.LstmSequence(x[0], x[1], x[2], x[3], x[4], reverse: true);
            return Tensor.Concat([output, c.Unsqueeze(0) * 1.5], 0);
        }, [xg, h0, c0, w, b], name: "LstmSequence reverse");
        Tensor<double> xr = Leaf(3, 2, 6), wr = Leaf(6, 2);
        GradCheck.Assert(x => Tensor.GruSequence(x[0], x[1], x[2], null).Output, [xr, h0, wr], name: "GruSequence without bias");
    }

    [Fact]
    public void OneAndTwoThreadsGiveTheSameBits()
    {
        // Oracle: with two threads the batch rows are split into blocks that each core takes through every step; with
        // one, the rows run whole. Every element is computed by the same arithmetic either way.
        var g = new Generator(74);
        Tensor<float> Leaf(params int[] shape) { var t = (Tensor.Randn<float>(shape, g) * 0.3f).Detach(); t.RequiresGrad = true; return t; }
        Tensor<float> xg = Leaf(4, 40, 4 * 48), h0 = Leaf(40, 48), c0 = Leaf(40, 48), w = Leaf(4 * 48, 48), b = Leaf(4 * 48);
        Tensor<float> xr = Leaf(4, 40, 3 * 48), wr = Leaf(3 * 48, 48), br = Leaf(3 * 48);
        float[][] Run()
        {
            var (output, _, c) = Tensor.LstmSequence(xg, h0, c0, w, b);
            var gru = Tensor.GruSequence(xr, h0, wr, br, reverse: true).Output;
            var grads = Tensor.Grad([(output * output).Sum() + c.Sum() + (gru * gru).Sum()], [xg, h0, c0, w, b, xr, wr, br]);
            return [output.ToArray(), gru.ToArray(), .. grads.Select(t => t.ToArray())];
        }
        Tests.Kernels.WorkersTests.AssertSameBitsOnOneAndTwoThreads(Run);
    }

    [Fact]
    public void TheBackwardUsesTheWeightsOfTheForward()
    {
        // Oracle: the same forward and backward without the change. W_hh is packed into private copies at the forward,
        // so changing it in place before the backward (as an optimizer step between them would) changes no gradient.
        var g = new Generator(75);
        Tensor<double> Leaf(params int[] shape) => Tensor.Randn<double>(shape, g, requiresGrad: true);
        Tensor<double> xg = Leaf(3, 40, 4 * 40), h0 = Leaf(40, 40), c0 = Leaf(40, 40), w = Leaf(4 * 40, 40), b = Leaf(4 * 40);
        Tensor<double>[] Grads(bool change)
        {
            var (output, _, c) = Tensor.LstmSequence(xg, h0, c0, w, b);
            var loss = (output * output).Sum() + c.Sum();
            if (change) using (Tensor.NoGrad()) w.MulInPlace(3.0);
            var grads = Tensor.Grad([loss], [xg, h0, c0, w, b]);
            if (change) using (Tensor.NoGrad()) w.MulInPlace(1 / 3.0);
            return grads;
        }
        var expected = Grads(change: false);
        var actual = Grads(change: true);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].ToArray(), actual[i].ToArray());
    }

    [Fact]
    public void ABackwardAfterItsScopeEndedThrows()
    {
        // Oracle: TensorScope's contract: what an op made inside a scope (here the saved state and packed weights) is not
        // readable after it ended; the backward must throw rather than read recycled buffers.
        var g = new Generator(76);
        Tensor<float> xg = Tensor.Randn<float>([2, 8, 4 * 16], g, requiresGrad: true), w = Tensor.Randn<float>([4 * 16, 16], g, requiresGrad: true);
        var state = Tensor.Zeros<float>(8, 16);
        Tensor<float> loss;
        using (Tensor.Scope("recurrent")) loss = Tensor.LstmSequence(xg, state, state, w, null).Output.Sum().Keep();
        Assert.Throws<InvalidOperationException>(() => loss.Backward());
    }

    [Fact]
    public void BadShapesNameTheOpAndTheShapes()
    {
        // Oracle: the documented shapes, gates [L, N, G·H], states [N, H], W_hh [G·H, H], b_hh [G·H].
        var xg = Tensor.Zeros<float>(2, 3, 8);
        var state = Tensor.Zeros<float>(3, 2);
        var w = Tensor.Zeros<float>(8, 2);
        var e = Assert.Throws<ArgumentException>(() => Tensor.LstmSequence(xg, Tensor.Zeros<float>(4, 2), state, w, null));
        Assert.Contains("LstmSequence: h0 must be [N, H] = [3, 2], got shape [4, 2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.LstmSequence(xg, state, state, Tensor.Zeros<float>(6, 2), null));
        Assert.Contains("LstmSequence: weightHh must be [4·H, H], got shape [6, 2]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.GruSequence(xg, state, Tensor.Zeros<float>(6, 2), null));
        Assert.Contains("GruSequence: inputGates must be [L ≥ 1, N, 6] for H = 2, got shape [2, 3, 8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.LstmSequence(xg, state, state, w, Tensor.Zeros<float>(6)));
        Assert.Contains("LstmSequence: biasHh must be [8], got shape [6]", e.Message);
    }

    private static void AssertClose(Tensor<float> expected, Tensor<float> actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4f * (1 + Math.Abs(e[i])), $"{what}[{i}]: expected {e[i]}, got {a[i]}");
    }
}
