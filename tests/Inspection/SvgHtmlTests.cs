using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;

namespace Autograd.Tests.Inspection;

/// <summary>ToSvg and ToHtml, checked by parsing what they produce: the SVG with System.Xml.Linq, the HTML's step data
/// with System.Text.Json, both against the snapshot and the engine's gradients.</summary>
public class SvgHtmlTests
{
    private const double Tolerance = 0.2; // coordinates are written with one decimal

    private static Tensor<double> Vec(params double[] v) => Tensor.FromArray(v, [v.Length], requiresGrad: true);

    internal sealed record Box(string Id, string Class, double X, double Y, double W, double H, string Text);

    internal sealed record Line(string From, string To, int? Slot, int? Count, (double X, double Y)[] Points);

    internal static (List<Box> Boxes, List<Line> Edges) Parse(string svg)
    {
        var doc = XDocument.Parse(svg);
        var groups = doc.Descendants().Where(e => e.Name.LocalName == "g").ToList();
        var boxes = groups.Where(g => ((string?)g.Attribute("class"))?.Split(' ').Contains("node") == true).Select(g =>
        {
            var rect = g.Elements().Single(e => e.Name.LocalName == "rect");
            double A(string name) => double.Parse((string)rect.Attribute(name)!, CultureInfo.InvariantCulture);
            string text = string.Join("\n", g.Elements().Where(e => e.Name.LocalName == "text").Select(t => t.Value));
            return new Box((string)g.Attribute("data-id")!, (string)g.Attribute("class")!, A("x"), A("y"), A("width"), A("height"), text);
        }).ToList();
        var edges = groups.Where(g => (string?)g.Attribute("class") == "edge").Select(g =>
        {
            var points = ((string)g.Elements().Single(e => e.Name.LocalName == "polyline").Attribute("points")!)
                .Split(' ').Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();
            return new Line((string)g.Attribute("data-from")!, (string)g.Attribute("data-to")!, (int?)g.Attribute("data-slot"), (int?)g.Attribute("data-count"), points);
        }).ToList();
        return (boxes, edges);
    }

    internal static bool OnBorder(Box b, (double X, double Y) p) =>
        ((Math.Abs(p.X - b.X) <= Tolerance || Math.Abs(p.X - (b.X + b.W)) <= Tolerance) && p.Y >= b.Y - Tolerance && p.Y <= b.Y + b.H + Tolerance) ||
        ((Math.Abs(p.Y - b.Y) <= Tolerance || Math.Abs(p.Y - (b.Y + b.H)) <= Tolerance) && p.X >= b.X - Tolerance && p.X <= b.X + b.W + Tolerance);

    /// <summary>Whether the segment p–q meets the open interior of the box shrunk by the tolerance (Liang–Barsky clip).</summary>
    internal static bool CrossesInterior(Box b, (double X, double Y) p, (double X, double Y) q)
    {
        double x0 = b.X + Tolerance, x1 = b.X + b.W - Tolerance, y0 = b.Y + Tolerance, y1 = b.Y + b.H - Tolerance;
        double t0 = 0, t1 = 1, dx = q.X - p.X, dy = q.Y - p.Y;
        foreach (var (den, num) in new[] { (-dx, p.X - x0), (dx, x1 - p.X), (-dy, p.Y - y0), (dy, y1 - p.Y) })
        {
            if (den == 0) { if (num < 0) return false; continue; }
            double t = num / den;
            if (den < 0) t0 = Math.Max(t0, t); else t1 = Math.Min(t1, t);
            if (t0 > t1) return false;
        }
        return true;
    }

    /// <summary>About 200 nodes: 28 blocks h ← tanh(h·w)·σ(h + tanh(h·w)) + h₋₃ (skip connections three blocks back
    /// give edges that span several layers), then a sum.</summary>
    internal static Tensor<double> Deep(int blocks = 28)
    {
        var h = Vec(0.5, -0.25, 1, 0.125);
        var history = new List<Tensor<double>> { h };
        for (int i = 0; i < blocks; i++)
        {
            var w = Vec(0.1 * i, -0.2, 0.3, 0.05 * i);
            var a = (h * w).Tanh();
            var b = (h + a).Sigmoid();
            h = a * b + history[Math.Max(0, history.Count - 3)];
            history.Add(h);
        }
        return h.Sum();
    }

