namespace Autograd.Tests.Inspection;

/// <summary>The layered layout on random graphs: boxes never overlap, every edge ends on its boxes' borders and passes
/// through no box, whatever the sizes and however many edges run against the index order (cycles).</summary>
public class LayeredLayoutTests
{
    [Theory]
    [InlineData(1, 30, 0.0)]
    [InlineData(2, 80, 0.0)]
    [InlineData(3, 60, 0.1)]
    [InlineData(4, 120, 0.05)]
    public void RandomGraphsKeepBoxesApartAndEdgesOnBorders(int seed, int count, double backward)
    {
        var random = new Random(seed);
        var sizes = Enumerable.Range(0, count).Select(_ => (Math.Round(40 + random.NextDouble() * 200, 1), 20 + random.Next(1, 5) * 15.0)).ToList();
        var edges = new List<(int From, int To)>();
        for (int v = 1; v < count; v++)
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                int u = random.Next(0, v); // mostly from earlier boxes, sometimes from far back (long edges)
                edges.Add(random.NextDouble() < backward ? (v, u) : (u, v));
            }
        edges.Add(edges[^1]); // a repeated edge, as a + a gives
        var layout = LayeredLayout.Compute(sizes, edges);

        var boxes = Enumerable.Range(0, count).Select(i =>
            new SvgHtmlTests.Box(i.ToString(System.Globalization.CultureInfo.InvariantCulture), "node", layout.X[i], layout.Y[i], layout.Width[i], layout.Height[i], "")).ToList();
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(sizes[i], (layout.Width[i], layout.Height[i]));
            Assert.InRange(layout.X[i] + layout.Width[i], 0, layout.TotalWidth);
            Assert.InRange(layout.Y[i] + layout.Height[i], 0, layout.TotalHeight);
            for (int j = i + 1; j < count; j++)
            {
                var (p, q) = (boxes[i], boxes[j]);
                Assert.True(p.X + p.W <= q.X || q.X + q.W <= p.X || p.Y + p.H <= q.Y || q.Y + q.H <= p.Y, $"boxes {i} and {j} overlap");
            }
        }
        Assert.Equal(edges.Count, layout.Edges.Length);
        for (int e = 0; e < edges.Count; e++)
        {
            var points = layout.Edges[e].Select(p => (p.X, p.Y)).ToArray();
            var (from, to) = edges[e];
            Assert.True(SvgHtmlTests.OnBorder(boxes[from], points[0]), $"edge {e} ({from} -> {to}) starts off its box");
            Assert.True(SvgHtmlTests.OnBorder(boxes[to], points[^1]), $"edge {e} ({from} -> {to}) ends off its box");
            for (int k = 0; k + 1 < points.Length; k++)
                foreach (var b in boxes)
                    Assert.False(SvgHtmlTests.CrossesInterior(b, points[k], points[k + 1]), $"edge {e} ({from} -> {to}) passes through box {b.Id}");
        }
        // The repeated edge gets ports of its own at both ends.
        Assert.NotEqual(layout.Edges[^1][0], layout.Edges[^2][0]);
        Assert.NotEqual(layout.Edges[^1][^1], layout.Edges[^2][^1]);
    }

    [Fact]
    public void AnEdgeFromABoxToItselfIsRefusedByName()
    {
        var ex = Assert.Throws<ArgumentException>(() => LayeredLayout.Compute([(10, 10), (10, 10)], [(0, 1), (1, 1)]));
        Assert.Contains("LayeredLayout: edge 1 (1 -> 1)", ex.Message);
    }
}
