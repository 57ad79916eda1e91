namespace Autograd;

/// <summary>A point of a laid-out edge, in SVG user units (x to the right, y downward).</summary>
internal readonly record struct LayoutPoint(double X, double Y);

/// <summary>Where <see cref="LayeredLayout"/> put everything: box i's top-left corner (X[i], Y[i]) and size, and each
/// edge as a polyline from a point on its source's border to a point on its target's border.</summary>
internal sealed record LayoutResult(double[] X, double[] Y, double[] Width, double[] Height, int[] Layer,
    LayoutPoint[][] Edges, double TotalWidth, double TotalHeight);

/// <summary>
/// A layered (Sugiyama-style) drawing of a directed graph, left to right, with no native dependency:
/// <list type="number">
/// <item>edges run from the lower box index to the higher (the caller's indices are a topological order; an edge
/// against it, as between collapsed groups that feed each other, is laid out reversed and drawn backward);</item>
/// <item>layers by longest path from the sources, then each source moves next to its nearest consumer;</item>
/// <item>an edge spanning k layers gets k − 1 dummy points, so it passes between boxes, never through one;</item>
/// <item>the order inside each layer comes from alternating barycenter sweeps, keeping the order with fewest crossings;</item>
/// <item>heights inside a layer: each box pulled toward the mean height of its neighbours, the boxes kept in order and
/// apart by an isotonic regression (pool adjacent violators), so boxes never overlap.</item>
/// </list>
/// Boxes are left-aligned in their column; an edge leaves its source's right border, crosses columns as horizontal
/// runs at heights no box of that column occupies, and ends on its target's left border, at a port of its own
/// (so the two edges of a + a are distinct). Deterministic: no hashing order, no randomness.
/// </summary>
internal static class LayeredLayout
{
    public const double ColumnGap = 72, BoxGap = 14, DummyGap = 6, DummyHeight = 2, Margin = 16;
    private const int Sweeps = 8, HeightRounds = 8;

