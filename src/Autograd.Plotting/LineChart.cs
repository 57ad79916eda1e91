namespace Autograd.Plotting;

/// <summary>Line charts: several runs in one panel, and training curves.</summary>
public static class LineChart
{
    /// <summary>Saves one panel with a line per series (e.g. the loss of several runs over steps) as a PNG.</summary>
    /// <param name="path">The PNG file (its folder is created).</param>
    /// <param name="title">The panel's title.</param>
    /// <param name="xLabel">The x axis label.</param>
    /// <param name="yLabel">The y axis label.</param>
    /// <param name="series">The lines.</param>
    /// <param name="logY">Plot log₁₀ y, with ticks labelled as powers of ten.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Save(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logY = false,
        int width = 800, int height = 500) =>
        Figure.Save(path, width, height, Figure.Lines(title, xLabel, yLabel, series, logY));

    /// <summary>
    /// Saves training curves: the loss panel (e.g. train and validation loss over epochs) and, when given, an accuracy
    /// panel beside it.
    /// </summary>
    public static void TrainingCurves(string path, IReadOnlyList<Series> loss, IReadOnlyList<Series>? accuracy = null,
        string xLabel = "epoch", int width = 1000, int height = 420)
    {
        var lossPanel = Figure.Lines("loss", xLabel, "loss", loss, logY: false);
        if (accuracy is null) Figure.Save(path, width / 2, height, lossPanel);
        else Figure.Save(path, width, height, lossPanel, Figure.Lines("accuracy", xLabel, "accuracy", accuracy, logY: false, Legend.LowerRight));
    }
}
