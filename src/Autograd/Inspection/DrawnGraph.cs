using System.Globalization;

namespace Autograd;

/// <summary>One box of a drawing: a snapshot node, or a module group collapsed into one box.</summary>
/// <param name="Id">The node's snapshot id, or "group0", "group1", … for a collapsed group.</param>
/// <param name="Kind">"op", "leaf", "input" or "group" (the CSS class).</param>
/// <param name="Lines">The text drawn in the box (each line at most <see cref="DrawnGraph.MaxChars"/> characters).</param>
/// <param name="Details">Everything about the box, untruncated: label lines and each input's formula (the hover text).</param>
/// <param name="IsRoot">True for the box of the snapshot's root.</param>
internal sealed record DrawnBox(string Id, string Kind, IReadOnlyList<string> Lines, IReadOnlyList<string> Details, bool IsRoot);

/// <summary>One drawn edge between boxes <see cref="From"/> and <see cref="To"/> (indices): an operand slot, or, between
/// collapsed groups, <see cref="Count"/> operand slots that cross from one box to the other.</summary>
internal sealed record DrawnEdge(int From, int To, int? Slot, int Count, string Title);

/// <summary>
/// What a picture draws of a snapshot: a box per node and an edge per operand slot, or, when the snapshot has more
/// than <c>collapseAbove</c> nodes and a grouping function is given, one box per group (nodes the function leaves
/// ungrouped keep their own box) and one edge per pair of boxes that operand slots join, labelled with their count;
/// slots inside a group are not drawn.
/// </summary>
internal sealed class DrawnGraph
{
    /// <summary>Longest text line drawn in a box; longer lines end in "…" (the hover text has them whole).</summary>
    public const int MaxChars = 44;

    private DrawnGraph(List<DrawnBox> boxes, List<DrawnEdge> edges, Dictionary<string, int> boxOf, bool collapsed)
    {
        Boxes = boxes;
        Edges = edges;
        BoxOf = boxOf;
        Collapsed = collapsed;
    }

    public IReadOnlyList<DrawnBox> Boxes { get; }
    public IReadOnlyList<DrawnEdge> Edges { get; }

    /// <summary>The index of the box that shows each snapshot node.</summary>
    public IReadOnlyDictionary<string, int> BoxOf { get; }

    public bool Collapsed { get; }

    public static DrawnGraph Of(GraphSnapshot snapshot, int collapseAbove, Func<SnapshotNode, string?>? groupOf)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(collapseAbove);
        var inputs = snapshot.Edges.ToLookup(e => e.To);
        bool collapse = groupOf is not null && snapshot.Nodes.Count > collapseAbove;
        var boxes = new List<DrawnBox>();
        var boxOf = new Dictionary<string, int>();
        var groups = new Dictionary<string, List<SnapshotNode>>();
        var groupNames = new List<string>(); // first-use order
        foreach (var node in snapshot.Nodes)
        {
            string? group = collapse ? groupOf!(node) : null;
            if (group is null)
            {
                var details = node.LabelLines.Concat(inputs[node.Id].Select(e => $"slot {Num(e.Slot)} ← {e.From}: {e.Formula}")).ToList();
                boxOf[node.Id] = boxes.Count;
                boxes.Add(new DrawnBox(node.Id, node.IsLeaf ? node.Op : "op", Truncate(node.LabelLines), details, node.Id == snapshot.RootId));
            }
            else if (groups.TryGetValue(group, out var members)) members.Add(node);
            else
            {
                groups[group] = [node];
                groupNames.Add(group);
                boxOf[node.Id] = boxes.Count;
                boxes.Add(null!); // filled below, once every member is known
            }
        }
        for (int g = 0; g < groupNames.Count; g++)
        {
            string name = groupNames[g];
            var members = groups[name];
            int index = boxOf[members[0].Id];
            foreach (var m in members) boxOf[m.Id] = index;
            var ops = members.GroupBy(m => m.Op).Select(o => $"{o.Key}×{Num(o.Count())}");
            var lines = new List<string> { $"[{name}]", $"{Num(members.Count)} nodes, collapsed", string.Join(" ", ops) };
            var details = lines.Concat(members.Select(m => $"{m.Id}: {m.Op} {m.ShapeText}")).ToList();
            boxes[index] = new DrawnBox("group" + Num(g), "group", Truncate(lines), details,
                members.Any(m => m.Id == snapshot.RootId));
        }

        var edges = new List<DrawnEdge>();
        if (!collapse)
        {
            foreach (var e in snapshot.Edges)
                edges.Add(new DrawnEdge(boxOf[e.From], boxOf[e.To], e.Slot, 1, $"slot {Num(e.Slot)}: {e.Formula}"));
        }
        else
        {
            var joined = new Dictionary<(int, int), int>();
            var pairs = new List<(int From, int To)>();
            foreach (var e in snapshot.Edges)
            {
                var pair = (boxOf[e.From], boxOf[e.To]);
                if (pair.Item1 == pair.Item2) continue;
                if (joined.TryAdd(pair, 1)) pairs.Add(pair);
                else joined[pair]++;
            }
            foreach (var (from, to) in pairs)
                edges.Add(new DrawnEdge(from, to, null, joined[(from, to)], $"{Num(joined[(from, to)])} operand slot(s)"));
        }
        return new DrawnGraph(boxes, edges, boxOf, collapse);
    }

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static List<string> Truncate(IEnumerable<string> lines) =>
        [.. lines.Select(l => l.Length <= MaxChars ? l : string.Concat(l.AsSpan(0, MaxChars - 1), "…"))];
}
