using ScottPlot;

namespace Autograd.Plotting;

/// <summary>Where a panel's legend goes.</summary>
internal enum Legend { None, UpperRight, LowerRight, Outside }

// What every chart shares: line panels with optional log-scale y, and saving one or more panels side by side.
internal static class Figure
{
    /// <summary>A panel with one line per series; on a log axis the line is drawn at log₁₀ y with ticks labelled 10ᵏ.</summary>
    public static Plot Lines(string title, string xLabel, string yLabel, IReadOnlyList<Series> series, bool logY,
        Legend legend = Legend.UpperRight)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        foreach (var s in series)
        {
            if (s.X.Count != s.Y.Count)
                throw new ArgumentException($"Plotting: series '{s.Label}' has {s.X.Count} x values but {s.Y.Count} y values");
            var points = s.X.Zip(s.Y).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!logY || p.Second > 0))
                .Select(p => (p.First, logY ? Math.Log10(p.Second) : p.Second)).ToArray();
            var line = plot.Add.Scatter(points.Select(static p => p.First).ToArray(), points.Select(static p => p.Item2).ToArray());
            line.LegendText = s.Label;
            line.MarkerSize = points.Length <= 40 ? 4 : 0;
            line.LineWidth = 1.5f;
        }
        if (logY) LogAxis(plot);
        if (series.All(static s => s.X.All(static x => x == Math.Round(x))))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (series.Count > 1)
        {
            switch (legend)
            {
                case Legend.UpperRight: plot.ShowLegend(Alignment.UpperRight); break;
                case Legend.LowerRight: plot.ShowLegend(Alignment.LowerRight); break;
                case Legend.Outside: plot.ShowLegend(Edge.Right); break;
            }
        }
        return plot;
    }

    /// <summary>Labels the left axis as powers of ten of the (log₁₀) values plotted.</summary>
    public static void LogAxis(Plot plot) =>
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = static y => y == 0 ? "1" : $"1e{y:0}",
        };

    /// <summary>Saves the panels side by side (one column each) as a PNG of the given size.</summary>
    public static void Save(string path, int width, int height, params Plot[] panels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Plotting: image size must be positive, got {width}×{height}");
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        if (panels.Length == 1)
        {
            panels[0].SavePng(path, width, height);
            return;
        }
        var figure = new Multiplot();
        figure.Reset(panels[0]);
        foreach (var panel in panels.Skip(1)) figure.AddPlot(panel);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        figure.SavePng(path, width, height);
    }
}
