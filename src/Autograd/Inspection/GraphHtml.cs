using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Autograd;

/// <summary>
/// One self-contained HTML page of a graph: the inline SVG of <see cref="GraphSvg"/>, inline CSS and script, and the
/// data as JSON in <c>&lt;script type="application/json" id="autograd-data"&gt;</c>. No external reference (no URL,
/// font or stylesheet), so it works offline. Hovering a box shows its full label and each input's formula; a slider
/// steps through the backward pass (<see cref="Derivation.Steps"/>): at each step the op, its upstream gradient and,
/// per operand slot, the local derivative, the product upstream · local and the accumulated gradient of the input,
/// with the op's box highlighted. Opening the page as <c>page.html?step=N</c> starts at step N (from 0).
/// </summary>
internal static class GraphHtml
{
    /// <param name="graph">What to draw.</param>
    /// <param name="derivation">The backward pass to step through, or null when there is none.</param>
    /// <param name="note">Why there is no backward pass to step through (when <paramref name="derivation"/> is null).</param>
    /// <param name="title">The page title.</param>
    public static string Render(DrawnGraph graph, Derivation? derivation, string? note, string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(GraphSvg.Escape(title)).Append("</title>\n");
        sb.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        sb.Append("<header><h1>").Append(GraphSvg.Escape(title)).Append("</h1>\n");
        if (derivation is { Steps.Count: > 0 } d)
        {
            sb.Append("<div id=\"stepper\"><label for=\"step\">backward step</label> <input type=\"range\" id=\"step\" min=\"0\" max=\"")
              .Append((d.Steps.Count - 1).ToString(CultureInfo.InvariantCulture)).Append("\" value=\"0\" step=\"1\"> <span id=\"step-label\"></span>\n")
              .Append("<p id=\"step-node\"></p><p id=\"step-upstream\"></p>\n")
              .Append("<table><thead><tr><th>slot</th><th>input</th><th>local derivative</th><th>value</th>")
              .Append("<th>upstream · local</th><th>accumulated</th></tr></thead><tbody id=\"step-terms\"></tbody></table></div>\n");
        }
        else sb.Append("<p id=\"step-note\">").Append(GraphSvg.Escape(note ?? "no backward pass to step through")).Append("</p>\n");
        sb.Append("<p class=\"hint\">Hover a box for its formulas and values.</p></header>\n");
        sb.Append("<div id=\"graph\">\n").Append(GraphSvg.Render(graph, standalone: false)).Append("</div>\n");
        sb.Append("<div id=\"tooltip\" hidden></div>\n");
        sb.Append("<script type=\"application/json\" id=\"autograd-data\">").Append(Json(graph, derivation)).Append("</script>\n");
        sb.Append("<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    /// <summary>The page's data. The default encoder writes &lt;, &gt;, &amp; and non-ASCII as \u escapes, so the JSON
    /// cannot close its script element.</summary>
    private static string Json(DrawnGraph graph, Derivation? derivation)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteStartObject("boxes");
            foreach (var box in graph.Boxes)
            {
                w.WriteStartArray(box.Id);
                foreach (var line in box.Details) w.WriteStringValue(line);
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteStartObject("boxOf");
            foreach (var (node, box) in graph.BoxOf.OrderBy(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
                w.WriteString(node, graph.Boxes[box].Id);
            w.WriteEndObject();
            w.WriteString("root", derivation?.RootName ?? "L");
            w.WriteStartArray("steps");
            foreach (var step in derivation?.Steps ?? [])
            {
                w.WriteStartObject();
                w.WriteString("node", step.NodeId);
                w.WriteString("name", step.Name);
                w.WriteString("op", step.Op);
                w.WriteString("shape", Shapes.Format([.. step.Shape]));
                Values(w, "value", step.Value);
                Values(w, "upstream", step.Upstream);
                w.WriteStartArray("terms");
                foreach (var t in step.Terms)
                {
                    w.WriteStartObject();
                    w.WriteNumber("slot", t.Slot);
                    w.WriteString("input", t.InputId);
                    w.WriteString("name", t.InputName);
                    w.WriteString("formula", t.Formula);
                    Values(w, "local", t.Local);
                    Values(w, "product", t.Contribution);
                    Values(w, "accumulated", t.Accumulated);
                    if (t.MatrixForm is { } m) w.WriteString("matrix", m);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>{"text": "[1, 2]", "values": [1, 2]} ("values" null for a summary; a non-finite element is written as
    /// null, JSON having no NaN or infinity); null when <paramref name="values"/> is.</summary>
    private static void Values(Utf8JsonWriter w, string name, TensorValues? values)
    {
        if (values is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteString("text", values.ToString());
        if (values.Elements is { } elements)
        {
            w.WriteStartArray("values");
            foreach (double v in elements)
                if (double.IsFinite(v)) w.WriteNumberValue(v);
                else w.WriteNullValue();
            w.WriteEndArray();
        }
        else w.WriteNull("values");
        w.WriteEndObject();
    }

    private const string Css = """
        body { font-family: sans-serif; margin: 0; }
        header { position: sticky; top: 0; left: 0; background: #fff; border-bottom: 1px solid #ccc; padding: 6px 12px; z-index: 1; }
        h1 { font-size: 16px; margin: 4px 0; }
        #step { width: 320px; vertical-align: middle; }
        #stepper p { margin: 4px 0; font-family: monospace; }
        table { border-collapse: collapse; font-family: monospace; font-size: 12px; }
        td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
        .hint { color: #666; font-size: 12px; margin: 4px 0; }
        #graph { padding: 8px; }
        .node { cursor: default; }
        .node:hover rect { stroke: #1a73e8; stroke-width: 2px; }
        .node.current rect { fill: #fce8b2; stroke: #e37400; stroke-width: 3px; }
        .node.operand rect { stroke: #e37400; stroke-dasharray: 4 2; stroke-width: 2px; }
        #tooltip { position: fixed; background: #fffde7; border: 1px solid #999; padding: 6px; font: 12px monospace;
                   white-space: pre; pointer-events: none; max-width: 80vw; overflow: hidden; z-index: 2; }

        """;

    private const string Script = """
        (function () {
          'use strict';
          var data = JSON.parse(document.getElementById('autograd-data').textContent);
          var tip = document.getElementById('tooltip');
          function byId(id) { return document.getElementById(id); }
          function boxOf(node) { return byId('ag-' + (data.boxOf[node] || node)); }
          function text(id, s) { byId(id).textContent = s; }
          document.querySelectorAll('#graph .node').forEach(function (g) {
            g.addEventListener('mouseenter', function () { tip.textContent = (data.boxes[g.dataset.id] || []).join('\n'); tip.hidden = false; });
            g.addEventListener('mousemove', function (e) { tip.style.left = (e.clientX + 14) + 'px'; tip.style.top = (e.clientY + 14) + 'px'; });
            g.addEventListener('mouseleave', function () { tip.hidden = true; });
          });
          var slider = byId('step');
          if (!slider) return;
          var marked = [];
          function mark(el, cls) { if (el) { el.classList.add(cls); marked.push([el, cls]); } }
          function cell(row, id, s) { var td = document.createElement('td'); td.id = id; td.textContent = s; row.appendChild(td); }
          function show(k) {
            marked.forEach(function (m) { m[0].classList.remove(m[1]); });
            marked = [];
            var s = data.steps[k], d = '\u2202' + data.root + '/\u2202';
            text('step-label', 'step ' + (k + 1) + ' of ' + data.steps.length);
            text('step-node', s.name + ' = ' + s.op + ' (' + s.node + ', shape ' + s.shape + ') = ' + s.value.text);
            text('step-upstream', 'upstream ' + d + s.name + ' = ' + s.upstream.text);
            var body = byId('step-terms');
            body.textContent = '';
            s.terms.forEach(function (t) {
              var row = document.createElement('tr'), p = 'step-term-' + t.slot + '-';
              cell(row, p + 'slot', String(t.slot));
              cell(row, p + 'input', t.name);
              cell(row, p + 'formula', t.matrix ? t.formula + '  (' + t.matrix + ')' : t.formula);
              cell(row, p + 'local', t.local ? t.local.text : (t.product ? 'applied as a vector\u2013Jacobian product' : ''));
              cell(row, p + 'product', t.product ? d + s.name + ' \u00b7 local = ' + t.product.text : 'no gradient');
              cell(row, p + 'accumulated', t.accumulated ? t.accumulated.text : '');
              body.appendChild(row);
              mark(boxOf(t.input), 'operand');
            });
            var current = boxOf(s.node);
            mark(current, 'current');
            if (current && current.scrollIntoView) current.scrollIntoView({ block: 'nearest', inline: 'nearest' });
          }
          var m = /[?&]step=(\d+)/.exec(window.location.search);
          var start = m ? Math.min(parseInt(m[1], 10), data.steps.length - 1) : 0;
          slider.value = String(start);
          slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
          show(start);
        })();

        """;
}
