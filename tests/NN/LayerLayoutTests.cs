using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>
/// Every layer gives the same output and the same gradients (for its input and every parameter) when its input arrives
/// as a non-contiguous view of a computed tensor as when it arrives contiguous: transposed strides (xᵀ made contiguous
/// and transposed back) and rows read from an offset with twice the stride (the second half of [x, x] along the last
/// dim). Oracle: the same layer on the plain input. The op registry checks ops this way; layers add their own reshapes,
/// splits and packed parameters on top (Conv2d lost a view's gradient, silently, until recently).
/// </summary>
public class LayerLayoutTests
{
    public static TheoryData<string> Layers => new(Makers.Keys);

    /// <summary>Each layer, with the shape of the input it takes.</summary>
    private static readonly Dictionary<string, Func<(Module<double> Layer, int[] Input)>> Makers = new()
    {
        ["Linear"] = () => (new Linear<double>(5, 3, new Generator(1)), [2, 4, 5]),
        ["Conv2d"] = () => (new Conv2d<double>(2, 3, 3, new Generator(2), padding: 1), [2, 2, 5, 4]),
        ["ConvTranspose2d"] = () => (new ConvTranspose2d<double>(2, 3, 3, new Generator(10), stride: 2, padding: 1, outputPadding: 1), [2, 2, 3, 4]),
        ["Conv2d groups"] = () => (new Conv2d<double>(4, 2, 3, new Generator(3), stride: 2, groups: 2), [1, 4, 5, 6]),
        ["MaxPool2d"] = () => (new MaxPool2d<double>(2), [1, 2, 4, 6]),
        ["AvgPool2d"] = () => (new AvgPool2d<double>(2, 1, 1), [1, 2, 4, 3]),
        ["BatchNorm2d"] = () => (new BatchNorm2d<double>(2), [3, 2, 3, 4]),
        ["BatchNorm1d"] = () => (new BatchNorm1d<double>(4), [5, 4]),
        ["LayerNorm"] = () => (new LayerNorm<double>(6), [2, 3, 6]),
        ["GELU"] = () => (new GELU<double>(), [3, 7]),
        ["Softmax"] = () => (new Softmax<double>(-1), [3, 5]),
        ["Flatten"] = () => (new Flatten<double>(), [2, 3, 4]),
        ["LSTM"] = () => (new LSTM<double>(4, 3, new Generator(4), numLayers: 2, batchFirst: true, bidirectional: true), [2, 5, 4]),
        ["GRU"] = () => (new GRU<double>(4, 3, new Generator(5), batchFirst: false), [5, 2, 4]),
        ["RNN"] = () => (new RNN<double>(4, 3, new Generator(6), nonlinearity: "relu", batchFirst: true), [2, 5, 4]),
        ["MultiheadAttention"] = () => (new MultiheadAttention<double>(4, 2, new Generator(7), batchFirst: true), [2, 5, 4]),
        ["TransformerEncoderLayer"] = () => (new TransformerEncoderLayer<double>(4, 2, new Generator(8), dimFeedforward: 8, dropout: 0, activation: "gelu",
            batchFirst: true, normFirst: true), [2, 5, 4]),
    };

    private static readonly Func<Tensor<double>, Tensor<double>>[] Views =
    [
        t => t.MT.Contiguous().MT,
        t => Tensor.Concat([t, t], t.Rank - 1).Narrow(t.Rank - 1, t.Shape[^1], t.Shape[^1]),
    ];

    [Theory, MemberData(nameof(Layers))]
    public void AViewInputGivesTheSameOutputAndGradients(string name)
    {
        foreach (var view in Views)
        {
            var (layer, shape) = Makers[name]();
            var parameters = layer.Parameters().ToArray();
            var values = ModuleGradCheck.Input(9, shape).ToArray();
            (double[] Output, double[][] Grads) Run(Func<Tensor<double>, Tensor<double>> present)
            {
                var x = Tensor.FromArray(values, shape, requiresGrad: true);
                var y = layer.Forward(present(x));
                // One upstream gradient, cos(i + 1) at element i, so that no output element is left out.
                var upstream = Tensor.FromArray(Enumerable.Range(0, y.NumElements).Select(i => Math.Cos(i + 1)).ToArray(), [.. y.Shape]);
                var grads = Tensor.Grad([(y * upstream).Sum()], [x, .. parameters], gradOutputs: null, allowUnused: true);
                return (y.ToArray(), [.. grads.Select(g => g.ToArray())]);
            }
            var (expected, expectedGrads) = Run(t => t);
            var (actual, actualGrads) = Run(view);
            AttentionReference.Close(expected, actual, 1e-12);
            for (int k = 0; k < expectedGrads.Length; k++) AttentionReference.Close(expectedGrads[k], actualGrads[k], 1e-12);
        }
    }
}
