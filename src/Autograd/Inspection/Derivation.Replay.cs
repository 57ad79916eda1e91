using System.Collections.ObjectModel;
using System.Numerics;
using Autograd.Engine;

namespace Autograd;

/// <summary>
/// Runs the backward pass of one root as the engine does (same consumer counting, same stack, same rules, same sums,
/// the same order of additions) without touching any .Grad, pending gradient or node field, and records each step.
/// </summary>
internal sealed class Replay<T>(Tensor<T> root, Dictionary<Tensor<T>, string> ids, Func<Tensor<T>, string> name)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<Tensor<T>, Tensor<T>> _sum = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor<T>, int> _terms = new(ReferenceEqualityComparer.Instance);
    // Tensors in the order they first got a gradient (the root first).
    private readonly List<Tensor<T>> _order = [];

    public Derivation Run()
    {
        var steps = new List<DerivationStep>();
        using (Tensor.NoGrad())
        {
            Add(root, Tensor.OnesLike(root));
            var ready = CountConsumers(out var consumers);
            while (ready.Count > 0)
            {
                var t = ready.Pop();
                var node = t.GradFn!;
                _sum.TryGetValue(t, out var g);
                var inputs = node.Inputs;
                Tensor<T>?[]? grads = null, locals = null;
                if (g is not null)
                {
                    node.CheckSaved();
                    // The engine's choice of rule for a first-order pass: the fused form where there is one.
                    var rule = node.Fused ?? node.Derivative!;
                    grads = rule(g, t, inputs);
                    if (grads.Length != inputs.Length)
                        throw new InvalidOperationException($"Explain: the rule of '{node.Name}' returned {grads.Length} gradients for {inputs.Length} inputs");
                    if (t.NumElements == 1) locals = rule(Tensor.OnesLike(t), t, inputs);
                }
                var terms = new List<DerivationTerm>(inputs.Length);
                for (int j = 0; j < inputs.Length; j++)
                {
                    var input = inputs[j];
                    var gi = grads?[j];
                    TensorValues? contribution = null, accumulated = null, local = null;
                    if (gi is not null && input.RequiresGrad)
                    {
                        if (!Shapes.Equal(gi.Dims, input.Dims)) gi = gi.SumTo(input.Dims);
                        contribution = TensorValues.Of(gi);
                        accumulated = TensorValues.Of(Add(input, gi));
                        if (locals?[j] is { } l) local = TensorValues.Of(Shapes.Equal(l.Dims, input.Dims) ? l : l.SumTo(input.Dims));
                    }
                    string formula = node.Formula(j);
                    string? matrix = MatrixForm(node.Name, formula, inputs, t, input);
                    terms.Add(new DerivationTerm(j, ids[input], name(input), Shape(input), formula, local, contribution, accumulated, matrix));
                    if (input.GradFn is { } child && --consumers[child] == 0) ready.Push(input);
                }
                if (g is not null)
                    steps.Add(new DerivationStep(ids[t], name(t), node.Name, Shape(t), TensorValues.Of(t), TensorValues.Of(g), terms.AsReadOnly()));
            }
        }
        var gradients = _order.Select(t => (ids[t], name(t), Shape(t), TensorValues.Of(_sum[t]), _terms.GetValueOrDefault(t))).ToList();
        return new Derivation(name(root), typeof(T).Name, steps.AsReadOnly(), gradients.AsReadOnly());
    }

    /// <summary>The operand symbols of the ops whose products have a matrix form, as their formulas name them.</summary>
    private static string[]? Symbols(string op) => op switch
    {
        "MatMul" => ["A", "B"],
        "Linear" => ["x", "W", "b"],
        _ => null,
    };

    /// <summary>The op's formula with its symbols replaced by this derivation's names, e.g. "∂(A·B)/∂B = Aᵀ·G" for
    /// y = x·W gives "∂L/∂W = xᵀ·(∂L/∂y)"; null for ops without a matrix form.</summary>
    private string? MatrixForm(string op, string formula, Tensor<T>[] inputs, Tensor<T> output, Tensor<T> input)
    {
        if (Symbols(op) is not { } symbols) return null;
        int eq = formula.LastIndexOf(" = ", StringComparison.Ordinal);
        if (eq < 0) return null;
        string rhs = formula[(eq + 3)..];
        string rootName = name(root);
        var sb = new System.Text.StringBuilder($"∂{rootName}/∂{name(input)} = ");
        for (int i = 0; i < rhs.Length; i++)
        {
            char c = rhs[i];
            bool alone = char.IsLetter(c) && (i == 0 || !IsWordChar(rhs[i - 1])) && (i + 1 == rhs.Length || !IsWordChar(rhs[i + 1]));
            int k = alone ? Array.IndexOf(symbols, c.ToString()) : -1;
            if (alone && c == 'G') sb.Append($"(∂{rootName}/∂{name(output)})");
            else if (k >= 0 && k < inputs.Length) sb.Append(name(inputs[k]));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Part of a longer word ("rows"); a transpose mark ᵀ (a modifier letter) is not.</summary>
    private static bool IsWordChar(char c) =>
        (char.IsLetterOrDigit(c) && char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.ModifierLetter) || c == '_';

    private static IReadOnlyList<int> Shape(Tensor<T> t) => new ReadOnlyCollection<int>([.. t.Shape]);

    /// <summary>Adds a term to ∂L/∂t as the engine does: the first term as it is, each later one by elementwise addition.</summary>
    private Tensor<T> Add(Tensor<T> t, Tensor<T> g)
    {
        if (_sum.TryGetValue(t, out var sum))
        {
            _sum[t] = sum + g;
            _terms[t]++;
        }
        else
        {
            _sum[t] = g;
            _terms[t] = ReferenceEquals(t, root) ? 0 : 1;
            _order.Add(t);
        }
        return _sum[t];
    }

    /// <summary>For every reachable node, how many operand slots of reachable nodes it fills (explicit stack, the
    /// engine's traversal); returns the stack of nodes ready to run: the root's.</summary>
    private Stack<Tensor<T>> CountConsumers(out Dictionary<Node<T>, int> consumers)
    {
        consumers = new Dictionary<Node<T>, int>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<Tensor<T>>();
        if (root.GradFn is not { } top) return stack;
        consumers[top] = 0;
        stack.Push(root);
        while (stack.Count > 0)
        {
            var node = stack.Pop().GradFn!;
            for (int i = 0; i < node.InputCount; i++)
            {
                var input = node.Input(i);
                if (input.GradFn is not { } child) continue;
                if (consumers.TryGetValue(child, out int n)) consumers[child] = n + 1;
                else
                {
                    consumers[child] = 1;
                    stack.Push(input);
                }
            }
        }
        stack.Push(root);
        return stack;
    }
}
