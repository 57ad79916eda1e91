namespace Autograd.PropertyTests;

/// <summary>Helpers shared by the algebraic properties: vector–Jacobian products and tolerant comparisons.</summary>
internal static class Laws
{
    /// <summary>Inputs that require grad (the ones a row differentiates).</summary>
    public static Tensor<double>[] Differentiable(Tensor<double>[] inputs) => [.. inputs.Where(t => t.RequiresGrad)];

    /// <summary>vᵀ·∂y/∂inputs for each input (zeros for an input y does not use).</summary>
    public static Tensor<double>[] Vjp(Tensor<double> y, Tensor<double>[] inputs, Tensor<double> v) =>
        Tensor.Grad([y], inputs, [v], allowUnused: true);

    /// <summary>Fresh leaves with the same values (and grad flags) as <paramref name="inputs"/>.</summary>
    public static Tensor<double>[] Copy(Tensor<double>[] inputs) =>
        [.. inputs.Select(t => Tensor.FromArray(t.ToArray(), [.. t.Shape], t.RequiresGrad))];

    /// <summary>A normal random cotangent shaped like <paramref name="like"/>.</summary>
    public static Tensor<double> Cotangent(Choices g, Tensor<double> like) =>
        Tensor.FromArray([.. Enumerable.Range(0, like.NumElements).Select(_ => g.NextNormal())], [.. like.Shape]);

    /// <summary>Asserts equal shapes and |a − e| ≤ atol + rtol·|e| elementwise, naming <paramref name="what"/> on failure.</summary>
    public static void Close(Tensor<double> expected, Tensor<double> actual, string what, double atol = 1e-9, double rtol = 1e-9)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        Close(expected.ToArray(), actual.ToArray(), what, atol, rtol);
    }

    /// <summary>Elementwise comparison of flat arrays.</summary>
    public static void Close(double[] expected, double[] actual, string what, double atol = 1e-9, double rtol = 1e-9)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            bool ok = Math.Abs(a - e) <= atol + rtol * Math.Abs(e) || (double.IsNaN(e) && double.IsNaN(a));
            Assert.True(ok, $"{what}: element {i} is {a:G17}, expected {e:G17}");
        }
    }
}
