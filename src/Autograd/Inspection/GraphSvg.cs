using System.Globalization;
using System.Text;

namespace Autograd;

/// <summary>
/// SVG of a <see cref="GraphSnapshot"/>, laid out by <see cref="LayeredLayout"/> (data flowing left to right, the
/// root last). Each box is a <c>&lt;g class="node …" data-id="…"&gt;</c> holding one <c>rect</c> and a <c>text</c> per
/// line; each edge a <c>&lt;g class="edge" data-from data-to data-slot&gt;</c> holding a <c>polyline</c> with an
/// arrowhead at its target and, where the target has several operands, the slot number. Box sizes come from the
/// text (monospace, <see cref="CharWidth"/> per character). Coordinates are written with one decimal, invariant culture.
/// </summary>
internal static class GraphSvg
{
    public const double FontSize = 12, CharWidth = 7.2, LineHeight = 15, PadX = 8, PadY = 6;

    /// <summary>The SVG text. <paramref name="standalone"/>: a file of its own (with the SVG namespace and a native
    /// <c>&lt;title&gt;</c> hover text per box); otherwise for inline use in HTML, which needs neither (the page shows
    /// its own hover box).</summary>
    public static string Render(DrawnGraph graph, bool standalone)
    {
        var sizes = graph.Boxes.Select(b =>
            (Math.Round(b.Lines.Max(l => l.Length) * CharWidth + 2 * PadX, 1), b.Lines.Count * LineHeight + 2 * PadY)).ToList();
        var layout = LayeredLayout.Compute(sizes, [.. graph.Edges.Select(e => (e.From, e.To))]);
        var inputCount = new int[graph.Boxes.Count];
        foreach (var e in graph.Edges) inputCount[e.To]++;

        var sb = new StringBuilder();
        sb.Append("<svg");
        if (standalone) sb.Append(" xmlns=\"http://www.w3.org/2000/svg\"");
        sb.Append(" class=\"autograd-graph\" width=\"").Append(F(layout.TotalWidth)).Append("\" height=\"").Append(F(layout.TotalHeight))
          .Append("\" viewBox=\"0 0 ").Append(F(layout.TotalWidth)).Append(' ').Append(F(layout.TotalHeight))
          .Append("\" font-family=\"monospace\" font-size=\"").Append(F(FontSize)).Append("\">\n");
        sb.Append("<defs><marker id=\"ag-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" ")
          .Append("orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" fill=\"#555\"/></marker></defs>\n");
        sb.Append("<g class=\"edges\">\n");
        for (int i = 0; i < graph.Edges.Count; i++)
        {
            var edge = graph.Edges[i];
            var points = layout.Edges[i];
            sb.Append("<g class=\"edge\" data-from=\"").Append(graph.Boxes[edge.From].Id).Append("\" data-to=\"").Append(graph.Boxes[edge.To].Id).Append('"');
            if (edge.Slot is { } slot) sb.Append(" data-slot=\"").Append(slot.ToString(CultureInfo.InvariantCulture)).Append('"');
            else sb.Append(" data-count=\"").Append(edge.Count.ToString(CultureInfo.InvariantCulture)).Append('"');
            sb.Append('>');
            if (standalone) sb.Append("<title>").Append(Escape(edge.Title)).Append("</title>");
            sb.Append("<polyline points=\"").AppendJoin(' ', points.Select(p => F(p.X) + "," + F(p.Y)))
              .Append("\" fill=\"none\" stroke=\"#555\" stroke-width=\"1.2\" marker-end=\"url(#ag-arrow)\"/>");
            string? label = edge.Slot is { } s && inputCount[edge.To] > 1 ? s.ToString(CultureInfo.InvariantCulture)
                : edge.Count > 1 ? "×" + edge.Count.ToString(CultureInfo.InvariantCulture) : null;
            if (label is not null)
            {
                // Beside the arrowhead, on the side the edge comes from.
                var end = points[^1];
                bool fromLeft = points[^2].X < end.X;
                sb.Append("<text class=\"slot\" x=\"").Append(F(end.X + (fromLeft ? -9 : 9))).Append("\" y=\"").Append(F(end.Y - 3))
                  .Append("\" text-anchor=\"").Append(fromLeft ? "end" : "start").Append("\" font-size=\"9\" fill=\"#555\">")
                  .Append(Escape(label)).Append("</text>");
            }
            sb.Append("</g>\n");
        }
        sb.Append("</g>\n<g class=\"nodes\">\n");
        for (int i = 0; i < graph.Boxes.Count; i++)
        {
            var box = graph.Boxes[i];
            double x = layout.X[i], y = layout.Y[i];
            sb.Append("<g class=\"node ").Append(box.Kind).Append(box.IsRoot ? " root" : "").Append("\" id=\"ag-").Append(box.Id)
              .Append("\" data-id=\"").Append(box.Id).Append("\">");
            if (standalone) sb.Append("<title>").Append(Escape(string.Join("\n", box.Details))).Append("</title>");
            sb.Append("<rect x=\"").Append(F(x)).Append("\" y=\"").Append(F(y)).Append("\" width=\"").Append(F(layout.Width[i]))
              .Append("\" height=\"").Append(F(layout.Height[i])).Append("\" rx=\"4\" fill=\"").Append(Fill(box.Kind))
              .Append("\" stroke=\"#333\" stroke-width=\"").Append(box.IsRoot ? "2.5" : "1").Append("\"/>");
            for (int k = 0; k < box.Lines.Count; k++)
                sb.Append("<text x=\"").Append(F(x + PadX)).Append("\" y=\"").Append(F(y + PadY + (k + 1) * LineHeight - 4))
                  .Append('"').Append(k == 0 ? " font-weight=\"bold\"" : "").Append(">").Append(Escape(box.Lines[k])).Append("</text>");
            sb.Append("</g>\n");
        }
        return sb.Append("</g>\n</svg>\n").ToString();
    }

    private static string Fill(string kind) => kind switch
    {
        "leaf" => "#e6f4ea",
        "input" => "#f1f3f4",
        "group" => "#fef7e0",
        _ => "#e8f0fe",
    };

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

    /// <summary>Escapes text for XML content and attribute values.</summary>
    internal static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);
}
