using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// Explain on random small scalar graphs: every product the text prints (∂L/∂x = ∂L/∂y · ∂y/∂x = u · l = p) holds to
/// the printed precision, every term's unrounded contribution is the upstream gradient times the local derivative, and
/// the contributions of each leaf sum to the gradient <c>Backward()</c> gives (the oracle).
/// </summary>
public partial class ExplainProperties
{
    /// <summary>One op of a random graph: its kind and two operand picks (taken modulo the number of tensors so far,
    /// so an op may use the same tensor twice).</summary>
    public sealed record Step(int Kind, int Left, int Right)
    {
        public override string ToString() => $"{Kinds[Kind]}({Left}, {Right})";
    }

    private static readonly string[] Kinds = ["Add", "Sub", "Mul", "Tanh", "Sigmoid", "Affine", "Relu"];

    private static Tensor<double> Apply(Step s, Tensor<double> x, Tensor<double> y) => s.Kind switch
    {
        0 => x + y,
        1 => x - y,
        2 => x * y,
        3 => x.Tanh(),
        4 => x.Sigmoid(),
        5 => x * 1.5 + 0.5,
        _ => x.Relu(),
    };

    private static readonly Gen<(double[] Leaves, Step[] Steps)> Graphs =
        from leafCount in Gen.Choose(1, 4)
        from leaves in Gen.ArrayOf(Gen.Choose(-2000, 2000).Select(i => i / 1000.0 + 0.0005), leafCount)
        from stepCount in Gen.Choose(1, 8)
        from steps in Gen.ArrayOf(
            from kind in Gen.Choose(0, Kinds.Length - 1)
            from left in Gen.Choose(0, 100)
            from right in Gen.Choose(0, 100)
            select new Step(kind, left, right), stepCount)
        select (leaves, steps);

    [GeneratedRegex(@"∂L/∂(?<input>\w+) = ∂L/∂\w+ · ∂\w+/∂\w+ = (?<u>\S+) · (?<l>\S+) = (?<p>\S+)$", RegexOptions.Multiline)]
    private static partial Regex TermLine();

    private static double Parse(string printed) =>
        double.Parse(printed.Replace('\u2212', '-'), NumberStyles.Float, CultureInfo.InvariantCulture);

    [Fact]
    public void Every_printed_product_holds_and_sums_to_Backwards_gradient() =>
        Prop.ForAll(Arb.From(Graphs), graph => Check(graph.Leaves, graph.Steps))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithQuietOnSuccess(true).WithReplay(20261130, 0x9E3779B97F4A7C15UL));

    private static void Check(double[] leafValues, Step[] steps)
    {
        var tensors = new List<Tensor<double>>();
        var names = new List<(Tensor<double>, string)>();
        for (int i = 0; i < leafValues.Length; i++)
        {
            tensors.Add(Tensor.Scalar(leafValues[i], requiresGrad: true));
            names.Add((tensors[^1], $"x{i}"));
        }
        for (int k = 0; k < steps.Length; k++)
        {
            var s = steps[k];
            var v = Apply(s, tensors[s.Left % tensors.Count], tensors[s.Right % tensors.Count]);
            tensors.Add(v);
            names.Add((v, k == steps.Length - 1 ? "L" : $"v{k}"));
        }
        var loss = tensors[^1];
        var derivation = loss.Explain([.. names]);
        string text = derivation.ToString();
        string graph = $"leaves [{string.Join(", ", leafValues)}], steps [{string.Join(", ", steps.AsEnumerable())}]";

        // 1. Each printed line u · l = p holds to 4 significant digits: each number is rounded to a relative 5·10⁻⁴, so
        //    u·l and p may differ by (1 + 5·10⁻⁴)³ − 1 < 1.6·10⁻³ of their size.
        var lines = TermLine().Matches(text);
        int terms = derivation.Steps.SelectMany(s => s.Terms).Count(t => t.Local is not null);
        if (lines.Count != terms) throw new Exception($"{graph}: {terms} terms but {lines.Count} printed products\n{text}");
        foreach (Match m in lines)
        {
            double u = Parse(m.Groups["u"].Value), l = Parse(m.Groups["l"].Value), p = Parse(m.Groups["p"].Value);
            if (Math.Abs(u * l - p) > 1.6e-3 * Math.Max(Math.Abs(u * l), Math.Abs(p)))
                throw new Exception($"{graph}: printed {m.Value}, but {u} · {l} = {u * l}\n{text}");
        }

        // 2. Unrounded: contribution = upstream · local (both rules are linear in the upstream gradient).
        foreach (var step in derivation.Steps)
            foreach (var t in step.Terms.Where(t => t.Local is not null))
            {
                double u = step.Upstream.Elements![0], l = t.Local!.Elements![0], p = t.Contribution!.Elements![0];
                if (Math.Abs(u * l - p) > 1e-12 * Math.Max(1, Math.Abs(p)))
                    throw new Exception($"{graph}: {t.InputName}'s term {p} is not {u} · {l}");
            }

        // 3. The oracle: Backward's gradient of each leaf equals the sum of its contributions.
        loss.Backward();
        for (int i = 0; i < leafValues.Length; i++)
        {
            var leaf = tensors[i];
            double sum = derivation.Steps.SelectMany(s => s.Terms)
                .Where(t => t.InputName == $"x{i}" && t.Contribution is not null).Sum(t => t.Contribution!.Elements![0]);
            double engine = leaf.Grad?.Item() ?? 0;
            if (Math.Abs(sum - engine) > 1e-12 * Math.Max(1, Math.Abs(engine)))
                throw new Exception($"{graph}: x{i}: Backward gives {engine}, the derivation's terms sum to {sum}\n{text}");
        }
    }
}
