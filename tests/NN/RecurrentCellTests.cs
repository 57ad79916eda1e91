using Autograd.Checking;
using Autograd.NN;
using static Autograd.Tests.NN.RecurrentTestHelpers;

namespace Autograd.Tests.NN;

public class RecurrentCellTests
{
    [Fact]
    public void RnnCellMatchesHandComputation()
    {
        // Oracle, in = H = 1, W_ih = 0.5, W_hh = −1, b_ih = 0.1, b_hh = 0.2:
        // x = 2, h = 0.3: pre = 0.5·2 + 0.1 − 1·0.3 + 0.2 = 1.0, tanh(1) = 0.7615941559557649;
        // relu with x = −2: pre = −1 + 0.1 − 0.3 + 0.2 = −1.0 → 0, and x = 2 → 1.0.
        foreach (var nonlinearity in new[] { "tanh", "relu" })
        {
            var cell = new RNNCell<double>(1, 1, new Generator(1), nonlinearity: nonlinearity);
            Set(cell.WeightIh, 0.5);
            Set(cell.WeightHh, -1);
            Set(cell.BiasIh!, 0.1);
            Set(cell.BiasHh!, 0.2);
            var h = Tensor.FromArray([0.3], [1, 1]);
            double expected = nonlinearity == "tanh" ? 0.7615941559557649 : 1.0;
            Assert.Equal(expected, cell.Forward(Tensor.FromArray([2.0], [1, 1]), h).Item(), 12);
            if (nonlinearity == "relu") Assert.Equal(0.0, cell.Forward(Tensor.FromArray([-2.0], [1, 1]), h).Item());
        }
    }

    [Fact]
    public void LstmCellMatchesHandComputationInGateOrderIFGO()
    {
        // Oracle, in = H = 1, no bias, W_ih = [0.1, 0.2, 0.3, 0.4]ᵀ and W_hh = [0.5, −0.5, 0.25, −0.25]ᵀ in rows i, f, g, o;
        // x = 1, h = 1, c = 0.5: pre-activations i 0.6, f −0.3, g 0.55, o 0.15, so
        // i = σ(0.6) = 0.6456563062, f = σ(−0.3) = 0.4255574832, g = tanh(0.55) = 0.5005202112, o = σ(0.15) = 0.5374298453;
        // c' = f·0.5 + i·g = 0.5359427723, h' = o·tanh(c') = 0.2632926090.
        var cell = new LSTMCell<double>(1, 1, new Generator(2), bias: false);
        Set(cell.WeightIh, 0.1, 0.2, 0.3, 0.4);
        Set(cell.WeightHh, 0.5, -0.5, 0.25, -0.25);
        var (h, c) = cell.Forward(Tensor.FromArray([1.0], [1, 1]), (Tensor.FromArray([1.0], [1, 1]), Tensor.FromArray([0.5], [1, 1])));
        double i = Sigmoid(0.6), f = Sigmoid(-0.3), g = Math.Tanh(0.55), o = Sigmoid(0.15);
        Assert.Equal(f * 0.5 + i * g, c.Item(), 12);
        Assert.Equal(0.5359427723426128, c.Item(), 12);
        Assert.Equal(0.2632926090357052, h.Item(), 12);
        Assert.Null(cell.BiasIh);
    }

    [Fact]
    public void GruCellMatchesHandComputationWithResetInsideTheHiddenBias()
    {
        // Oracle, in = H = 1, W_ih = [0.1, 0.2, 0.3]ᵀ and W_hh = [0.5, −0.5, 2]ᵀ in rows r, z, n, b_ih = 0, b_hh = [0, 0, 1];
        // x = 1, h = 0.5: r = σ(0.1 + 0.25) = 0.5866175789, z = σ(0.2 − 0.25) = 0.4875026035,
        // n = tanh(0.3 + r·(2·0.5 + 1)) = tanh(0.3 + 2r) = 0.9001928007, h' = (1 − z)·n + z·0.5 = 0.7050977684.
        // Were b_hn outside the reset (n = tanh(0.3 + 1 + r·1)), h' would be (1 − z)·tanh(1.3 + r) + z/2 ≈ 0.7290.
        var cell = new GRUCell<double>(1, 1, new Generator(3));
        Set(cell.WeightIh, 0.1, 0.2, 0.3);
        Set(cell.WeightHh, 0.5, -0.5, 2);
        Set(cell.BiasIh!, 0, 0, 0);
        Set(cell.BiasHh!, 0, 0, 1);
        var h = cell.Forward(Tensor.FromArray([1.0], [1, 1]), Tensor.FromArray([0.5], [1, 1]));
        Assert.Equal(0.7050977684310594, h.Item(), 12);
        double r = Sigmoid(0.35), z = Sigmoid(-0.05);
        Assert.NotEqual((1 - z) * Math.Tanh(1.3 + r) + z * 0.5, h.Item(), 3);
    }

