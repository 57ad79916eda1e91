using Autograd;
using Autograd.NN;

namespace FashionMnist;

internal static class Models
{
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