    public static LayoutResult Compute(IReadOnlyList<(double Width, double Height)> boxes, IReadOnlyList<(int From, int To)> edges)
    {
        int n = boxes.Count;
        // 1. Orientation: every edge from the lower index to the higher.
        var head = new int[edges.Count];
        var tail = new int[edges.Count];
        var reversed = new bool[edges.Count];
        var incoming = new List<int>[n];
        var outgoing = new List<int>[n];
        for (int v = 0; v < n; v++) (incoming[v], outgoing[v]) = ([], []);
        for (int e = 0; e < edges.Count; e++)
        {
            var (from, to) = edges[e];
            if (from == to || (uint)from >= (uint)n || (uint)to >= (uint)n)
                throw new ArgumentException($"LayeredLayout: edge {e} ({from} -> {to}) must join two different boxes of 0..{n - 1}", nameof(edges));
            reversed[e] = from > to;
            (tail[e], head[e]) = reversed[e] ? (to, from) : (from, to);
            outgoing[tail[e]].Add(e);
            incoming[head[e]].Add(e);
        }

        // 2. Layers: longest path from the sources (index order is a topological order); sources then move forward.
        var layerOf = new List<int>(new int[n]);
        for (int v = 0; v < n; v++)
            foreach (int e in incoming[v]) layerOf[v] = Math.Max(layerOf[v], layerOf[tail[e]] + 1);
        for (int v = 0; v < n; v++)
            if (incoming[v].Count == 0 && outgoing[v].Count > 0) layerOf[v] = outgoing[v].Min(e => layerOf[head[e]]) - 1;

        // 3. Dummy vertices (index n, n + 1, …) for edges longer than one layer; chains[e] in layout direction.
        var height = boxes.Select(b => b.Height).ToList();
        var chains = new int[edges.Count][];
        for (int e = 0; e < edges.Count; e++)
        {
            int span = layerOf[head[e]] - layerOf[tail[e]];
            var chain = new int[span + 1];
            chain[0] = tail[e];
            chain[span] = head[e];
            for (int k = 1; k < span; k++)
            {
                chain[k] = layerOf.Count;
                layerOf.Add(layerOf[tail[e]] + k);
                height.Add(DummyHeight);
            }
            chains[e] = chain;
        }
        int total = layerOf.Count, layers = n == 0 ? 0 : layerOf.Max() + 1;
        var preds = new List<int>[total];
        var succs = new List<int>[total];
        for (int v = 0; v < total; v++) (preds[v], succs[v]) = ([], []);
        foreach (var chain in chains)
            for (int k = 0; k + 1 < chain.Length; k++)
            {
                succs[chain[k]].Add(chain[k + 1]);
                preds[chain[k + 1]].Add(chain[k]);
            }

        // 4. Order inside layers.
        var order = new List<int>[layers];
        for (int l = 0; l < layers; l++) order[l] = [];
        for (int v = 0; v < total; v++) order[layerOf[v]].Add(v);
        var pos = new int[total];
        Renumber(order, pos);
        long best = Crossings(order, succs, pos);
        var kept = order.Select(o => o.ToArray()).ToArray();
        for (int sweep = 0; sweep < Sweeps && best > 0; sweep++)
        {
            bool down = sweep % 2 == 0;
            for (int i = 1; i < layers; i++)
            {
                int l = down ? i : layers - 1 - i;
                var neighbours = down ? preds : succs;
                order[l] = [.. order[l].OrderBy(v => neighbours[v].Count == 0 ? pos[v] : neighbours[v].Average(u => (double)pos[u])).ThenBy(v => pos[v])];
                for (int k = 0; k < order[l].Count; k++) pos[order[l][k]] = k;
            }
            long crossings = Crossings(order, succs, pos);
            if (crossings < best)
            {
                best = crossings;
                kept = order.Select(o => o.ToArray()).ToArray();
            }
        }
        for (int l = 0; l < layers; l++) order[l] = [.. kept[l]];
        Renumber(order, pos);

        // 5. Columns (x) and heights (y).
        var columnX = new double[layers];
        var columnWidth = new double[layers];
        for (int v = 0; v < n; v++) columnWidth[layerOf[v]] = Math.Max(columnWidth[layerOf[v]], boxes[v].Width);
        for (int l = 0; l < layers; l++) columnX[l] = l == 0 ? Margin : columnX[l - 1] + columnWidth[l - 1] + ColumnGap;
        var top = new double[total];
        foreach (var column in order)
        {
            double y = 0;
            for (int k = 0; k < column.Count; k++)
            {
                if (k > 0) y += Gap(column[k - 1], column[k], n);
                top[column[k]] = y;
                y += height[column[k]];
            }
        }
        for (int round = 0; round < HeightRounds; round++)
        {
            bool down = round % 2 == 0;
            for (int i = 0; i < layers; i++)
            {
                var column = order[down ? i : layers - 1 - i];
                var neighbours = down ? preds : succs;
                var desired = column.Select(v => neighbours[v].Count == 0 ? top[v]
                    : neighbours[v].Average(u => top[u] + height[u] / 2) - height[v] / 2).ToArray();
                Place(column, desired, height, top, n);
            }
        }
        double minTop = total == 0 ? 0 : top.Min(), maxBottom = 0;
        for (int v = 0; v < total; v++)
        {
            top[v] += Margin - minTop;
            maxBottom = Math.Max(maxBottom, top[v] + height[v]);
        }

        // 6. Edges: ports on the borders, then runs through the columns.
        var x = new double[n];
        var y0 = new double[n];
        for (int v = 0; v < n; v++) (x[v], y0[v]) = (columnX[layerOf[v]], top[v]);
        double Center(int v) => top[v] + height[v] / 2;
        var rightPort = new double[edges.Count];
        var leftPort = new double[edges.Count];
        for (int v = 0; v < n; v++)
        {
            Ports(outgoing[v], e => Center(chains[e][1]), rightPort, top[v], height[v]);
            Ports(incoming[v], e => Center(chains[e][^2]), leftPort, top[v], height[v]);
        }
        var routes = new LayoutPoint[edges.Count][];
        for (int e = 0; e < edges.Count; e++)
        {
            var chain = chains[e];
            int from = chain[0], to = chain[^1], fromLayer = layerOf[from];
            var points = new List<LayoutPoint> { new(x[from] + boxes[from].Width, rightPort[e]) };
            double columnRight = columnX[fromLayer] + columnWidth[fromLayer];
            if (boxes[from].Width < columnWidth[fromLayer]) points.Add(new(columnRight, rightPort[e]));
            for (int k = 1; k + 1 < chain.Length; k++)
            {
                int l = layerOf[chain[k]];
                points.Add(new(columnX[l], Center(chain[k])));
                if (columnWidth[l] > 0) points.Add(new(columnX[l] + columnWidth[l], Center(chain[k])));
            }
            points.Add(new(x[to], leftPort[e]));
            if (reversed[e]) points.Reverse();
            routes[e] = [.. points];
        }
        double width = layers == 0 ? 2 * Margin : columnX[^1] + columnWidth[^1] + Margin;
        return new LayoutResult(x, y0, [.. boxes.Select(b => b.Width)], [.. boxes.Select(b => b.Height)],
            [.. layerOf.Take(n)], routes, width, maxBottom + Margin);
    }

