using System.Globalization;
using System.Text;

namespace Autograd;

/// <summary>Plain-text, Markdown and LaTeX renderings of a <see cref="Derivation"/>, all with the same numbers.</summary>
internal static class DerivationText
{
    private const char Minus = '\u2212';

    /// <summary>A value as text: a plain number for one element, "[2, 3] [1, 2, …]" (shape, then values or a summary)
    /// otherwise. Minus signs are U+2212 unless <paramref name="ascii"/>.</summary>
    public static string Value(TensorValues v, IReadOnlyList<int> shape, bool ascii = false)
    {
        string text = v.Count == 1 && v.Elements is { } one ? TensorValues.Format(one[0])
            : $"{Shapes.Format([.. shape])} {v}";
        return ascii ? text : text.Replace('-', Minus);
    }

    /// <summary>"∂L/∂x".</summary>
    private static string D(string of, string by) => $"∂{of}/∂{by}";

    /// <summary>The line of one term: "∂L/∂a = ∂L/∂e · ∂e/∂a = −2 · −3 = 6" when the op's output has one element,
    /// "∂L/∂a += ∂L/∂e · ∂e/∂a = [2] [..]" (the vector–Jacobian product) otherwise.</summary>
    private static string TermLine(Derivation d, DerivationStep s, DerivationTerm t)
    {
        string chain = $"{D(d.RootName, t.InputName)} = {D(d.RootName, s.Name)} · {D(s.Name, t.InputName)}";
        if (t.Contribution is null) return $"{chain}: no gradient (the input does not require grad)";
        return t.Local is { } local
            ? $"{chain} = {Value(s.Upstream, s.Shape)} · {Value(local, t.InputShape)} = {Value(t.Contribution, t.InputShape)}"
            : $"{chain} = {Value(t.Contribution, t.InputShape)}";
    }

    /// <summary>"∂L/∂a = 1 + 1 = 2" for a tensor with several terms (each term shown), "∂L/∂a = 2" otherwise.</summary>
    private static string SumLine(Derivation d, (string Id, string Name, IReadOnlyList<int> Shape, TensorValues Gradient, int Terms) g,
        Func<TensorValues, IReadOnlyList<int>, string> value, string plus, Func<string, string, string> partial)
    {
        var sb = new StringBuilder(partial(d.RootName, g.Name)).Append(" = ");
        if (g.Terms > 1)
        {
            var terms = d.Steps.SelectMany(s => s.Terms).Where(t => t.InputId == g.Id && t.Contribution is not null)
                .Select(t => value(t.Contribution!, g.Shape));
            sb.Append(string.Join(plus, terms)).Append(" = ");
        }
        return sb.Append(value(g.Gradient, g.Shape)).ToString();
    }

    /// <summary>"n2, " when the step's output has a given name, "" when the name is the id itself.</summary>
    private static string Id(DerivationStep s) => s.Name == s.NodeId ? "" : s.NodeId + ", ";

    private static string Inv(int i) => i.ToString(CultureInfo.InvariantCulture);

    public static string Plain(Derivation d)
    {
        var sb = new StringBuilder();
        sb.Append("Chain rule for ").Append(d.RootName).Append(" (").Append(d.ElementType).Append("), steps in backward order\n");
        for (int i = 0; i < d.Steps.Count; i++)
        {
            var s = d.Steps[i];
            sb.Append("step ").Append(Inv(i + 1)).Append(": ").Append(s.Name).Append(" = ").Append(s.Op).Append(" (").Append(Id(s))
              .Append("shape ").Append(Shapes.Format([.. s.Shape])).Append(") = ").Append(Value(s.Value, s.Shape))
              .Append(", ").Append(D(d.RootName, s.Name)).Append(" = ")
              .Append(Value(s.Upstream, s.Shape)).Append('\n');
            foreach (var t in s.Terms)
            {
                sb.Append("  slot ").Append(Inv(t.Slot)).Append(", ").Append(t.Formula).Append(": ").Append(TermLine(d, s, t)).Append('\n');
                if (t.MatrixForm is not null) sb.Append("    matrix form: ").Append(t.MatrixForm).Append('\n');
                if (t.Accumulated is not null) sb.Append("    ").Append(D(d.RootName, t.InputName)).Append(" so far = ").Append(Value(t.Accumulated, t.InputShape)).Append('\n');
            }
        }
        sb.Append("gradients\n");
        foreach (var g in d.Order) sb.Append("  ").Append(SumLine(d, g, (v, sh) => Value(v, sh), " + ", D)).Append('\n');
        return sb.ToString();
    }

