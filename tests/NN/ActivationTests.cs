using Autograd.NN;

namespace Autograd.Tests.NN;

public class ActivationTests
{
    /// <summary>Each activation with its scalar formula, evaluated independently in double (the oracle for values).</summary>
    public static TheoryData<string> Names => ["ReLU", "LeakyReLU", "ELU", "GELU", "GELUtanh", "Sigmoid", "Tanh", "SiLU", "Identity"];

    private static (Module<double> Module, Func<double, double> Formula) Make(string name) => name switch
    {
        "ReLU" => (new ReLU<double>(), x => Math.Max(x, 0)),
        "LeakyReLU" => (new LeakyReLU<double>(0.2), x => x > 0 ? x : 0.2 * x),
        "ELU" => (new ELU<double>(1.5), x => x > 0 ? x : 1.5 * (Math.Exp(x) - 1)),
        // Exact GELU is checked against published values in GeluMatchesTheNormalCdf; here x·Φ(x) via the tanh form's
        // own formula would be circular, so the formula is only used for the approximation.
        "GELU" => (new GELU<double>(), x => double.NaN),
        "GELUtanh" => (new GELU<double>(tanhApproximation: true), x => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)))),
        "Sigmoid" => (new Sigmoid<double>(), x => 1 / (1 + Math.Exp(-x))),
        "Tanh" => (new Tanh<double>(), Math.Tanh),
        "SiLU" => (new SiLU<double>(), x => x / (1 + Math.Exp(-x))),
        "Identity" => (new Identity<double>(), x => x),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void ValuesMatchTheFormula(string name)
    {
        // Oracle: the scalar formula in Make, computed with System.Math.
        var (module, formula) = Make(name);
        var x = ModuleGradCheck.Input(1, 3, 5);
        var y = module.Forward(x).ToArray();
        var xs = x.ToArray();
        for (int i = 0; i < xs.Length; i++)
            if (!double.IsNaN(formula(xs[i]))) Assert.Equal(formula(xs[i]), y[i], 12);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientsPassFiniteDifferences(string name)
    {
        // Oracle: finite differences, first and second order (inputs kept away from the kinks at 0).
        ModuleGradCheck.Assert(Make(name).Module, ModuleGradCheck.Input(2, 2, 3));
    }

    [Fact]
    public void GeluMatchesTheNormalCdf()
    {
        // Oracle: GELU(x) = x·Φ(x) with Φ(1) = 0.8413447460685429, Φ(−1) = 0.15865525393145707, Φ(2) = 0.9772498680518208.
        var y = new GELU<double>().Forward(Tensor.FromArray(new double[] { 1, -1, 2 })).ToArray();
        Assert.Equal(0.8413447460685429, y[0], 12);
        Assert.Equal(-0.15865525393145707, y[1], 12);
        Assert.Equal(2 * 0.9772498680518208, y[2], 12);
    }

    [Fact]
    public void SoftmaxRowsAreProbabilities()
    {
        // Oracle: softmax([0, ln 2, ln 3]) = [1, 2, 3]/6; gradients by finite differences.
        var softmax = new Softmax<double>(1);
        var y = softmax.Forward(Tensor.FromArray(new double[] { 0, Math.Log(2), Math.Log(3) }, [1, 3])).ToArray();
        Assert.Equal(1 / 6.0, y[0], 12);
        Assert.Equal(2 / 6.0, y[1], 12);
        Assert.Equal(3 / 6.0, y[2], 12);
        ModuleGradCheck.Assert(softmax, ModuleGradCheck.Input(3, 2, 3));
        Assert.Equal("Softmax(dim=1)", softmax.ToString().Split('\n')[0]);
    }
}
