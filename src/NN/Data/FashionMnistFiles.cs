namespace Autograd.NN.Data;

/// <summary>Paths of the four Fashion-MNIST (or MNIST) IDX files.</summary>
/// <param name="TrainImages">Training images, [60000, 28, 28] unsigned bytes.</param>
/// <param name="TrainLabels">Training labels, [60000] unsigned bytes in 0..9.</param>
/// <param name="TestImages">Test images, [10000, 28, 28] unsigned bytes.</param>
/// <param name="TestLabels">Test labels, [10000] unsigned bytes in 0..9.</param>
public sealed record FashionMnistPaths(string TrainImages, string TrainLabels, string TestImages, string TestLabels);

/// <summary>
/// A loaded Fashion-MNIST data set. Images are row-major, one after another
/// (image <c>n</c> starts at <c>n * Rows * Cols</c>), with pixels scaled from 0..255 to [0, 1].
/// </summary>
/// <param name="TrainImages">Training pixels, <c>TrainCount * Rows * Cols</c> values in [0, 1].</param>
/// <param name="TrainLabels">Training class labels in 0..9.</param>
/// <param name="TestImages">Test pixels, <c>TestCount * Rows * Cols</c> values in [0, 1].</param>
/// <param name="TestLabels">Test class labels in 0..9.</param>
/// <param name="TrainCount">Number of training images.</param>
/// <param name="TestCount">Number of test images.</param>
/// <param name="Rows">Image height (28).</param>
/// <param name="Cols">Image width (28).</param>
public sealed record FashionMnistData(
    float[] TrainImages, int[] TrainLabels, float[] TestImages, int[] TestLabels,
    int TrainCount, int TestCount, int Rows, int Cols);

/// <summary>
/// Finds and loads the four standard Fashion-MNIST files
/// (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>,
/// <c>t10k-labels-idx1-ubyte</c>, each optionally gzip-compressed with a <c>.gz</c> suffix),
/// checking that image and label counts agree, labels lie in 0..9, and images are 28×28.
/// </summary>
public static class FashionMnistFiles
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the (gzip) files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Image height and width of (Fashion-)MNIST.</summary>
    public const int Side = 28;

    /// <summary>Number of classes; labels lie in 0..<c>Classes - 1</c>.</summary>
    public const int Classes = 10;

    /// <summary>
    /// Looks for the four files in <paramref name="directory"/>. For each one it accepts, in this
    /// order, <c>name</c>, <c>name.gz</c>, and the dotted variant some mirrors use
    /// (<c>train-images.idx3-ubyte</c>) with or without <c>.gz</c>.
    /// </summary>
    /// <param name="directory">Directory to search.</param>
    /// <param name="paths">The paths found, or null when any file is missing.</param>
    /// <param name="message">Empty on success; otherwise which files are missing and how to get them.</param>
    /// <returns>True when all four files were found.</returns>
    public static bool TryFind(string directory, out FashionMnistPaths? paths, out string message)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var missing = new List<string>();
        string? Find(string stem, string kind)
        {
            string[] candidates = [$"{stem}-{kind}", $"{stem}-{kind}.gz", $"{stem}.{kind}", $"{stem}.{kind}.gz"];
            foreach (string name in candidates)
            {
                string candidate = Path.Combine(directory, name);
                if (File.Exists(candidate)) return candidate;
            }
            missing.Add($"{stem}-{kind}[.gz]");
            return null;
        }

        string? trainImages = Find("train-images", "idx3-ubyte");
        string? trainLabels = Find("train-labels", "idx1-ubyte");
        string? testImages = Find("t10k-images", "idx3-ubyte");
        string? testLabels = Find("t10k-labels", "idx1-ubyte");
        if (trainImages is null || trainLabels is null || testImages is null || testLabels is null)
        {
            paths = null;
            string where = Directory.Exists(directory) ? $"in {directory}" : $"because directory {directory} does not exist";
            message = $"Fashion-MNIST files missing {where}: {string.Join(", ", missing)}. "
                + $"On Debian/Ubuntu run `apt-get install dataset-fashion-mnist` (installs them in {DebianDirectory}), "
                + "or download the four .gz files from https://github.com/zalandoresearch/fashion-mnist (data/fashion) into that directory.";
            return false;
        }
        paths = new FashionMnistPaths(trainImages, trainLabels, testImages, testLabels);
        message = "";
        return true;
    }

    /// <summary>Finds the files in <paramref name="directory"/> (see <see cref="TryFind"/>) and loads them.</summary>
    /// <exception cref="FileNotFoundException">A file is missing; the message says how to get it.</exception>
    /// <exception cref="IdxFormatException">A file is malformed or inconsistent with its partner.</exception>
    public static FashionMnistData Load(string directory)
    {
        if (!TryFind(directory, out var paths, out string message))
            throw new FileNotFoundException(message);
        return Load(paths!);
    }

    /// <summary>
    /// Loads and validates the four files: images must be unsigned-byte [n, 28, 28], labels unsigned-byte [n]
    /// with the same n and values in 0..9. Pixels are scaled by 1/255.
    /// </summary>
    /// <exception cref="IdxFormatException">A file is malformed or inconsistent with its partner.</exception>
    public static FashionMnistData Load(FashionMnistPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var (trainImages, trainLabels, trainCount) = LoadPair(paths.TrainImages, paths.TrainLabels);
        var (testImages, testLabels, testCount) = LoadPair(paths.TestImages, paths.TestLabels);
        return new FashionMnistData(trainImages, trainLabels, testImages, testLabels, trainCount, testCount, Side, Side);
    }

    private static (float[] Images, int[] Labels, int Count) LoadPair(string imagesPath, string labelsPath)
    {
        IdxArray images = IdxReader.Read(imagesPath);
        IdxArray labels = IdxReader.Read(labelsPath);
        if (images.ElementType != IdxDataType.UnsignedByte || images.Shape.Length != 3
            || images.Shape[1] != Side || images.Shape[2] != Side)
            throw new IdxFormatException(imagesPath,
                $"expected unsigned-byte images of shape [n, {Side}, {Side}], got {images.ElementType} [{string.Join(", ", images.Shape)}]");
        if (labels.ElementType != IdxDataType.UnsignedByte || labels.Shape.Length != 1)
            throw new IdxFormatException(labelsPath,
                $"expected unsigned-byte labels of shape [n], got {labels.ElementType} [{string.Join(", ", labels.Shape)}]");
        int count = images.Shape[0];
        if (labels.Shape[0] != count)
            throw new IdxFormatException(labelsPath,
                $"image/label count mismatch: {imagesPath} has {count} images but {labelsPath} has {labels.Shape[0]} labels");

        byte[] rawLabels = labels.AsBytes();
        var labelValues = new int[count];
        for (int i = 0; i < count; i++)
        {
            if (rawLabels[i] >= Classes)
                throw new IdxFormatException(labelsPath, $"label {i} is {rawLabels[i]}, outside 0..{Classes - 1}");
            labelValues[i] = rawLabels[i];
        }

        byte[] pixels = images.AsBytes();
        var scaled = new float[pixels.Length];
        // Division, not multiplication by 1/255f, so 255 maps to exactly 1 and every value is correctly rounded.
        for (int i = 0; i < pixels.Length; i++) scaled[i] = pixels[i] / 255f;
        return (scaled, labelValues, count);
    }
}
