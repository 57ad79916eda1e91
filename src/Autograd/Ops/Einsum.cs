using System.Numerics;

namespace Autograd;

// Einsum: the equation is parsed and mapped onto differentiable ops (Mul by an identity and Sum for a repeated letter,
// Sum for a letter used once, Permute/Reshape and one batched MatMul for two operands), so it needs no rule of its own.
public static partial class Tensor
{
    /// <summary>
    /// Einstein summation (torch.einsum) over one or two operands: each operand's subscripts name its dims by letters
    /// (a–z, A–Z); letters missing from the output (after "->") are summed over, a letter repeated within one operand
    /// takes its diagonal, and without "->" the output is the letters used exactly once, in alphabetical order. Examples:
    /// "ij,jk->ik" (matrix product), "bij,bjk->bik" (batched), "bhqd,bhkd->bhqk" (attention scores), "i,i->" (dot),
    /// "i,j->ij" (outer), "ii->" (trace), "ii->i" (diagonal), "ij->ji" (transpose), "ij->" (sum). Computed with Permute,
    /// Reshape, Mul, Sum and one batched MatMul, whose rules give the gradient (and every higher order). Ellipses, more
    /// than two operands and broadcasting of size-1 dims are not supported and throw naming the equation.
    /// </summary>
    public static Tensor<T> Einsum<T>(string equation, params Tensor<T>[] operands) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(equation);
        ArgumentNullException.ThrowIfNull(operands);
        var (terms, output) = ParseEinsum(equation, operands.Select(o => o.Dims).ToArray());
        var reduced = new Tensor<T>[terms.Length];
        var letters = new string[terms.Length];
        for (int k = 0; k < terms.Length; k++)
        {
            string others = output + string.Concat(terms.Where((_, j) => j != k));
            (reduced[k], letters[k]) = ReduceOperand(operands[k], terms[k], others);
        }
        if (terms.Length == 1) return reduced[0].Permute([.. output.Select(c => letters[0].IndexOf(c))]);
        return Contract(reduced[0], letters[0], reduced[1], letters[1], output);
    }

    /// <summary>Splits and checks the equation: one term per operand, letters only, ranks and sizes that agree.</summary>
    private static (string[] Terms, string Output) ParseEinsum(string equation, int[][] shapes)
    {
        string eq = equation.Replace(" ", "");
        string Fail(string what) => throw new ArgumentException($"Einsum: {what} in \"{equation}\"");
        if (eq.Contains("...")) Fail("ellipsis (...) is not supported");
        int arrow = eq.IndexOf("->", StringComparison.Ordinal);
        string lhs = arrow < 0 ? eq : eq[..arrow];
        string? rhs = arrow < 0 ? null : eq[(arrow + 2)..];
        var terms = lhs.Split(',');
        if (terms.Length is < 1 or > 2) Fail($"{terms.Length} operands; only one or two are supported");
        if (terms.Length != shapes.Length) Fail($"{terms.Length} subscript terms for {shapes.Length} operands");
        foreach (string term in terms.Append(rhs ?? ""))
            foreach (char c in term)
                if (!char.IsAsciiLetter(c)) Fail($"'{c}' is not a subscript letter (a–z, A–Z)");
        var sizes = new Dictionary<char, int>();
        for (int k = 0; k < terms.Length; k++)
        {
            if (terms[k].Length != shapes[k].Length)
                Fail($"operand {k} has shape {Shapes.Format(shapes[k])} but \"{terms[k]}\" names {terms[k].Length} dims");
            for (int i = 0; i < terms[k].Length; i++)
            {
                char c = terms[k][i];
                if (sizes.TryGetValue(c, out int size) && size != shapes[k][i])
                    Fail($"letter '{c}' has size {size} and size {shapes[k][i]} (operand {k} of shape {Shapes.Format(shapes[k])})");
                sizes[c] = shapes[k][i];
            }
        }
        string all = string.Concat(terms);
        string output = rhs ?? string.Concat(all.Distinct().Where(c => all.Count(d => d == c) == 1).Order());
        for (int i = 0; i < output.Length; i++)
        {
            if (!sizes.ContainsKey(output[i])) Fail($"output letter '{output[i]}' names no input dim");
            if (output.IndexOf(output[i]) != i) Fail($"output letter '{output[i]}' appears twice");
        }
        return (terms, output);
    }

    /// <summary>
    /// Takes the diagonal of each letter repeated in <paramref name="term"/> (x·I summed over the second copy) and sums
    /// the letters not in <paramref name="others"/>; returns the tensor and its letters, each once.
    /// </summary>
    private static (Tensor<T>, string) ReduceOperand<T>(Tensor<T> x, string term, string others) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int j = 0; j < term.Length; j++)
        {
            int i = term.IndexOf(term[j]);
            if (i == j) continue;
            int n = x.Dims[i];
            var eyeShape = Enumerable.Repeat(1, x.Rank).ToArray();
            eyeShape[i] = eyeShape[j] = n;
            var eye = new T[n * n];
            for (int k = 0; k < n; k++) eye[k * n + k] = T.One;
            x = (x * FromArrayNoCopy(eye, eyeShape)).Sum(j);
            term = term.Remove(j, 1);
            j--;
        }
        var summed = Enumerable.Range(0, term.Length).Where(i => !others.Contains(term[i])).ToArray();
        if (summed.Length == 0) return (x, term);
        return (x.Sum(summed), string.Concat(term.Where((_, i) => Array.IndexOf(summed, i) < 0)));
    }

    /// <summary>
    /// Two operands with distinct letters each: batch letters (both and output), contracted (both, not output), left and
    /// right (one side only): [B, L, K]·[B, K, R] by one MatMul, reshaped and permuted to <paramref name="output"/>.
    /// </summary>
    private static Tensor<T> Contract<T>(Tensor<T> a, string ta, Tensor<T> b, string tb, string output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string batch = string.Concat(ta.Where(c => tb.Contains(c) && output.Contains(c)));
        string contracted = string.Concat(ta.Where(c => tb.Contains(c) && !output.Contains(c)));
        string left = string.Concat(ta.Where(c => !tb.Contains(c)));
        string right = string.Concat(tb.Where(c => !ta.Contains(c)));
        int Size(Tensor<T> t, string term, string group) => group.Aggregate(1, (p, c) => p * t.Dims[term.IndexOf(c)]);
        int[] Order(string term, string group) => [.. group.Select(c => term.IndexOf(c))];
        var a3 = a.Permute([.. Order(ta, batch), .. Order(ta, left), .. Order(ta, contracted)])
            .Reshape(Size(a, ta, batch), Size(a, ta, left), Size(a, ta, contracted));
        var b3 = b.Permute([.. Order(tb, batch), .. Order(tb, contracted), .. Order(tb, right)])
            .Reshape(Size(b, tb, batch), Size(b, tb, contracted), Size(b, tb, right));
        string letters = batch + left + right;
        int[] shape = [.. letters.Select(c => ta.Contains(c) ? a.Dims[ta.IndexOf(c)] : b.Dims[tb.IndexOf(c)])];
        return a3.MatMul(b3).Reshape(shape).Permute([.. output.Select(c => letters.IndexOf(c))]);
    }
}
