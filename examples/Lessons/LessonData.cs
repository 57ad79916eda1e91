using Autograd;
using Autograd.NN.Data;

namespace Lessons;

/// <summary>Images for a lesson: 28×28 pixels each, normalised with Fashion-MNIST's mean and std.</summary>
/// <param name="Images">Pixels, image n at n·784.</param>
/// <param name="Labels">Class labels in 0..9.</param>
public sealed record ImageSet(float[] Images, int[] Labels)
{
    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The images as a tensor of shape [count, 1, 28, 28].</summary>
    public Tensor<float> Tensor() => Autograd.Tensor.FromArray(Images, [Count, 1, 28, 28]);

    /// <summary>The images whose labels satisfy <paramref name="keep"/>, with labels mapped by <paramref name="relabel"/>.</summary>
    public ImageSet Where(Func<int, bool> keep, Func<int, int> relabel)
    {
        var index = Enumerable.Range(0, Count).Where(i => keep(Labels[i])).ToArray();
        return new ImageSet([.. index.SelectMany(i => Images.AsSpan(i * 784, 784).ToArray())], [.. index.Select(i => relabel(Labels[i]))]);
    }

    /// <summary>A classification data set of shape [1, 28, 28] per image.</summary>
    public ArrayDataset<float> Dataset() => ArrayDataset<float>.Classification(Images, [1, 28, 28], Labels);
}

/// <summary>Loads a Fashion-MNIST subset, or the synthetic stand-in when the files are missing.</summary>
public static class LessonData
{
    /// <summary>
    /// The first <paramref name="train"/> training and <paramref name="test"/> test images of Fashion-MNIST from
    /// <paramref name="directory"/>; without the files (or with <paramref name="directory"/> null) the synthetic bars of the
    /// FashionMnist example, with a message that says so.
    /// </summary>
    public static (ImageSet Train, ImageSet Test, string Source) Load(string? directory, int train, int test, ulong seed = 1)
    {
        FashionMnistData data;
        string source, message = "";
        if (directory is not null && FashionMnistFiles.TryFind(directory, out _, out message))
        {
            data = FashionMnistFiles.Load(directory);
            source = $"Fashion-MNIST from {directory} ({train} training and {test} test images)";
        }
        else
        {
            data = FashionMnist.SyntheticData.Create(train, test, seed);
            source = (directory is null ? "" : message + " ") + "Using the synthetic stand-in (10 classes of oriented bars) instead.";
        }
        return (Take(data.TrainImages, data.TrainLabels, train), Take(data.TestImages, data.TestLabels, test), source);
    }

    private static ImageSet Take(float[] images, int[] labels, int count)
    {
        count = Math.Min(count, labels.Length);
        // Fashion-MNIST pixel statistics (mean 0.2860, std 0.3530 over the training set).
        var pixels = images.AsSpan(0, count * 784).ToArray();
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (pixels[i] - 0.2860f) / 0.3530f;
        return new ImageSet(pixels, labels[..count]);
    }
}
