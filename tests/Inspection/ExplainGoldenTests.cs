namespace Autograd.Tests.Inspection;

/// <summary>
/// Explain on micrograd's README example (github.com/karpathy/micrograd, README "Example usage"), whose published
/// numbers are the oracle: g = 24.7041, ∂g/∂a = 138.8338, ∂g/∂b = 645.5773 (printed there with 4 decimals).
/// </summary>
public class ExplainGoldenTests
{
    private static Tensor<double> S(double v) => Tensor.Scalar(v, requiresGrad: true);

    private static double Terms(Derivation d, string input) =>
        d.Steps.SelectMany(s => s.Terms).Where(t => t.InputName == input && t.Contribution is not null).Sum(t => t.Contribution!.Elements![0]);

    [Fact]
    public void Micrograds_readme_example_gives_its_published_numbers()
    {
        // The README's program, op for op (c += x is c = c + x; x**3 is Pow(3); relu is Relu):
        var a = S(-4.0);
        var b = S(2.0);
        var c = a + b;                              // −2
        var d = a * b + b.Pow(3.0);                 // −8 + 8 = 0
        c = c + (c + 1.0);                          // −2 + (−1) = −3
        c = c + (1.0 + c + (-a));                   // −3 + (1 − 3 + 4) = −1
        d = d + (d * 2.0 + (b + a).Relu());         // 0 + (0 + relu(−2)) = 0
        d = d + (3.0 * d + (b - a).Relu());         // 0 + (0 + relu(6)) = 6
        var e = c - d;                              // −7
        var f = e.Pow(2.0);                         // 49
        var g = f / 2.0;                            // 24.5
        g = g + 10.0 / f;                           // 24.5 + 10/49 = 24.7041
        var derivation = g.Explain((a, "a"), (b, "b"), (g, "g"));

        Assert.Equal(24.7041, Math.Round(g.Item(), 4));
        // a and b are used several times: their gradients are the sums of the terms of every use.
        Assert.Equal(138.8338, Math.Round(Terms(derivation, "a"), 4));
        Assert.Equal(645.5773, Math.Round(Terms(derivation, "b"), 4));
        // The text ends with the two gradients as sums over every use of a and b (4 significant digits).
        string text = derivation.ToString();
        Assert.Matches(@"∂g/∂a = .* = 138\.8\n", text);
        Assert.Matches(@"∂g/∂b = .* = 645\.6\n", text);

        // And Backward agrees with the derivation.
        g.Backward();
        Assert.Equal(138.8338, Math.Round(a.Grad!.Item(), 4));
        Assert.Equal(645.5773, Math.Round(b.Grad!.Item(), 4));
    }
}
