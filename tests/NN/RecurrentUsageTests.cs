using Autograd.NN;
using static Autograd.Tests.NN.RecurrentTestHelpers;

namespace Autograd.Tests.NN;

/// <summary>Recurrent layers as used in training: truncated BPTT, dropout, composition, the issue's surface, bad input.</summary>
public class RecurrentUsageTests
{
    [Fact]
    public void TruncatedBpttGivesTheGradientOfTheLastChunkOnly()
    {
        // Oracle: a central finite difference of the last chunk's loss with the carried state held at its value (which is
        // what detaching means), element by element of W_hh; and, to show the test can tell, the full sequence's finite
        // difference (state not held) differs from it.
        var lstm = new LSTM<double>(2, 2, new Generator(51));
        var x = Tensor.Randn<double>([6, 1, 2], new Generator(52));
        Tensor<double> x1 = x.Narrow(0, 0, 3).Contiguous(), x2 = x.Narrow(0, 3, 3).Contiguous();
        x1.RequiresGrad = true;
        var weightHh = lstm.AllWeights[0][1];
        var (_, (h1, c1)) = lstm.Forward(x1);
        (Tensor<double> H, Tensor<double> C) carried = (h1.Detach(), c1.Detach());
        lstm.ZeroGrad();
        lstm.Forward(x2, carried).Output.Sum().Backward();
        Assert.Null(x1.Grad);
        var analytic = weightHh.Grad!.ToArray();
        double LastChunk() { using (Tensor.NoGrad()) return lstm.Forward(x2, carried).Output.Sum().Item(); }
        double Full() { using (Tensor.NoGrad()) return lstm.Forward(x).Output.Narrow(0, 3, 3).Sum().Item(); }
        const double eps = 1e-6;
        double largestGap = 0;
        for (int e = 0; e < analytic.Length; e++)
        {
            double saved = weightHh.AsSpan()[e];
            weightHh.AsSpan()[e] = saved + eps;
            double plus = LastChunk(), fullPlus = Full();
            weightHh.AsSpan()[e] = saved - eps;
            double minus = LastChunk(), fullMinus = Full();
            weightHh.AsSpan()[e] = saved;
            Assert.Equal((plus - minus) / (2 * eps), analytic[e], 6);
            largestGap = Math.Max(largestGap, Math.Abs((fullPlus - fullMinus) / (2 * eps) - analytic[e]));
        }
        Assert.True(largestGap > 1e-3, $"full-sequence and truncated gradients agree ({largestGap}); the test would not tell them apart");
    }

    [Fact]
    public void DropoutActsBetweenLayersInTrainingOnly()
    {
        // Oracle: with p = 1 every output of layer 0 is zeroed in training, so layer 1 sees zero input: its output equals a
        // one-layer GRU holding layer 1's weights run on zeros. In evaluation mode dropout is the identity, so the output
        // equals the same layer made with p = 0.
        var gru = new GRU<double>(2, 3, new Generator(53), numLayers: 2, dropout: 1);
        var plain = new GRU<double>(2, 3, new Generator(53), numLayers: 2);
        var top = new GRU<double>(3, 3, new Generator(54));
        for (int i = 0; i < 4; i++) Copy(top.AllWeights[0][i], gru.AllWeights[1][i]);
        var x = Tensor.Randn<double>([4, 2, 2], new Generator(55));
        Close(top.Forward(Tensor.Zeros<double>(4, 2, 3)).Output, gru.Forward(x).Output);
        gru.Eval();
        Close(plain.Forward(x).Output, gru.Forward(x).Output);
    }

    [Fact]
    public void TheIssuesSurfaceComposesInSequential()
    {
        // Oracle: the issue's minimum surface with its shapes (output [N, L, D·H] batch first, states [layers·D, N, H]);
        // a base-typed call (as Sequential makes) returns the typed call's output and runs the module's forward hooks.
        var g = new Generator(56);
        var x = Tensor.Randn<double>([2, 5, 3], g);
        var lstm = new LSTM<double>(inputSize: 3, hiddenSize: 4, generator: g, numLayers: 2, batchFirst: true, bidirectional: true);
        var (output, (hN, cN)) = lstm.Forward(x);
        var (output2, (hN2, _)) = lstm.Forward(x, (hN, cN));
        Assert.Equal([2, 5, 8], output.Shape);
        Assert.Equal([4, 2, 4], hN.Shape);
        Assert.Equal([4, 2, 4], cN.Shape);
        Assert.Equal([2, 5, 8], output2.Shape);
        Assert.Equal([4, 2, 4], hN2.Shape);
        var gru = new GRU<double>(3, 4, g, numLayers: 1, batchFirst: true);
        var (gOut, gH) = gru.Forward(x);
        Assert.Equal([2, 5, 4], gOut.Shape);
        Assert.Equal([1, 2, 4], gH.Shape);
        Assert.Equal([2, 5, 4], gru.Forward(x, gH).Output.Shape);
        var rnn = new RNN<double>(3, 4, g, nonlinearity: "tanh", batchFirst: true);
        var (rOut, rH) = rnn.Forward(x);
        Assert.Equal([2, 5, 4], rOut.Shape);
        Assert.Equal([1, 2, 4], rH.Shape);

        int calls = 0;
        using var hook = lstm.RegisterForwardHook((_, _, _) => { calls++; return null; });
        var head = new Linear<double>(8, 2, g);
        var model = new Sequential<double>(lstm, head);
        Close(head.Forward(output), model.Forward(x));
        Assert.Equal(1, calls);
    }

