using ScottPlot;

namespace Autograd.Plotting;

/// <summary>Paths over the contour lines of a function of two variables (optimisers on a loss surface).</summary>
public static class ContourChart
{
    /// <summary>
    /// Saves the contour lines of <paramref name="f"/> over the box [x0, x1] × [y0, y1] (sampled on a
    /// <paramref name="resolution"/>² grid, the levels spaced evenly in log(f − min f + 1) so valleys show) and, over
    /// them, each trajectory as a line with its start marked.
    /// </summary>
    public static void Save(string path, string title, Func<double, double, double> f, (double Min, double Max) x, (double Min, double Max) y,
        IReadOnlyList<Series> trajectories, int contourLevels = 20, int resolution = 120, int width = 800, int height = 650)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(trajectories);
        if (!(x.Max > x.Min) || !(y.Max > y.Min) || resolution < 2)
            throw new ArgumentException($"ContourChart: need x.Min < x.Max, y.Min < y.Max and resolution >= 2, got x {x}, y {y}, resolution {resolution}");
        var grid = new Coordinates3d[resolution, resolution];
        double lowest = double.PositiveInfinity;
        for (int i = 0; i < resolution; i++)
            for (int j = 0; j < resolution; j++)
            {
                double px = x.Min + (x.Max - x.Min) * j / (resolution - 1), py = y.Min + (y.Max - y.Min) * i / (resolution - 1);
                double z = f(px, py);
                grid[i, j] = new Coordinates3d(px, py, z);
                if (double.IsFinite(z)) lowest = Math.Min(lowest, z);
            }
        for (int i = 0; i < resolution; i++)
            for (int j = 0; j < resolution; j++) grid[i, j].Z = Math.Log(grid[i, j].Z - lowest + 1);
        var plot = new Plot();
        plot.Title(title);
        var contours = plot.Add.ContourLines(grid, contourLevels);
        contours.LineColor = Colors.Gray.WithAlpha(0.6);
        contours.LabelStyle.IsVisible = false;
        foreach (var t in trajectories)
        {
            var line = plot.Add.Scatter(t.X.ToArray(), t.Y.ToArray());
            line.LegendText = t.Label;
            line.MarkerSize = 3;
            line.LineWidth = 1.5f;
            if (t.X.Count > 0) plot.Add.Marker(t.X[0], t.Y[0], MarkerShape.OpenCircle, 10, line.Color);
        }
        plot.Axes.SetLimits(x.Min, x.Max, y.Min, y.Max);
        if (trajectories.Count > 0) plot.ShowLegend(Alignment.LowerRight);
        Figure.Save(path, width, height, plot);
    }
}
