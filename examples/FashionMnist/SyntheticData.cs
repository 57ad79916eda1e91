using Autograd.NN.Data;

namespace FashionMnist;

/// <summary>
/// A small built-in stand-in for Fashion-MNIST so the example always runs: 28×28 images of ten classes, each a
/// bar through the centre at angle 18°·class, randomly shifted, thickened and noised.
/// </summary>
internal static class SyntheticData
{
    public static FashionMnistData Create(int train, int test, ulong seed)
    {
        var gen = new Autograd.Generator(seed);
        var (trainImages, trainLabels) = Make(train, gen);
        var (testImages, testLabels) = Make(test, gen);
        return new FashionMnistData(trainImages, trainLabels, testImages, testLabels, train, test, 28, 28);
    }

    private static (float[] Images, int[] Labels) Make(int count, Autograd.Generator gen)
    {
        var images = new float[count * 784];
        var labels = new int[count];
        for (int n = 0; n < count; n++)
        {
            int label = gen.NextInt(10);
            labels[n] = label;
            double angle = Math.PI * label / 10 + (gen.NextDouble() - 0.5) * 0.15;
            double cx = 14 + (gen.NextDouble() - 0.5) * 6, cy = 14 + (gen.NextDouble() - 0.5) * 6;
            double thickness = 1 + gen.NextDouble() * 1.5;
            var image = images.AsSpan(n * 784, 784);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                {
                    double dx = x - cx, dy = y - cy;
                    double along = dx * Math.Cos(angle) + dy * Math.Sin(angle);
                    double across = -dx * Math.Sin(angle) + dy * Math.Cos(angle);
                    double v = Math.Abs(across) < thickness && Math.Abs(along) < 10 ? 0.9 : 0;
                    image[y * 28 + x] = (float)Math.Clamp(v + gen.NextNormal() * 0.1, 0, 1);
                }
        }
        return (images, labels);
    }
}
