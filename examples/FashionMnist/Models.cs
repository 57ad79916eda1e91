using Autograd;
using Autograd.NN;

namespace FashionMnist;

internal static class Models
{
    /// <summary>The model named by --model: "mlp", "cnn" or "lstm".</summary>
    public static Module<float> Create(string name, Generator g) => name switch
    {
        "mlp" => Mlp(g),
        "cnn" => Cnn(g),
        "lstm" => new RowLstm(g),
        _ => throw new ArgumentException($"unknown model '{name}'"),
    };

    /// <summary>784-256-128-10 perceptron with ReLU and dropout.</summary>
    public static Module<float> Mlp(Generator g) => new Sequential<float>(
        new Flatten<float>(),
        new Linear<float>(784, 256, g), new ReLU<float>(), new Dropout<float>(0.2, g),
        new Linear<float>(256, 128, g), new ReLU<float>(), new Dropout<float>(0.2, g),
        new Linear<float>(128, 10, g));

    /// <summary>Two conv + batch norm + max-pool stages, then a 128-unit classifier head.</summary>
    public static Module<float> Cnn(Generator g) => new Sequential<float>(
        new Conv2d<float>(1, 32, 3, g, padding: 1), new BatchNorm2d<float>(32), new ReLU<float>(), new MaxPool2d<float>(2),
        new Conv2d<float>(32, 64, 3, g, padding: 1), new BatchNorm2d<float>(64), new ReLU<float>(), new MaxPool2d<float>(2),
        new Flatten<float>(),
        new Linear<float>(64 * 7 * 7, 128, g), new ReLU<float>(), new Dropout<float>(0.3, g),
        new Linear<float>(128, 10, g));
}

/// <summary>
/// Sequential Fashion-MNIST: the image read row by row, 28 steps of 28 pixels, by an LSTM with 128 hidden units; a
/// linear head classifies its last hidden state h_28.
/// </summary>
internal sealed class RowLstm(Generator g) : Module<float>
{
    private readonly LSTM<float> _lstm = new(inputSize: 28, hiddenSize: 128, generator: g, batchFirst: true);
    private readonly Linear<float> _head = new(128, 10, g);

    /// <summary>Logits [N, 10] for images [N, 1, 28, 28].</summary>
    protected override Tensor<float> ForwardCore(Tensor<float> input)
    {
        var (_, (h, _)) = _lstm.Forward(input.Reshape(input.Shape[0], 28, 28));
        return _head.Forward(h.Select(0, 0));
    }
}
