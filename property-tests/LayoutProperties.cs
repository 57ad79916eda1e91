namespace Autograd.PropertyTests;

/// <summary>
/// Every catalog row gives the same forward and the same gradients when its tensor inputs arrive as non-contiguous views
/// of computed tensors as on the plain inputs: transposed strides (xᵀ made contiguous, then transposed back; rank 2 or
/// more), and rows of twice the width read from an offset (the second half of [x, x] joined along the last dim; rank 1
/// or more). Oracle: the row on the plain inputs. An op that recorded the contiguous copy it
/// made of a view lost the view's gradient without a word (Conv2d did); its registry rows all drew contiguous inputs.
/// </summary>
public class LayoutProperties
{
    public static TheoryData<string> Ops => new(OpCatalog.All.Select(o => o.Name));

    /// <summary>The two ways of handing an input over as a view with the same shape and values.</summary>
    private static readonly Func<Tensor<double>, Tensor<double>>[] Views =
    [
        t => t.Rank >= 2 ? t.MT.Contiguous().MT : t,
        t => t.Rank >= 1 && t.NumElements > 0 ? Tensor.Concat([t, t], t.Rank - 1).Narrow(t.Rank - 1, t.Shape[^1], t.Shape[^1]) : t,
    ];

    [Theory, MemberData(nameof(Ops))]
    public void ViewsGiveTheSameValuesAndGradients(string op)
    {
        var row = OpCatalog.Get(op);
        foreach (var view in Views)
        for (ulong seed = 1; seed <= 5; seed++)
        {
            var (plain, viewed, wrt) = Draw(row, seed);
            var expected = row.F(plain);
            var actual = row.F([.. viewed.Select(view)]);
            Close(expected.ToArray(), actual.ToArray(), $"{op} (seed {seed}): forward of views");
            if (!expected.RequiresGrad || wrt.Length == 0) continue;
            // One upstream gradient for both, cos(i + 1) at element i, so that no element's gradient is left out.
            var upstream = Fixed(expected, Math.Cos);
            var gExpected = Tensor.Grad([(expected * upstream).Sum()], [.. wrt.Select(i => plain[i])], gradOutputs: null, allowUnused: true);
            var gActual = Tensor.Grad([(actual * upstream).Sum()], [.. wrt.Select(i => viewed[i])], gradOutputs: null, allowUnused: true);
            for (int k = 0; k < wrt.Length; k++)
                Close(gExpected[k].ToArray(), gActual[k].ToArray(), $"{op} (seed {seed}): gradient of input {wrt[k]} through views");
        }
    }

    [Theory, MemberData(nameof(Ops))]
    public void ViewsGiveTheSameSecondOrderGradients(string op)
    {
        // The same with the first-order gradients recorded (createGraph) and differentiated once more: Σ_k ⟨∂L/∂x_k, c_k⟩
        // with fixed c_k = sin(i + 1), whose gradient runs every rule's recorded form with the views as its operands.
        var row = OpCatalog.Get(op);
        foreach (var view in Views)
        for (ulong seed = 1; seed <= 2; seed++)
        {
            var (plain, viewed, wrt) = Draw(row, seed);
            double[] SecondOrder(Tensor<double>[] leaves, Func<Tensor<double>, Tensor<double>> present)
            {
                var y = row.F([.. leaves.Select(present)]);
                if (!y.RequiresGrad) return [];
                var upstream = Fixed(y, Math.Cos);
                var first = Tensor.Grad([(y * upstream).Sum()], [.. wrt.Select(i => leaves[i])], gradOutputs: null, createGraph: true, allowUnused: true);
                Tensor<double>? total = null;
                foreach (var g in first.Where(g => g.RequiresGrad))
                {
                    var c = Fixed(g, Math.Sin);
                    total = total is null ? (g * c).Sum() : total + (g * c).Sum();
                }
                if (total is null) return [];
                return [.. Tensor.Grad([total], [.. wrt.Select(i => leaves[i])], gradOutputs: null, allowUnused: true).SelectMany(g => g.ToArray())];
            }
            if (wrt.Length == 0) continue;
            Close(SecondOrder(plain, t => t), SecondOrder(viewed, view), $"{op} (seed {seed}): second-order gradients through views");
        }
    }

    /// <summary>Case <paramref name="seed"/> of the row, drawn twice as fresh leaves (one set for the plain run, one to be
    /// handed over as views), and the positions of the inputs that require grad.</summary>
    private static (Tensor<double>[] Plain, Tensor<double>[] Viewed, int[] Wrt) Draw(OpInfo<double> row, ulong seed)
    {
        var inputs = row.Draw(seed).Inputs;
        Tensor<double>[] Leaves() => [.. inputs.Select(t => Tensor.FromArray(t.ToArray(), [.. t.Shape], t.RequiresGrad))];
        var plain = Leaves();
        return (plain, Leaves(), [.. Enumerable.Range(0, plain.Length).Where(i => plain[i].RequiresGrad)]);
    }

    /// <summary>A constant tensor shaped as <paramref name="like"/> with f(i + 1) at element i.</summary>
    private static Tensor<double> Fixed(Tensor<double> like, Func<double, double> f) =>
        Tensor.FromArray([.. Enumerable.Range(0, like.NumElements).Select(i => f(i + 1))], [.. like.Shape]);

    /// <summary>|a − e| ≤ 1e-12 + 1e-10·|e| elementwise (the same arithmetic, up to the order of a few roundings where a
    /// kernel walks a strided operand differently); NaN and infinities must match.</summary>
    private static void Close(double[] expected, double[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool same = e.Equals(a) || Math.Abs(a - e) <= 1e-12 + 1e-10 * Math.Abs(e);
            Assert.True(same, $"{what}: element {i} is {a}, expected {e}");
        }
    }
}
