using Autograd.NN.Data;

namespace Autograd.Tests.NN;

/// <summary>FashionMnistFiles on small generated IDX files (the class name keeps it under the "Idx" test filter).</summary>
public sealed class IdxFashionMnistFilesTests : IDisposable
{
    private const int Pixels = 28 * 28;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Image n has every pixel equal to 51·(n mod 6), so its scaled value is (n mod 6)·0.2.</summary>
    private static byte[] Images(int count)
    {
        var bytes = new byte[count * Pixels];
        for (int n = 0; n < count; n++) bytes.AsSpan(n * Pixels, Pixels).Fill((byte)(51 * (n % 6)));
        return bytes;
    }

    private void WriteSet(string stem, int images, byte[] labels, bool gzip, string separator = "-", int side = 28)
    {
        string suffix = gzip ? ".gz" : "";
        var imageBytes = new byte[images * side * side];
        Images(images).AsSpan(0, Math.Min(imageBytes.Length, images * Pixels)).CopyTo(imageBytes);
        IdxReader.Write(_dir.File($"{stem}-images{separator}idx3-ubyte{suffix}"), imageBytes, [images, side, side], gzip);
        IdxReader.Write(_dir.File($"{stem}-labels{separator}idx1-ubyte{suffix}"), labels, [labels.Length], gzip);
    }

    [Fact]
    public void Load_SmallGeneratedSet_ScalesPixelsAndKeepsLabels()
    {
        WriteSet("train", 6, [9, 0, 3, 1, 2, 8], gzip: true); // gzip, as the Debian package ships them
        WriteSet("t10k", 3, [4, 5, 6], gzip: false);

        FashionMnistData data = FashionMnistFiles.Load(_dir.Path);

        Assert.Equal((6, 3, 28, 28), (data.TrainCount, data.TestCount, data.Rows, data.Cols));
        Assert.Equal([9, 0, 3, 1, 2, 8], data.TrainLabels);
        Assert.Equal([4, 5, 6], data.TestLabels);
        Assert.Equal(6 * Pixels, data.TrainImages.Length);
        Assert.Equal(3 * Pixels, data.TestImages.Length);
        // Image n has pixels 51·n, scaled to 51n/255 = 0.2n; 255 (n = 5) must be exactly 1.
        for (int n = 0; n < 6; n++)
            Assert.Equal(51 * n / 255f, data.TrainImages[n * Pixels + 100]);
        Assert.Equal(0.2f, data.TrainImages[1 * Pixels]);
        Assert.Equal(1f, data.TrainImages[6 * Pixels - 1]);
        Assert.Equal(0.4f, data.TestImages[2 * Pixels + 783]);
    }

    [Fact]
    public void TryFind_AcceptsDottedMirrorNames()
    {
        WriteSet("train", 2, [1, 2], gzip: false, separator: ".");
        WriteSet("t10k", 2, [3, 4], gzip: true, separator: ".");
        Assert.True(FashionMnistFiles.TryFind(_dir.Path, out var paths, out string message));
        Assert.Equal("", message);
        Assert.EndsWith("t10k-labels.idx1-ubyte.gz", paths!.TestLabels);
    }

    [Fact]
    public void TryFind_MissingFiles_ReturnsFalseWithInstallHint()
    {
        WriteSet("train", 2, [1, 2], gzip: false);
        Assert.False(FashionMnistFiles.TryFind(_dir.Path, out var paths, out string message));
        Assert.Null(paths);
        Assert.Contains("t10k-images-idx3-ubyte[.gz]", message);
        Assert.Contains("t10k-labels-idx1-ubyte[.gz]", message);
        Assert.DoesNotContain("train-images", message);
        Assert.Contains("apt-get install dataset-fashion-mnist", message);

        string nowhere = Path.Combine(_dir.Path, "nowhere");
        Assert.False(FashionMnistFiles.TryFind(nowhere, out _, out message));
        Assert.Contains("does not exist", message);
        Assert.Contains("apt-get install dataset-fashion-mnist", Assert.Throws<FileNotFoundException>(() => FashionMnistFiles.Load(nowhere)).Message);
    }

    [Fact]
    public void Load_CountMismatch_NamesBothFilesAndCounts()
    {
        WriteSet("train", 3, [1, 2], gzip: false);
        WriteSet("t10k", 1, [0], gzip: false);
        var e = Assert.Throws<IdxFormatException>(() => FashionMnistFiles.Load(_dir.Path));
        Assert.Contains($"{_dir.File("train-images-idx3-ubyte")} has 3 images", e.Message);
        Assert.Contains($"{_dir.File("train-labels-idx1-ubyte")} has 2 labels", e.Message);
    }

    [Fact]
    public void Load_LabelOutOfRange_NamesFileIndexAndValue()
    {
        WriteSet("train", 2, [1, 2], gzip: false);
        WriteSet("t10k", 3, [0, 10, 1], gzip: false);
        var e = Assert.Throws<IdxFormatException>(() => FashionMnistFiles.Load(_dir.Path));
        Assert.StartsWith(_dir.File("t10k-labels-idx1-ubyte") + ": ", e.Message);
        Assert.Contains("label 1 is 10, outside 0..9", e.Message);
    }

    [Fact]
    public void Load_WrongImageSize_IsRejected()
    {
        WriteSet("train", 2, [1, 2], gzip: false, side: 27);
        WriteSet("t10k", 1, [0], gzip: false);
        var e = Assert.Throws<IdxFormatException>(() => FashionMnistFiles.Load(_dir.Path));
        Assert.Contains("expected unsigned-byte images of shape [n, 28, 28], got UnsignedByte [2, 27, 27]", e.Message);
    }
}
