using Autograd.Checking;
using Autograd.NN;
using static Autograd.Tests.NN.RecurrentTestHelpers;

namespace Autograd.Tests.NN;

public class RecurrentLayerTests
{
    private static RecurrentBase<double> Make(string kind, int input, int hidden, ulong seed, int numLayers = 1,
        bool batchFirst = false, bool bidirectional = false, bool bias = true) => kind switch
    {
        "lstm" => new LSTM<double>(input, hidden, new Generator(seed), numLayers, bias, batchFirst, bidirectional: bidirectional),
        "gru" => new GRU<double>(input, hidden, new Generator(seed), numLayers, bias, batchFirst, bidirectional: bidirectional),
        _ => new RNN<double>(input, hidden, new Generator(seed), numLayers, kind, bias, batchFirst, bidirectional: bidirectional),
    };

    /// <summary>(output, h_n, c_n) of any of the three layers through its typed overloads.</summary>
    private static (Tensor<double> Output, Tensor<double> H, Tensor<double>? C) Run(RecurrentBase<double> layer, Tensor<double> x,
        Tensor<double>? h0 = null, Tensor<double>? c0 = null, int[]? lengths = null)
    {
        switch (layer)
        {
            case LSTM<double> lstm:
                var (o, (h, c)) = lstm.Forward(x, h0 is null ? null : (h0, c0!), lengths);
                return (o, h, c);
            case GRU<double> gru:
                var (go, gh) = gru.Forward(x, h0, lengths);
                return (go, gh, null);
            default:
                var (ro, rh) = ((RNN<double>)layer).Forward(x, h0, lengths);
                return (ro, rh, null);
        }
    }

    /// <summary>A cell holding the weights of one layer and direction of <paramref name="layer"/>.</summary>
    private static RecurrentCellBase<double> CellOf(RecurrentBase<double> layer, int index)
    {
        var w = layer.AllWeights[index];
        int input = w[0].Shape[1], hidden = layer.HiddenSize;
        RecurrentCellBase<double> cell = layer switch
        {
            LSTM<double> => new LSTMCell<double>(input, hidden, new Generator(0), layer.HasBias),
            GRU<double> => new GRUCell<double>(input, hidden, new Generator(0), layer.HasBias),
            RNN<double> r => new RNNCell<double>(input, hidden, new Generator(0), layer.HasBias, r.Nonlinearity),
            _ => throw new ArgumentException("unknown layer"),
        };
        Copy(cell.WeightIh, w[0]);
        Copy(cell.WeightHh, w[1]);
        if (layer.HasBias)
        {
            Copy(cell.BiasIh!, w[2]);
            Copy(cell.BiasHh!, w[3]);
        }
        return cell;
    }

    private static (Tensor<double> H, Tensor<double> C) Step(RecurrentCellBase<double> cell, Tensor<double> x, Tensor<double> h, Tensor<double> c) => cell switch
    {
        LSTMCell<double> lstm => lstm.Forward(x, (h, c)),
        GRUCell<double> gru => (gru.Forward(x, h), c),
        _ => (((RNNCell<double>)cell).Forward(x, h), c),
    };

    /// <summary>
    /// The layer computed as PyTorch documents it, by a loop of cells over time-first x [L, N, in]: each layer runs its
    /// forward cell over t = 0..L−1 and its reverse cell over t = L−1..0, and the next layer reads both outputs joined.
    /// </summary>
    private static (Tensor<double> Output, Tensor<double> H, Tensor<double> C) CellLoop(RecurrentBase<double> layer, Tensor<double> x,
        Tensor<double>? h0 = null, Tensor<double>? c0 = null)
    {
        int steps = x.Shape[0], batch = x.Shape[1], d = layer.Bidirectional ? 2 : 1;
        var hn = new List<Tensor<double>>();
        var cn = new List<Tensor<double>>();
        for (int layerIndex = 0; layerIndex < layer.NumLayers; layerIndex++)
        {
            var outputs = new Tensor<double>[d][];
            for (int dir = 0; dir < d; dir++)
            {
                int k = layerIndex * d + dir;
                var cell = CellOf(layer, k);
                var h = h0?.Select(0, k) ?? Tensor.Zeros<double>(batch, layer.HiddenSize);
                var c = c0?.Select(0, k) ?? Tensor.Zeros<double>(batch, layer.HiddenSize);
                outputs[dir] = new Tensor<double>[steps];
                for (int s = 0; s < steps; s++)
                {
                    int t = dir == 0 ? s : steps - 1 - s;
                    (h, c) = Step(cell, x.Select(0, t), h, c);
                    outputs[dir][t] = h;
                }
                hn.Add(h);
                cn.Add(c);
            }
            x = Tensor.Concat([.. outputs.Select(o => Tensor.Stack(o, 0))], 2);
        }
        return (x, Tensor.Stack(hn, 0), Tensor.Stack(cn, 0));
    }