    [Fact]
    public void CellShapesAndUnbatchedInput()
    {
        // Oracle: PyTorch's layouts: weight_ih [gates·H, in], weight_hh [gates·H, H], biases [gates·H]; an unbatched x [in]
        // gives h' [H] equal to row 0 of the batched call; no state means zeros.
        var g = new Generator(4);
        var x = Tensor.Randn<double>([2, 3], g);
        foreach (var (cell, gates) in new (RecurrentCellBase<double>, int)[]
            { (new RNNCell<double>(3, 5, g), 1), (new LSTMCell<double>(3, 5, g), 4), (new GRUCell<double>(3, 5, g), 3) })
        {
            Assert.Equal([gates * 5, 3], cell.WeightIh.Shape);
            Assert.Equal([gates * 5, 5], cell.WeightHh.Shape);
            Assert.Equal([gates * 5], cell.BiasIh!.Shape);
            Assert.Equal([gates * 5], cell.BiasHh!.Shape);
            var batched = ((Module<double>)cell).Forward(x);
            Assert.Equal([2, 5], batched.Shape);
            var single = ((Module<double>)cell).Forward(x.Select(0, 1).Contiguous());
            Assert.Equal([5], single.Shape);
            Close(batched.Select(0, 1).Contiguous(), single);
        }
    }

    [Fact]
    public void InitialisationIsUniformWithinOneOverRootH()
    {
        // Oracle: PyTorch draws every recurrent parameter from U(−1/√H, 1/√H); H = 16 gives bound 0.25. With 64·(16 + 16)
        // + 2·64 = 2176 draws, the largest |value| is within 0.25 and above 0.24 (P(all below 0.24) = 0.96^2176 ≈ 0).
        var cell = new LSTMCell<double>(16, 16, new Generator(5));
        var values = cell.Parameters().SelectMany(p => p.ToArray()).ToArray();
        Assert.Equal(2176, values.Length);
        Assert.True(values.Max(Math.Abs) <= 0.25);
        Assert.True(values.Max(Math.Abs) > 0.24);
    }

    [Fact]
    public void CellGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, with respect to x, the state and every parameter.
        var g = new Generator(6);
        var rnn = new RNNCell<double>(2, 2, g);
        var relu = new RNNCell<double>(2, 2, g, nonlinearity: "relu");
        var gru = new GRUCell<double>(2, 2, g);
        var lstm = new LSTMCell<double>(2, 2, g);
        var x = Leaf(7, 2, 2);
        var h = Leaf(8, 2, 2);
        var c = Leaf(9, 2, 2);
        GradCheck.Assert(xs => rnn.Forward(xs[0], xs[1]), [x, h, .. rnn.Parameters()], name: "RNNCell");
        GradCheck.Assert(xs => relu.Forward(xs[0], xs[1]), [x, h, .. relu.Parameters()], secondOrder: false, name: "RNNCell relu");
        GradCheck.Assert(xs => gru.Forward(xs[0], xs[1]), [x, h, .. gru.Parameters()], name: "GRUCell");
        GradCheck.Assert(xs =>
        {
            var (h1, c1) = lstm.Forward(xs[0], (xs[1], xs[2]));
            return Joined(h1, c1);
        }, [x, h, c, .. lstm.Parameters()], name: "LSTMCell");
    }

    [Fact]
    public void BadInputsNameTheCellAndTheShapes()
    {
        // Oracle: the error texts required by the style guide.
        var g = new Generator(10);
        var lstm = new LSTMCell<double>(3, 4, g);
        Assert.Equal("LSTMCell: input has 5 features, expected 3 (input shape [2, 5])",
            Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros<double>(2, 5))).Message);
        Assert.Equal("LSTMCell: input must be [N, 3] or [3], got shape [2, 2, 3]",
            Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros<double>(2, 2, 3))).Message);
        Assert.Equal("LSTMCell: cell state c has shape [2, 5], expected [2, 4] (input shape [2, 3])",
            Assert.Throws<ArgumentException>(() => lstm.Forward(Tensor.Zeros<double>(2, 3), (Tensor.Zeros<double>(2, 4), Tensor.Zeros<double>(2, 5)))).Message);
        Assert.Equal("GRUCell: hidden state h has shape [3, 4], expected [2, 4] (input shape [2, 3])",
            Assert.Throws<ArgumentException>(() => new GRUCell<double>(3, 4, g).Forward(Tensor.Zeros<double>(2, 3), Tensor.Zeros<double>(3, 4))).Message);
        Assert.Contains("RNNCell: unknown nonlinearity 'sigmoid'",
            Assert.Throws<ArgumentException>(() => new RNNCell<double>(3, 4, g, nonlinearity: "sigmoid")).Message);
        Assert.Contains("LSTMCell: sizes must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new LSTMCell<double>(0, 4, g)).Message);
    }
}
