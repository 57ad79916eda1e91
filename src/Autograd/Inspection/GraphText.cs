using System.Globalization;
using System.Text;

namespace Autograd;

/// <summary>Text renderings of a <see cref="GraphSnapshot"/>: Graphviz DOT and Mermaid flowcharts.</summary>
internal static class GraphText
{
    /// <summary>
    /// DOT: one box per tensor, data flowing upward from leaves to the root (<c>rankdir=BT</c>), one edge per operand
    /// slot labelled "slot: formula". Labels are quoted strings: <c>\</c> and <c>"</c> are escaped, lines end in <c>\n</c>.
    /// </summary>
    public static string Dot(GraphSnapshot snapshot)
    {
        var sb = new StringBuilder();
        sb.Append("digraph autograd {\n");
        sb.Append("  rankdir=BT;\n");
        sb.Append("  node [shape=box, fontname=\"monospace\"];\n");
        foreach (var node in snapshot.Nodes)
        {
            sb.Append("  ").Append(node.Id).Append(" [label=\"")
              .Append(string.Join("\\n", node.LabelLines.Select(EscapeDot))).Append('"');
            if (node.Id == snapshot.RootId) sb.Append(", peripheries=2");
            sb.Append("];\n");
        }
        foreach (var edge in snapshot.Edges)
            sb.Append("  ").Append(edge.From).Append(" -> ").Append(edge.To).Append(" [label=\"")
              .Append(EscapeDot(EdgeLabel(edge))).Append("\"];\n");
        return sb.Append("}\n").ToString();
    }

    /// <summary>
    /// Mermaid <c>flowchart BT</c> (renders in GitHub Markdown): one quoted node per tensor, one line per operand slot
    /// (<c>from --&gt;|"slot: formula"| to</c>). Characters Mermaid reads as syntax are written as entity codes
    /// (<c>#34;</c> for a quote, <c>#91;</c> for [, …); label lines are joined with <c>&lt;br/&gt;</c>.
    /// </summary>
    public static string Mermaid(GraphSnapshot snapshot)
    {
        var sb = new StringBuilder();
        sb.Append("flowchart BT\n");
        foreach (var node in snapshot.Nodes)
            sb.Append("  ").Append(node.Id).Append("[\"")
              .Append(string.Join("<br/>", node.LabelLines.Select(EscapeMermaid))).Append("\"]\n");
        foreach (var edge in snapshot.Edges)
            sb.Append("  ").Append(edge.From).Append(" -->|\"").Append(EscapeMermaid(EdgeLabel(edge)))
              .Append("\"| ").Append(edge.To).Append('\n');
        return sb.ToString();
    }

    private static string EdgeLabel(SnapshotEdge edge) => edge.Slot.ToString(CultureInfo.InvariantCulture) + ": " + edge.Formula;

    /// <summary>Escapes text for a DOT quoted string.</summary>
    internal static string EscapeDot(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);

    /// <summary>Escapes text for a quoted Mermaid label with entity codes (# first, as the codes start with it).</summary>
    internal static string EscapeMermaid(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            switch (c)
            {
                case '#' or '"' or '<' or '>' or '[' or ']' or '{' or '}' or '|' or '&' or ';' or '`':
                    sb.Append('#').Append(((int)c).ToString(CultureInfo.InvariantCulture)).Append(';');
                    break;
                case '\n':
                    sb.Append("<br/>");
                    break;
                case '\r':
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}
