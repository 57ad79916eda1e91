using Autograd;
using Autograd.NN;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One initialisation of lesson 3, with per-layer statistics at step 0.</summary>
/// <param name="Name">The initialisation.</param>
/// <param name="ActivationStd">The standard deviation of each hidden layer's output hₗ, first to last.</param>
/// <param name="GradientStd">The standard deviation of ∂L/∂hₗ for each hidden layer.</param>
/// <param name="Saturated">The fraction of hidden activations with |h| &gt; 0.99 (tanh saturated), over all layers; NaN for ReLU.</param>
/// <param name="UnitSpread">After training, max over hidden layers of max |Wᵢⱼ − W₀ⱼ|: 0 when every unit is the same.</param>
/// <param name="Losses">The training loss at each step.</param>
public sealed record InitRun(string Name, double[] ActivationStd, double[] GradientStd, double Saturated, double UnitSpread, double[] Losses);

/// <summary>
/// Lesson 3: weight initialisation. With hₗ = φ(Wₗ·hₗ₋₁), Var(Wₗ·h) = fan_in·Var(W)·E[h²]: a variance below 1/fan_in
/// makes activations (and gradients) shrink layer by layer, above it makes them grow until tanh saturates (and σ′ → 0).
/// Xavier (Var W = 2/(fan_in + fan_out)) keeps tanh's variance, He (Var W = 2/fan_in) ReLU's, which zeroes half its
/// inputs. Zero initialisation gives every unit of a layer the same output and the same gradient, so they never differ.
/// </summary>
public static class Lesson03Initialisation
{
    private const int Width = 64, Classes = 4;

    /// <summary>Measures the five initialisations on an 8-layer network of width 64, training each <paramref name="steps"/> steps.</summary>
    public static IReadOnlyList<InitRun> Measure(int depth = 8, int steps = 30, ulong seed = 3)
    {
        var (x, labels) = SyntheticTasks.Teacher(256, Width, Classes, seed);
        return
        [
            Measure("zero", depth, relu: false, (w, _) => Init.Zeros(w), x, labels, steps, seed),
            Measure("too small N(0, 0.01²)", depth, relu: false, (w, g) => Init.Normal(w, g, std: 0.01), x, labels, steps, seed),
            Measure("too large N(0, 1)", depth, relu: false, (w, g) => Init.Normal(w, g, std: 1), x, labels, steps, seed),
            Measure("Xavier (tanh)", depth, relu: false, (w, g) => Init.XavierNormal(w, g, gain: Init.CalculateGain(Nonlinearity.Tanh)), x, labels, steps, seed),
            Measure("He (ReLU)", depth, relu: true, (w, g) => Init.KaimingNormal(w, g, nonlinearity: Nonlinearity.Relu), x, labels, steps, seed),
        ];
    }

    private static InitRun Measure(string name, int depth, bool relu, Action<Tensor<float>, Generator> init, Tensor<float> x, int[] labels,
        int steps, ulong seed)
    {
        var g = new Generator(seed);
        var layers = Enumerable.Range(0, depth).Select(i => new Linear<float>(Width, i == depth - 1 ? Classes : Width, g)).ToArray();
        foreach (var layer in layers)
        {
            init(layer.Weight, g);
            Init.Zeros(layer.Bias!);
        }
        var parameters = layers.SelectMany(l => l.Parameters()).ToArray();
        var optimizer = new Autograd.NN.Optimizers.SGD<float>(parameters, lr: 0.05, momentum: 0.9);
        var losses = new double[steps];
        double[] activationStd = [], gradientStd = [];
        double saturated = 0;
        for (int step = 0; step < steps; step++)
        {
            var hidden = new List<Tensor<float>>();
            var h = x;
            for (int i = 0; i < depth - 1; i++)
            {
                h = layers[i].Forward(h);
                h = relu ? h.Relu() : h.Tanh();
                hidden.Add(h);
            }
            var loss = Losses.CrossEntropy(layers[^1].Forward(h), labels);
            losses[step] = loss.Item();
            if (step == 0)
            {
                activationStd = [.. hidden.Select(a => Std(a.ToArray()))];
                gradientStd = [.. Tensor.Grad([loss], hidden, null, retainGraph: true).Select(d => Std(d.ToArray()))];
                saturated = relu ? double.NaN : hidden.Average(a => a.ToArray().Count(v => Math.Abs(v) > 0.99) / (double)a.NumElements);
            }
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
        double spread = layers[..^1].Max(l =>
        {
            float[] w = l.Weight.ToArray();
            return Enumerable.Range(0, w.Length).Max(k => Math.Abs(w[k] - w[k % Width]));
        });
        return new InitRun(name, activationStd, gradientStd, saturated, spread, losses);
    }

    private static double Std(float[] values)
    {
        double mean = values.Average(static v => (double)v);
        return Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
    }

    /// <summary>Runs the lesson: prints the statistics per layer and draws them.</summary>
    public static void Run(LessonContext context)
    {
        var runs = Measure();
        Console.WriteLine("8 layers of width 64 (tanh, or ReLU for He), input x ~ N(0, 1). Per hidden layer at step 0:");
        foreach (var run in runs)
        {
            Console.WriteLine($"  {run.Name,-22} std(h):     " + string.Join(" ", run.ActivationStd.Select(v => v.ToString("E1", System.Globalization.CultureInfo.InvariantCulture))));
            Console.WriteLine($"  {"",-22} std(∂L/∂h): " + string.Join(" ", run.GradientStd.Select(v => v.ToString("E1", System.Globalization.CultureInfo.InvariantCulture))));
            Console.WriteLine($"  {"",-22} saturated {(double.IsNaN(run.Saturated) ? "n/a" : run.Saturated.ToString("P0", System.Globalization.CultureInfo.InvariantCulture))}, loss {run.Losses[0]:F3} → {run.Losses[^1]:F3}, units differ by {run.UnitSpread:G3} after training");
        }
        Console.WriteLine("Zero init: every unit of a layer computes the same thing and gets the same gradient, so the spread stays 0 (the symmetry never breaks).");
        Series Layered(string label, double[] values) => Series.Of(label, values);
        LineChart.Save(context.File("init_activations.png"), "activation std per layer", "hidden layer", "std(h), log scale",
            [.. runs.Where(r => r.Name != "zero").Select(r => Layered(r.Name, r.ActivationStd))], logY: true);
        LineChart.Save(context.File("init_gradients.png"), "gradient std per layer", "hidden layer", "std(∂L/∂h), log scale",
            [.. runs.Where(r => r.Name != "zero").Select(r => Layered(r.Name, r.GradientStd))], logY: true);
        LineChart.Save(context.File("init_loss.png"), "training loss", "step", "cross-entropy", [.. runs.Select(r => Series.Of(r.Name, r.Losses))]);
        Console.WriteLine("Wrote init_activations.png, init_gradients.png and init_loss.png");
    }
}