    private static double Gap(int a, int b, int realCount) => a >= realCount || b >= realCount ? DummyGap : BoxGap;

    private static void Renumber(List<int>[] order, int[] pos)
    {
        foreach (var column in order)
            for (int k = 0; k < column.Count; k++) pos[column[k]] = k;
    }

    /// <summary>Spreads the edges at one side of a box evenly over its height, ordered by the height of the point each
    /// goes to (then by edge index), so edges leaving one side do not cross there.</summary>
    private static void Ports(List<int> side, Func<int, double> towards, double[] port, double top, double height)
    {
        var sorted = side.OrderBy(towards).ThenBy(e => e).ToList();
        for (int i = 0; i < sorted.Count; i++) port[sorted[i]] = top + height * (i + 1) / (sorted.Count + 1);
    }

    /// <summary>Edge crossings between adjacent layers: segments sorted by upper position, then inversions of the lower
    /// positions counted with a Fenwick tree.</summary>
    private static long Crossings(List<int>[] order, List<int>[] succs, int[] pos)
    {
        long crossings = 0;
        for (int l = 0; l + 1 < order.Length; l++)
        {
            var segments = new List<(int Upper, int Lower)>();
            foreach (int v in order[l])
                foreach (int w in succs[v]) segments.Add((pos[v], pos[w]));
            segments.Sort();
            var tree = new int[order[l + 1].Count + 1];
            for (int i = 0; i < segments.Count; i++)
            {
                // Earlier segments with a strictly larger lower position cross this one.
                int atMost = 0;
                for (int k = segments[i].Lower + 1; k > 0; k -= k & -k) atMost += tree[k];
                crossings += i - atMost;
                for (int k = segments[i].Lower + 1; k < tree.Length; k += k & -k) tree[k]++;
            }
        }
        return crossings;
    }

    /// <summary>
    /// Puts the column's items as near their desired tops as the order and the gaps allow (least squares): with
    /// offsets oᵢ (the heights and gaps above item i when packed), pᵢ = topᵢ − oᵢ must not decrease, and the
    /// non-decreasing p nearest to desiredᵢ − oᵢ is the pool-adjacent-violators average of blocks.
    /// </summary>
    private static void Place(List<int> column, double[] desired, List<double> height, double[] top, int realCount)
    {
        int m = column.Count;
        var offset = new double[m];
        for (int i = 1; i < m; i++) offset[i] = offset[i - 1] + height[column[i - 1]] + Gap(column[i - 1], column[i], realCount);
        var sums = new List<double>();
        var counts = new List<int>();
        for (int i = 0; i < m; i++)
        {
            sums.Add(desired[i] - offset[i]);
            counts.Add(1);
            while (sums.Count > 1 && sums[^2] / counts[^2] > sums[^1] / counts[^1])
            {
                sums[^2] += sums[^1];
                counts[^2] += counts[^1];
                sums.RemoveAt(sums.Count - 1);
                counts.RemoveAt(counts.Count - 1);
            }
        }
        int item = 0;
        for (int b = 0; b < sums.Count; b++)
            for (int k = 0; k < counts[b]; k++, item++) top[column[item]] = sums[b] / counts[b] + offset[item];
    }
}
