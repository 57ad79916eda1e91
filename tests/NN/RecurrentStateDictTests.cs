using Autograd.NN;
using static Autograd.Tests.NN.RecurrentTestHelpers;

namespace Autograd.Tests.NN;

/// <summary>The recurrent layers' state dicts carry PyTorch's names, order and layouts.</summary>
public class RecurrentStateDictTests
{
    [Fact]
    public void StackedBidirectionalKeysArePyTorchs()
    {
        // Oracle: PyTorch's nn.LSTM docs (attributes weight_ih_l[k], weight_hh_l[k], bias_ih_l[k], bias_hh_l[k], with the
        // suffix _reverse for the backward direction), listed per layer, forward direction first, in that order; shapes
        // [4H, in] for layer 0 and [4H, 2H] above it, [4H, H], [4H].
        var lstm = new LSTM<double>(inputSize: 3, hiddenSize: 4, generator: new Generator(81), numLayers: 2, batchFirst: true, bidirectional: true);
        string[] expected =
        [
            "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
            "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
            "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
            "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
        ];
        var state = lstm.StateDict();
        Assert.Equal(expected, state.Keys.ToArray());
        Assert.Equal([16, 3], state["weight_ih_l0_reverse"].Shape);
        Assert.Equal([16, 8], state["weight_ih_l1"].Shape);
        Assert.Equal([16, 4], state["weight_hh_l1_reverse"].Shape);
        Assert.Equal([16], state["bias_hh_l1"].Shape);
        Assert.Equal(expected, lstm.NamedParameters().Select(p => p.Name).ToArray());
        // The parameters are the tensors the layer computes with.
        Assert.Same(lstm.AllWeights[3][1], lstm.NamedParameters().Single(p => p.Name == "weight_hh_l1_reverse").Parameter);
    }

    [Fact]
    public void KeysWithoutBiasAndOfCellsAndNestedLayersArePyTorchs()
    {
        // Oracle: PyTorch's docs: bias=False drops the bias_* entries; RNNCell, LSTMCell and GRUCell have weight_ih,
        // weight_hh, bias_ih, bias_hh; a layer inside Sequential is prefixed with its position.
        var g = new Generator(82);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"],
            new GRU<double>(3, 4, g, numLayers: 2, bias: false).StateDict().Keys.ToArray());
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"],
            new RNN<double>(3, 4, g, nonlinearity: "relu").StateDict().Keys.ToArray());
        foreach (Module<double> cell in new Module<double>[] { new RNNCell<double>(3, 4, g), new LSTMCell<double>(3, 4, g), new GRUCell<double>(3, 4, g) })
            Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], cell.StateDict().Keys.ToArray());
        var model = new Sequential<double>(new LSTM<double>(3, 4, g), new Linear<double>(4, 2, g));
        Assert.Equal(["0.weight_ih_l0", "0.weight_hh_l0", "0.bias_ih_l0", "0.bias_hh_l0", "1.weight", "1.bias"], model.StateDict().Keys.ToArray());
    }

    [Fact]
    public void AStateDictLoadedByNameGivesTheHandComputedOutput()
    {
        // Oracle: the hand computations of RecurrentCellTests, now loaded by PyTorch's names into one-layer layers:
        // GRU (rows r, z, n) with weight_ih_l0 = [0.1, 0.2, 0.3]ᵀ, weight_hh_l0 = [0.5, −0.5, 2]ᵀ, bias_ih_l0 = 0,
        // bias_hh_l0 = [0, 0, 1], x = 1, h0 = 0.5: h' = 0.7050977684310594.
        // LSTM (rows i, f, g, o) with weight_ih_l0 = [0.1, 0.2, 0.3, 0.4]ᵀ, weight_hh_l0 = [0.5, −0.5, 0.25, −0.25]ᵀ,
        // zero biases, x = 1, h0 = 1, c0 = 0.5: c' = 0.5359427723426128, h' = 0.2632926090357052.
        var gru = new GRU<double>(1, 1, new Generator(83));
        gru.LoadStateDict(new Dictionary<string, Tensor<double>>
        {
            ["weight_ih_l0"] = Tensor.FromArray([0.1, 0.2, 0.3], [3, 1]),
            ["weight_hh_l0"] = Tensor.FromArray([0.5, -0.5, 2], [3, 1]),
            ["bias_ih_l0"] = Tensor.FromArray([0.0, 0, 0]),
            ["bias_hh_l0"] = Tensor.FromArray([0.0, 0, 1]),
        });
        var (output, h) = gru.Forward(Tensor.FromArray([1.0], [1, 1, 1]), Tensor.FromArray([0.5], [1, 1, 1]));
        Assert.Equal(0.7050977684310594, output.Item(), 12);
        Assert.Equal(0.7050977684310594, h.Item(), 12);

        var lstm = new LSTM<double>(1, 1, new Generator(84));
        lstm.LoadStateDict(new Dictionary<string, Tensor<double>>
        {
            ["weight_ih_l0"] = Tensor.FromArray([0.1, 0.2, 0.3, 0.4], [4, 1]),
            ["weight_hh_l0"] = Tensor.FromArray([0.5, -0.5, 0.25, -0.25], [4, 1]),
            ["bias_ih_l0"] = Tensor.Zeros<double>(4),
            ["bias_hh_l0"] = Tensor.Zeros<double>(4),
        });
        var (_, (hN, cN)) = lstm.Forward(Tensor.FromArray([1.0], [1, 1, 1]), (Tensor.FromArray([1.0], [1, 1, 1]), Tensor.FromArray([0.5], [1, 1, 1])));
        Assert.Equal(0.5359427723426128, cN.Item(), 12);
        Assert.Equal(0.2632926090357052, hN.Item(), 12);
    }

    [Fact]
    public void ALoadedStateDictReproducesTheSourceLayer()
    {
        // Oracle: a layer's output is a function of its parameters only, so a second layer (other seed) loaded with the
        // first one's state dict gives the same output; a wrong shape is refused naming the key.
        var a = new LSTM<double>(3, 4, new Generator(85), numLayers: 2, bidirectional: true);
        var b = new LSTM<double>(3, 4, new Generator(86), numLayers: 2, bidirectional: true);
        var x = Tensor.Randn<double>([5, 2, 3], new Generator(87));
        b.LoadStateDict(a.StateDict());
        Close(a.Forward(x).Output, b.Forward(x).Output);
        var wrong = a.StateDict();
        wrong["weight_hh_l1"] = Tensor.Zeros<double>(16, 5);
        Assert.Contains("size mismatch for 'weight_hh_l1'", Assert.Throws<ArgumentException>(() => b.LoadStateDict(wrong)).Message);
    }

    [Fact]
    public void RegisteredParametersGetGradientsAndTrain()
    {
        // Oracle: finite differences of the layer with respect to its input and Module.Parameters() (the registered
        // weights), first order; Freeze clears RequiresGrad on all of them.
        var gru = new GRU<double>(2, 2, new Generator(88), numLayers: 2, bidirectional: true);
        Assert.Equal(16, gru.Parameters().Count());
        ModuleGradCheck.Assert(gru, ModuleGradCheck.Input(89, 3, 1, 2), secondOrder: false);
        gru.Freeze();
        Assert.All(gru.Parameters(), p => Assert.False(p.RequiresGrad));
    }
}
