using ScottPlot;

namespace Autograd.Plotting;

/// <summary>Heat maps: an image beside its attribution maps.</summary>
public static class SaliencyChart
{
    /// <summary>
    /// Saves the image (grayscale) and each map (a diverging colormap centred at 0, with a colour bar) side by side.
    /// All arrays are row-major, <paramref name="rows"/> × <paramref name="cols"/>.
    /// </summary>
    public static void Save(string path, int rows, int cols, string imageTitle, IReadOnlyList<double> image,
        IReadOnlyList<(string Title, IReadOnlyList<double> Values)> maps, int panelSize = 300)
    {
        ArgumentNullException.ThrowIfNull(maps);
        var panels = new List<Plot> { Panel(imageTitle, rows, cols, image, new ScottPlot.Colormaps.Grayscale(), symmetric: false) };
        foreach (var (title, values) in maps) panels.Add(Panel(title, rows, cols, values, new ScottPlot.Colormaps.Balance(), symmetric: true));
        Figure.Save(path, panelSize * panels.Count, panelSize, [.. panels]);
    }

    private static Plot Panel(string title, int rows, int cols, IReadOnlyList<double> values, IColormap colormap, bool symmetric)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (rows <= 0 || cols <= 0 || values.Count != rows * cols)
            throw new ArgumentException($"SaliencyChart: '{title}' has {values.Count} values, expected {rows}×{cols} = {rows * cols}");
        var grid = new double[rows, cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) grid[r, c] = values[r * cols + c];
        var plot = new Plot();
        plot.Title(title);
        var map = plot.Add.Heatmap(grid);
        map.Colormap = colormap;
        if (symmetric)
        {
            double bound = Math.Max(values.Max(static v => double.IsFinite(v) ? Math.Abs(v) : 0), 1e-30);
            map.ManualRange = new ScottPlot.Range(-bound, bound);
            plot.Add.ColorBar(map);
        }
        foreach (var axis in new IAxis[] { plot.Axes.Bottom, plot.Axes.Left, plot.Axes.Right, plot.Axes.Top }) axis.IsVisible = false;
        plot.HideGrid();
        plot.Axes.SquareUnits();
        return plot;
    }
}