    [Fact]
    public void FloatLayersAgreeWithDouble()
    {
        // Oracle: the double computation of the same weights; float carries about 7 digits, so the outputs (of size < 1)
        // agree within 10⁻⁵ (a tolerance, not rounding to 5 places: two values 4·10⁻⁸ apart can round apart).
        var d = new LSTM<double>(3, 4, new Generator(57), numLayers: 2, bidirectional: true);
        var f = new LSTM<float>(3, 4, new Generator(57), numLayers: 2, bidirectional: true);
        var x = Tensor.Randn<double>([5, 2, 3], new Generator(58));
        var xf = Tensor.FromArray(x.ToArray().Select(v => (float)v).ToArray(), [5, 2, 3]);
        var expected = d.Forward(x).Output.ToArray();
        var actual = f.Forward(xf).Output.ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"output {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void BadInputsNameTheLayerAndTheShapes()
    {
        // Oracle: the error texts required by the style guide.
        var g = new Generator(59);
        var lstm = new LSTM<double>(3, 4, g, numLayers: 2, batchFirst: true);
        var x = Tensor.Zeros<double>(2, 7, 3);
        Assert.Equal("LSTM: input has 5 features, expected 3 (input shape [2, 7, 5])",
            Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros<double>(2, 7, 5))).Message);
        Assert.Equal("LSTM: input must be [N, L, 3] or [L, 3] (unbatched), got shape [1, 2, 7, 3]",
            Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros<double>(1, 2, 7, 3))).Message);
        Assert.Equal("LSTM: c0 has shape [2, 2, 5], expected [2, 2, 4] (numLayers·directions, batch, hidden; input shape [2, 7, 3])",
            Assert.Throws<ArgumentException>(() => lstm.Forward(x, (Tensor.Zeros<double>(2, 2, 4), Tensor.Zeros<double>(2, 2, 5)))).Message);
        var gru = new GRU<double>(3, 4, g, bidirectional: true);
        Assert.Equal("GRU: h0 has shape [1, 7, 4], expected [2, 7, 4] (numLayers·directions, batch, hidden; input shape [2, 7, 3])",
            Assert.Throws<ArgumentException>(() => gru.Forward(x, Tensor.Zeros<double>(1, 7, 4))).Message);
        Assert.Equal("LSTM: lengths[1] = 8 is out of range 1..7 (sequence length 7, input shape [2, 7, 3])",
            Assert.Throws<ArgumentOutOfRangeException>(() => lstm.Forward(x, [7, 8])).Message.Split(" (Parameter")[0]);
        Assert.StartsWith("RNN: lengths[0] = 0 is out of range 1..2",
            Assert.Throws<ArgumentOutOfRangeException>(() => new RNN<double>(3, 4, g).Forward(x, [0, 1, 1, 1, 1, 1, 1])).Message);
        Assert.Equal("RNN: 1 lengths given for a batch of 7 (input shape [2, 7, 3])",
            Assert.Throws<ArgumentException>(() => new RNN<double>(3, 4, g).Forward(x, [2])).Message);
        Assert.Contains("RNN: unknown nonlinearity 'gelu'", Assert.Throws<ArgumentException>(() => new RNN<double>(3, 4, g, nonlinearity: "gelu")).Message);
        Assert.Contains("GRU: numLayers must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new GRU<double>(3, 4, g, numLayers: 0)).Message);
        Assert.Contains("LSTM: dropout must be in [0, 1]", Assert.Throws<ArgumentOutOfRangeException>(() => new LSTM<double>(3, 4, g, dropout: 1.5)).Message);
    }
}
