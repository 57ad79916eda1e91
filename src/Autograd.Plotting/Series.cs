namespace Autograd.Plotting;

/// <summary>One named line of a chart: the points (Xᵢ, Yᵢ).</summary>
/// <param name="Label">The legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values, as many as <paramref name="X"/>; non-finite values (and non-positive ones on a log
/// axis) are left out of the line.</param>
public sealed record Series(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y)
{
    /// <summary>A series over x = 1, 2, …, n (epochs or steps counted from 1).</summary>
    public static Series Of(string label, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(y);
        return new Series(label, [.. Enumerable.Range(1, y.Count).Select(static i => (double)i)], y);
    }
}