    public static TheoryData<string> Kinds => new() { "lstm", "gru", "tanh", "relu" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LayerEqualsALoopOfCells(string kind)
    {
        // Oracle: PyTorch's definition of a stacked bidirectional layer as a loop of its cells (CellLoop above), with and
        // without initial states; the cells are checked by hand in RecurrentCellTests.
        var layer = Make(kind, 3, 4, 11, numLayers: 2, bidirectional: true);
        var x = Tensor.Randn<double>([5, 2, 3], new Generator(12));
        var h0 = Tensor.Randn<double>([4, 2, 4], new Generator(13));
        var c0 = Tensor.Randn<double>([4, 2, 4], new Generator(14));
        foreach (var (h, c) in new (Tensor<double>?, Tensor<double>?)[] { (null, null), (h0, c0) })
        {
            var (output, hn, cn) = Run(layer, x, h, kind == "lstm" ? c : null);
            var expected = CellLoop(layer, x, h, c);
            Assert.Equal([5, 2, 8], output.Shape);
            Assert.Equal([4, 2, 4], hn.Shape);
            Close(expected.Output, output);
            Close(expected.H, hn);
            if (kind == "lstm") Close(expected.C, cn!);
            else Assert.Null(cn);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void BatchFirstEqualsTheTransposedTimeFirstResult(string kind)
    {
        // Oracle: batchFirst only transposes input and output ([N, L, ·] ↔ [L, N, ·]); h_n keeps [layers·D, N, H].
        var timeFirst = Make(kind, 3, 2, 21, numLayers: 2, bidirectional: true);
        var batchFirst = Make(kind, 3, 2, 21, numLayers: 2, bidirectional: true, batchFirst: true);
        var x = Tensor.Randn<double>([4, 3, 3], new Generator(22));
        var a = Run(timeFirst, x);
        var b = Run(batchFirst, x.Transpose(0, 1).Contiguous());
        Assert.Equal([3, 4, 4], b.Output.Shape);
        Close(a.Output.Transpose(0, 1).Contiguous(), b.Output.Contiguous());
        Close(a.H, b.H);
    }

    [Fact]
    public void UnbatchedSequenceEqualsABatchOfOne()
    {
        // Oracle: PyTorch's unbatched form: input [L, in] and h_0 [layers·D, H] act as a batch of one with the batch dim removed.
        var lstm = new LSTM<double>(3, 2, new Generator(23), numLayers: 2, bidirectional: true);
        var x = Tensor.Randn<double>([4, 3], new Generator(24));
        var h0 = Tensor.Randn<double>([4, 2], new Generator(25));
        var (o, (h, c)) = lstm.Forward(x, (h0, h0));
        var (ob, (hb, cb)) = lstm.Forward(x.Unsqueeze(1), (h0.Unsqueeze(1), h0.Unsqueeze(1)));
        Close(ob.Squeeze(1), o);
        Close(hb.Squeeze(1), h);
        Close(cb.Squeeze(1), c);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void VariableLengthsZeroThePaddingAndEndEachSequenceAtItsLastStep(string kind)
    {
        // Oracle: each sequence run alone, cut to its length (as a packed sequence would run it): its outputs at t < ℓ and
        // its final states equal the batched run's; outputs at t ≥ ℓ are zero. The reverse direction of the cut sequence
        // starts at its own last element.
        var layer = Make(kind, 2, 3, 31, numLayers: 2, bidirectional: true, batchFirst: true);
        int[] lengths = [5, 2, 4];
        var x = Tensor.Randn<double>([3, 5, 2], new Generator(32));
        var h0 = Tensor.Randn<double>([4, 3, 3], new Generator(33));
        var c0 = Tensor.Randn<double>([4, 3, 3], new Generator(34));
        var (output, hn, cn) = Run(layer, x, h0, kind == "lstm" ? c0 : null, lengths);
        for (int n = 0; n < 3; n++)
        {
            int l = lengths[n];
            var alone = Run(layer, x.Narrow(0, n, 1).Narrow(1, 0, l), h0.Narrow(1, n, 1), kind == "lstm" ? c0.Narrow(1, n, 1) : null);
            Close(alone.Output.Select(0, 0).Contiguous(), output.Select(0, n).Narrow(0, 0, l).Contiguous());
            if (l < 5) Assert.All(output.Select(0, n).Narrow(0, l, 5 - l).ToArray(), v => Assert.Equal(0.0, v));
            Close(alone.H.Select(1, 0).Contiguous(), hn.Select(1, n).Contiguous());
            if (kind == "lstm") Close(alone.C!.Select(1, 0).Contiguous(), cn!.Select(1, n).Contiguous());
        }
    }

    [Fact]
    public void FullLengthsChangeNothing()
    {
        // Oracle: lengths equal to L mask nothing, so the result is the plain call's.
        var gru = new GRU<double>(2, 3, new Generator(35), bidirectional: true);
        var x = Tensor.Randn<double>([4, 2, 2], new Generator(36));
        var (a, ha) = gru.Forward(x);
        var (b, hb) = gru.Forward(x, [4, 4]);
        Close(a, b);
        Close(ha, hb);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void StackedBidirectionalGradientsPassFiniteDifferences(string kind)
    {
        // Oracle: finite differences of output, h_n (and c_n) with respect to x, the initial states and every parameter,
        // for two bidirectional layers, plain and with lengths (first order).
        var layer = Make(kind, 2, 2, 41, numLayers: 2, bidirectional: true);
        var x = Leaf(42, 3, 2, 2);
        var h0 = Leaf(43, 4, 2, 2);
        var c0 = Leaf(44, 4, 2, 2);
        var parameters = layer.AllWeights.SelectMany(w => w).ToArray();
        foreach (var lengths in new[] { null, new[] { 3, 2 } })
            GradCheck.Assert(xs =>
            {
                var (o, h, c) = Run(layer, xs[0], xs[1], kind == "lstm" ? xs[2] : null, lengths);
                return c is null ? Joined(o, h) : Joined(o, h, c);
            }, [x, h0, c0, .. parameters], secondOrder: false, name: $"{kind} lengths={lengths?.Length}");
    }

    [Fact]
    public void GradientsWithoutBiasPassFiniteDifferences()
    {
        // Oracle: finite differences, first order, for a layer made with bias: false (2 tensors per layer and direction).
        var lstm = new LSTM<double>(2, 2, new Generator(45), bias: false, batchFirst: true);
        Assert.Equal(2, lstm.AllWeights[0].Count);
        GradCheck.Assert(xs => lstm.Forward(xs[0]).Output, [Leaf(46, 2, 3, 2), .. lstm.AllWeights[0]], secondOrder: false, name: "LSTM bias=false");
    }

    [Fact]
    public void ParameterShapesFollowPyTorch()
    {
        // Oracle: PyTorch's docs: weight_ih_l0 [gates·H, in], weight_ih_l{k>0} [gates·H, D·H], weight_hh [gates·H, H],
        // biases [gates·H]; gates = 4 for LSTM, 3 for GRU, 1 for RNN.
        var lstm = new LSTM<double>(inputSize: 3, hiddenSize: 4, generator: new Generator(47), numLayers: 2, batchFirst: true, bidirectional: true);
        Assert.Equal(4, lstm.AllWeights.Count);
        Assert.Equal([16, 3], lstm.AllWeights[1][0].Shape);
        Assert.Equal([16, 8], lstm.AllWeights[2][0].Shape);
        Assert.Equal([16, 4], lstm.AllWeights[3][1].Shape);
        Assert.Equal([16], lstm.AllWeights[3][3].Shape);
        Assert.Equal([9, 3], new GRU<double>(3, 3, new Generator(48)).AllWeights[0][0].Shape);
        Assert.Equal([3, 5], new RNN<double>(5, 3, new Generator(49)).AllWeights[0][0].Shape);
    }
}