    [Fact]
    public void APlusAHasTwoDistinctEdgesNumberedBySlot()
    {
        var a = Vec(1, 2);
        var y = a + a;
        var (boxes, edges) = Parse(y.ToSvg());
        Assert.Equal(["leaf0", "n0"], boxes.Select(b => b.Id).Order(StringComparer.Ordinal));
        // One edge per operand slot: slots 0 and 1 of Add, both from a; they must not be drawn on top of each other.
        Assert.Equal(2, edges.Count);
        Assert.All(edges, e => Assert.Equal(("leaf0", "n0"), (e.From, e.To)));
        Assert.Equal([0, 1], edges.Select(e => e.Slot!.Value).Order());
        Assert.NotEqual(edges[0].Points[^1], edges[1].Points[^1]);
        Assert.NotEqual(edges[0].Points[0], edges[1].Points[0]);
        // The slot numbers are written beside the arrowheads.
        var slotLabels = XDocument.Parse(y.ToSvg()).Descendants().Where(e => e.Name.LocalName == "text" && (string?)e.Attribute("class") == "slot");
        Assert.Equal(["0", "1"], slotLabels.Select(t => t.Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NodesAndEdgesAreTheSnapshotsWithTheirTexts()
    {
        var x = Tensor.FromArray(new double[] { 1, -2, 0.5, 3, 0, -1 }, [2, 3]);
        var w = Tensor.FromArray(new double[] { 0.1, -0.2, 0.3, 0.4, 0.5, -0.6 }, [3, 2], requiresGrad: true);
        var loss = (x.MatMul(w).Relu() * 2.0).Mean();
        var snapshot = loss.Snapshot();
        var (boxes, edges) = Parse(loss.ToSvg());
        Assert.Equal(snapshot.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal), boxes.Select(b => b.Id).Order(StringComparer.Ordinal));
        Assert.Equal(snapshot.Edges.Select(e => (e.From, e.To, (int?)e.Slot)).Order(), edges.Select(e => (e.From, e.To, e.Slot)).Order());
        // Each box shows its node's label lines (all shorter than the 44-character limit here).
        foreach (var node in snapshot.Nodes)
            Assert.Equal(string.Join("\n", node.LabelLines), boxes.Single(b => b.Id == node.Id).Text);
        Assert.Contains("root", boxes.Single(b => b.Id == snapshot.RootId).Class.Split(' '));
        Assert.Contains("input", boxes.Single(b => b.Id == "leaf0").Class.Split(' ')); // x does not require grad
    }

    [Fact]
    public void BeforeBackwardValuesOnlyAfterBackwardWithGradients()
    {
        var x = Vec(1, 2);
        var w = Vec(3, 4);
        var loss = (x * w).Sum();
        Assert.DoesNotContain("grad [", loss.ToSvg());
        Assert.Contains("value [1, 2]", loss.ToSvg());
        loss.Backward(retainGraph: true);
        var (boxes, _) = Parse(loss.ToSvg());
        // L = Σ xᵢ·wᵢ: ∂L/∂x = w = [3, 4], ∂L/∂w = x = [1, 2].
        Assert.Contains("grad [3, 4]", boxes.Single(b => b.Id == "leaf0").Text);
        Assert.Contains("grad [1, 2]", boxes.Single(b => b.Id == "leaf1").Text);
        Assert.Contains("grad [3, 4]", loss.ToHtml());
    }

    [Fact]
    public void TwoHundredNodes_BoxesDoNotOverlap_EdgesEndOnTheirBoxesAndCrossNone()
    {
        var loss = Deep();
        var snapshot = loss.Snapshot();
        Assert.InRange(snapshot.Nodes.Count, 190, 210);
        string svg = loss.ToSvg();
        var (boxes, edges) = Parse(svg);
        Assert.Equal(snapshot.Nodes.Count, boxes.Count);
        Assert.Equal(snapshot.Edges.Count, edges.Count);
        for (int i = 0; i < boxes.Count; i++)
            for (int j = i + 1; j < boxes.Count; j++)
            {
                Box p = boxes[i], q = boxes[j];
                bool apart = p.X + p.W <= q.X || q.X + q.W <= p.X || p.Y + p.H <= q.Y || q.Y + q.H <= p.Y;
                Assert.True(apart, $"{p.Id} and {q.Id} overlap");
            }
        var byId = boxes.ToDictionary(b => b.Id);
        foreach (var e in edges)
        {
            Assert.True(OnBorder(byId[e.From], e.Points[0]), $"edge {e.From} -> {e.To} starts at {e.Points[0]}, off its box");
            Assert.True(OnBorder(byId[e.To], e.Points[^1]), $"edge {e.From} -> {e.To} ends at {e.Points[^1]}, off its box");
            for (int k = 0; k + 1 < e.Points.Length; k++)
                foreach (var b in boxes)
                    Assert.False(CrossesInterior(b, e.Points[k], e.Points[k + 1]), $"edge {e.From} -> {e.To} passes through {b.Id}");
        }
        // The same program draws the same bytes.
        Assert.Equal(svg, Deep().ToSvg());
    }

    [Fact]
    public void AboveTheLimitGroupsCollapseIntoOneBoxEach()
    {
        var loss = Deep();
        var snapshot = loss.Snapshot();
        // Ops n0..n19 form block0, n20..n39 block1, …; leaves stay alone.
        string? Group(SnapshotNode n) => n.IsLeaf ? null : "block" + (int.Parse(n.Id[1..], CultureInfo.InvariantCulture) / 20).ToString(CultureInfo.InvariantCulture);
        var boxOf = snapshot.Nodes.ToDictionary(n => n.Id, n => Group(n) ?? n.Id);
        var crossing = snapshot.Edges.Select(e => (From: boxOf[e.From], To: boxOf[e.To])).Where(p => p.From != p.To).ToList();

        var (boxes, edges) = Parse(loss.ToSvg(collapseAbove: 100, groupOf: Group));
        int groups = snapshot.Nodes.Where(n => !n.IsLeaf).Select(Group).Distinct().Count();
        Assert.Equal(snapshot.Nodes.Count(n => n.IsLeaf) + groups, boxes.Count);
        Assert.Equal(groups, boxes.Count(b => b.Class.Split(' ').Contains("group")));
        Assert.Contains(boxes, b => b.Text.StartsWith("[block0]\n20 nodes, collapsed", StringComparison.Ordinal));
        // One edge per pair of boxes that operand slots join, its count the number of those slots; none inside a group.
        var groupIds = boxes.Where(b => b.Class.Contains("group", StringComparison.Ordinal))
            .ToDictionary(b => b.Id, b => b.Text.Split('\n')[0].Trim('[', ']'));
        string Name(string id) => groupIds.GetValueOrDefault(id, id);
        Assert.Equal(crossing.Distinct().Order(), edges.Select(e => (Name(e.From), Name(e.To))).Order());
        Assert.Equal(crossing.Count, edges.Sum(e => e.Count!.Value));
        Assert.All(edges, e => Assert.Null(e.Slot));
        // At or below the limit nothing collapses.
        Assert.Equal(snapshot.Nodes.Count, Parse(loss.ToSvg(collapseAbove: snapshot.Nodes.Count, groupOf: Group)).Boxes.Count);
    }

    [Fact]
    public void GraphGroupsNameTheOpsOfEachBlockAndGroupsThatFeedEachOtherAreDrawnBothWays()
    {
        var groups = new GraphGroups();
        var x = Vec(1, 2);
        Tensor<double> h;
        using (groups.Begin("layer1"))
        {
            h = (x * 2.0).Tanh();
            using (groups.Begin("inner")) h = h + 1.0;
            h = h * h;
        }
        var y = h.Sum();
        var snapshot = y.Snapshot();
        // Recording order: n0 = x·2, n1 = tanh, n2 = +1 (inner block), n3 = h·h (back in layer1), n4 = Σ (outside).
        Assert.Equal(["layer1", "layer1", "inner", "layer1", null, null], new[] { "n0", "n1", "n2", "n3", "n4", "leaf0" }.Select(id => groups.Of(snapshot[id])));

        var (boxes, edges) = Parse(y.ToSvg(collapseAbove: 0, groupOf: groups.Of));
        // Boxes: leaf0, layer1 (group0), inner (group1), n4. layer1 feeds inner (n1 -> n2) and inner feeds layer1
        // through both slots of h·h (n2 -> n3, twice): a cycle between boxes, drawn with one edge each way.
        Assert.Equal(["group0", "group1", "leaf0", "n4"], boxes.Select(b => b.Id).Order(StringComparer.Ordinal));
        Assert.Equal([("group0", "group1", 1), ("group0", "n4", 1), ("group1", "group0", 2), ("leaf0", "group0", 1)],
            edges.Select(e => (e.From, e.To, e.Count!.Value)).Order());
        var byId = boxes.ToDictionary(b => b.Id);
        Assert.All(edges, e => Assert.True(OnBorder(byId[e.From], e.Points[0]) && OnBorder(byId[e.To], e.Points[^1]), $"{e.From} -> {e.To}"));
    }

    [Fact]
    public void ALeafAloneIsOneBoxAndItsPageHasNoStepsToTake()
    {
        var leaf = Vec(5);
        var (boxes, edges) = Parse(leaf.ToSvg());
        Assert.Equal("leaf0", Assert.Single(boxes).Id);
        Assert.Empty(edges);
        // A leaf records no op: Explain has no step, so the page has a note instead of a slider.
        string html = leaf.ToHtml();
        Assert.Contains("id=\"step-note\"", html);
        Assert.DoesNotContain("id=\"step\"", html);
        Assert.Equal(0, StepData(html).GetProperty("steps").GetArrayLength());
    }

    [Fact]
    public void TheGraphOfAGradientDrawsToo()
    {
        var x = Vec(2, -1);
        var y = (x * x * x).Sum();
        y.Backward(retainGraph: false, createGraph: true);
        var grad = x.Grad!;
        // d(Σ x³)/dx = 3x² = [12, 3]; the gradient is itself the result of recorded ops.
        Assert.NotNull(grad.GradFn);
        var snapshot = grad.Snapshot();
        var (boxes, edges) = Parse(grad.ToSvg());
        Assert.Equal(snapshot.Nodes.Count, boxes.Count);
        Assert.Equal(snapshot.Edges.Count, edges.Count);
        Assert.Contains("value [12, 3]", boxes.Single(b => b.Id == snapshot.RootId).Text);
        // The gradient has two elements: the page draws it and says why there is no backward pass to step through.
        string html = grad.ToHtml();
        Assert.Contains("id=\"step-note\"", html);
        Assert.Contains("shape [2], not one element", html);
    }

    [Fact]
    public void TheHtmlPageIsSelfContainedAndDeterministic()
    {
        var loss = Deep(4);
        string html = loss.ToHtml();
        foreach (var banned in new[] { "http://", "https://", "src=\"//", "<link", "@import", "url(http" })
            Assert.DoesNotContain(banned, html, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("<!DOCTYPE html>", html);
        // The inline SVG parses and draws the same boxes and edges as ToSvg.
        int start = html.IndexOf("<svg", StringComparison.Ordinal), end = html.IndexOf("</svg>", StringComparison.Ordinal) + "</svg>".Length;
        var (boxes, edges) = Parse(html[start..end]);
        var (svgBoxes, svgEdges) = Parse(loss.ToSvg());
        Assert.Equal(svgBoxes, boxes);
        Assert.Equal(svgEdges.Count, edges.Count);
        Assert.Equal(html, Deep(4).ToHtml());
    }

    /// <summary>A function whose formula holds markup: XML syntax and a closing script tag.</summary>
    private sealed class Markup : Function<double>
    {
        public const string Text = "a < b & \"c\" > d </script><script>alert(1)</script>";

        public override string Formula(int input) => Text;

        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0] * 2.0;

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> g) => [g * 2.0];
    }

    [Fact]
    public void MarkupInFormulasIsEscapedInTheSvgAndCannotCloseThePagesScripts()
    {
        var y = new Markup().Apply(Vec(1, 2)).Sum();
        string svg = y.ToSvg();
        // The SVG parses, and the formula comes back whole from the hover text of the box that uses it.
        var title = XDocument.Parse(svg).Descendants().Single(e => e.Name.LocalName == "g" && (string?)e.Attribute("data-id") == "n0")
            .Elements().Single(e => e.Name.LocalName == "title").Value;
        Assert.Contains("slot 0 ← leaf0: " + Markup.Text, title);
        string html = y.ToHtml();
        // Two script elements (the data and the code): the formula's "</script>" is written as \u003C/script\u003E.
        Assert.Equal(2, html.Split("</script>").Length - 1);
        var data = StepData(html);
        Assert.Contains(Markup.Text, data.GetProperty("boxes").GetProperty("n0").EnumerateArray().Select(l => l.GetString()).Last());
        var term = data.GetProperty("steps")[1].GetProperty("terms")[0];
        Assert.Equal(Markup.Text, term.GetProperty("formula").GetString());
        // y = Σ 2x: ∂y/∂x = 2 for each element.
        Assert.Equal([2.0, 2.0], term.GetProperty("accumulated").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
    }

    internal static JsonElement StepData(string html)
    {
        const string open = "<script type=\"application/json\" id=\"autograd-data\">";
        int start = html.IndexOf(open, StringComparison.Ordinal) + open.Length;
        int end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        return JsonDocument.Parse(html[start..end]).RootElement.Clone();
    }

    [Fact]
    public void TheStepDataReplaysToTheEnginesGradients()
    {
        var x = Tensor.FromArray(new double[] { 1, -2, 0.5, 3, 0, -1 }, [2, 3]);
        var w1 = Tensor.FromArray(new double[] { 0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, -0.9, 1.0, 1.1, 1.2 }, [3, 4], requiresGrad: true);
        var b1 = Tensor.FromArray(new double[] { 0.1, 0.2, 0.3, 0.4 }, [4], requiresGrad: true);
        var w2 = Tensor.FromArray(new double[] { 1, -1, 0.5, 2 }, [4, 1], requiresGrad: true);
        var h = (x.MatMul(w1) + b1).Relu();
        var d = h.MatMul(w2) - 1.0;
        var loss = (d * d * h.Sum()).Mean(); // h is used twice: its gradient sums two terms
        var data = StepData(loss.ToHtml());
        loss.Backward(retainGraph: true);

        // Sum every step's products (upstream · local) per input, as the page lists them.
        var sums = new Dictionary<string, double[]>();
        var last = new Dictionary<string, double[]>();
        foreach (var step in data.GetProperty("steps").EnumerateArray())
            foreach (var term in step.GetProperty("terms").EnumerateArray())
            {
                if (term.GetProperty("product").ValueKind == JsonValueKind.Null) continue;
                var product = term.GetProperty("product").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                string input = term.GetProperty("input").GetString()!;
                sums[input] = sums.TryGetValue(input, out var s) ? [.. s.Zip(product, (p, q) => p + q)] : product;
                last[input] = [.. term.GetProperty("accumulated").GetProperty("values").EnumerateArray().Select(v => v.GetDouble())];
            }
        var snapshot = loss.Snapshot();
        foreach (var leaf in new[] { w1, b1, w2 })
        {
            string id = snapshot.Nodes.Single(n => n.Op == "leaf" && n.Shape.SequenceEqual(leaf.Shape)).Id;
            var engine = leaf.Grad!.ToArray();
            Assert.Equal(engine.Length, sums[id].Length);
            for (int i = 0; i < engine.Length; i++)
            {
                Assert.Equal(engine[i], sums[id][i], 12);
                Assert.Equal(engine[i], last[id][i], 12);
            }
        }
        // x requires no gradient: no product for it anywhere.
        Assert.DoesNotContain(snapshot.Nodes.Single(n => n.Op == "input").Id, sums.Keys);
    }
}
