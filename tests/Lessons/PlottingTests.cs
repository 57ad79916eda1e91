using System.Buffers.Binary;
using Autograd.NN;
using Autograd.Plotting;

namespace Autograd.Tests.Lessons;

public class PlottingTests
{
    // Oracle: the PNG format: an 8-byte signature, then the IHDR chunk whose first two fields are the width and height
    // (big-endian, bytes 16–23).
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void EveryChartKindRendersHeadlessAtTheRequestedSize()
    {
        string dir = Directory.CreateTempSubdirectory("autograd-plot-").FullName;
        try
        {
            LineChart.Save(Path.Combine(dir, "lines.png"), "t", "x", "y", [Series.Of("a", [1, 0.1, 0.01]), Series.Of("b", [2, double.NaN, 0])],
                logY: true, width: 400, height: 300);
            Assert.Equal((400, 300), PngSize(Path.Combine(dir, "lines.png")));
            LineChart.TrainingCurves(Path.Combine(dir, "curves.png"), [Series.Of("train", [1, 0.5])], [Series.Of("train", [0.5, 0.8])], width: 600, height: 200);
            Assert.Equal((600, 200), PngSize(Path.Combine(dir, "curves.png")));
            SaliencyChart.Save(Path.Combine(dir, "saliency.png"), 2, 3, "image", [0, 1, 2, 3, 4, 5], [("map", [-1, 0, 1, 0, 0, 2])], panelSize: 100);
            // One panel per picture: the image and one map.
            Assert.Equal((200, 100), PngSize(Path.Combine(dir, "saliency.png")));
            ContourChart.Save(Path.Combine(dir, "contour.png"), "f", (x, y) => x * x + y * y, (-1, 1), (-1, 1),
                [new Series("path", [0.9, 0.5, 0.1], [0.9, 0.4, 0.1])], resolution: 20, width: 300, height: 300);
            Assert.Equal((300, 300), PngSize(Path.Combine(dir, "contour.png")));
            var model = new Sequential<double>(new Linear<double>(2, 1, new Generator(1)));
            var monitor = new GradientFlowMonitor<double>(model);
            for (int i = 0; i < 3; i++)
            {
                model.ZeroGrad();
                model.Forward(Tensor.Ones<double>(4, 2)).Sum().Backward();
                monitor.Record();
            }
            GradientFlowChart.Save(Path.Combine(dir, "flow.png"), monitor, width: 900, height: 300);
            Assert.Equal((900, 300), PngSize(Path.Combine(dir, "flow.png")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MismatchedDataFailsByName()
    {
        var error = Assert.Throws<ArgumentException>(() => LineChart.Save(Path.Combine(Path.GetTempPath(), "never.png"), "t", "x", "y",
            [new Series("bad", [1, 2, 3], [1, 2])]));
        Assert.Equal("Plotting: series 'bad' has 3 x values but 2 y values", error.Message);
        var size = Assert.Throws<ArgumentException>(() => SaliencyChart.Save(Path.Combine(Path.GetTempPath(), "never.png"), 2, 2, "image", [1, 2, 3], []));
        Assert.Equal("SaliencyChart: 'image' has 3 values, expected 2×2 = 4", size.Message);
    }
}