    public static string Markdown(Derivation d)
    {
        var sb = new StringBuilder();
        sb.Append("## Chain rule for ").Append(d.RootName).Append(" (").Append(d.ElementType).Append(")\n\n");
        for (int i = 0; i < d.Steps.Count; i++)
        {
            var s = d.Steps[i];
            sb.Append("### Step ").Append(Inv(i + 1)).Append(": `").Append(s.Name).Append("` = ").Append(s.Op).Append(" (").Append(Id(s))
              .Append("shape ").Append(Shapes.Format([.. s.Shape])).Append(")\n\n")
              .Append("value ").Append(Cell(Value(s.Value, s.Shape))).Append(", ")
              .Append(D(d.RootName, s.Name)).Append(" = ").Append(Cell(Value(s.Upstream, s.Shape))).Append("\n\n")
              .Append("| slot | input | local derivative | term | accumulated |\n|---|---|---|---|---|\n");
            foreach (var t in s.Terms)
            {
                string formula = t.MatrixForm is null ? t.Formula : $"{t.Formula}; matrix form {t.MatrixForm}";
                sb.Append("| ").Append(Inv(t.Slot)).Append(" | `").Append(t.InputName).Append("` | ").Append(Cell(formula)).Append(" | ")
                  .Append(Cell(TermLine(d, s, t))).Append(" | ")
                  .Append(t.Accumulated is null ? "" : Cell(Value(t.Accumulated, t.InputShape))).Append(" |\n");
            }
            sb.Append('\n');
        }
        sb.Append("### Gradients\n\n");
        foreach (var g in d.Order) sb.Append("- ").Append(SumLine(d, g, (v, sh) => Value(v, sh), " + ", D)).Append('\n');
        return sb.ToString();
    }

    /// <summary>A table cell: '|' escaped.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|");

    public static string Latex(Derivation d)
    {
        static string Frac(string of, string by) => $"\\frac{{\\partial {Tex(of)}}}{{\\partial {Tex(by)}}}";
        static string Num(TensorValues v, IReadOnlyList<int> shape) => Tex(Value(v, shape, ascii: true));
        var sb = new StringBuilder("\\begin{align*}\n");
        var lines = new List<string>();
        foreach (var s in d.Steps)
            foreach (var t in s.Terms)
            {
                if (t.Contribution is null) continue;
                string line = $"{Frac(d.RootName, t.InputName)} &\\mathrel{{+}}= {Frac(d.RootName, s.Name)} \\cdot {Frac(s.Name, t.InputName)}";
                if (t.Local is { } local) line += $" = {Num(s.Upstream, s.Shape)} \\cdot {Num(local, t.InputShape)}";
                lines.Add(line + $" = {Num(t.Contribution, t.InputShape)}");
            }
        foreach (var g in d.Order)
        {
            string line = SumLine(d, g, Num, " + ", Frac);
            lines.Add(line.Insert(line.IndexOf(" = ", StringComparison.Ordinal) + 1, "&"));
        }
        sb.Append(string.Join(" \\\\\n", lines)).Append("\n\\end{align*}\n");
        return sb.ToString();
    }

    /// <summary>Text set in LaTeX math: names in \mathrm, special characters escaped.</summary>
    private static string Tex(string text)
    {
        var sb = new StringBuilder();
        foreach (char c in text)
            sb.Append(c switch
            {
                '_' => "\\_",
                '#' => "\\#",
                '%' => "\\%",
                '&' => "\\&",
                '$' => "\\$",
                '{' => "\\{",
                '}' => "\\}",
                _ => c.ToString(),
            });
        return sb.ToString();
    }
}
