using Autograd;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One network of lesson 4.</summary>
/// <param name="Name">The network's description.</param>
/// <param name="LayerNorms">The gradient norm ‖∂L/∂W‖ of each Linear layer's weight at step 0, input to output.</param>
/// <param name="Losses">The training loss at each step.</param>
/// <param name="Monitor">The gradient-flow monitor that watched the training.</param>
public sealed record VanishingRun(string Name, double[] LayerNorms, double[] Losses, GradientFlowMonitor<float> Monitor)
{
    /// <summary>‖∂L/∂W₁‖, the first layer's gradient norm at step 0.</summary>
    public double FirstLayerNorm => LayerNorms[0];

    /// <summary>‖∂L/∂W_last‖, the last layer's gradient norm at step 0.</summary>
    public double LastLayerNorm => LayerNorms[^1];
}

/// <summary>
/// Lesson 4: vanishing gradients. Backpropagating through a sigmoid layer multiplies the gradient by σ′(z) ≤ ¼ and by
/// Wᵀ; with PyTorch's default initialisation (‖W‖ small) each layer shrinks it, so after many layers the first layer
/// barely learns. ReLU with He initialisation (Var W = 2/fan_in keeps the signal's variance), batch normalisation
/// (re-centres each layer's pre-activations where σ′ is largest) and residual connections (∂(x + F(x))/∂x = I + ∂F/∂x)
/// each keep the gradient alive. The gradient-flow monitor shows it.
/// </summary>
public static class Lesson04Vanishing
{
    private const int Features = 16, Width = 32, Classes = 4;

    /// <summary>Trains the four networks of depth <paramref name="depth"/> for <paramref name="steps"/> full-batch SGD steps.</summary>
    public static IReadOnlyList<VanishingRun> Measure(int depth = 12, int steps = 60, ulong seed = 4)
    {
        var (x, labels) = SyntheticTasks.Teacher(512, Features, Classes, seed);
        return
        [
            Train("sigmoid, default init", Plain(depth, new Generator(seed), relu: false, batchNorm: false), x, labels, steps),
            Train("ReLU + He init", Plain(depth, new Generator(seed), relu: true, batchNorm: false), x, labels, steps),
            Train("sigmoid + batch norm", Plain(depth, new Generator(seed), relu: false, batchNorm: true), x, labels, steps),
            Train("sigmoid + residual", Residual(depth, new Generator(seed)), x, labels, steps),
        ];
    }

    private static Sequential<float> Plain(int depth, Generator g, bool relu, bool batchNorm)
    {
        var model = new Sequential<float>();
        for (int i = 0; i < depth - 1; i++)
        {
            var linear = new Linear<float>(i == 0 ? Features : Width, Width, g);
            if (relu)
            {
                Init.KaimingNormal(linear.Weight, g, nonlinearity: Nonlinearity.Relu);
                Init.Zeros(linear.Bias!);
            }
            model.Add(linear);
            if (batchNorm) model.Add(new BatchNorm1d<float>(Width));
            model.Add(relu ? new ReLU<float>() : new Sigmoid<float>());
        }
        return model.Add(new Linear<float>(Width, Classes, g));
    }

    private static Sequential<float> Residual(int depth, Generator g)
    {
        var model = new Sequential<float>(new Linear<float>(Features, Width, g));
        for (int i = 1; i < depth - 1; i++) model.Add(new ResidualBlock<float>(new Sequential<float>(new Sigmoid<float>(), new Linear<float>(Width, Width, g))));
        return model.Add(new Linear<float>(Width, Classes, g));
    }

    private static VanishingRun Train(string name, Sequential<float> model, Tensor<float> x, int[] labels, int steps)
    {
        var linears = model.NamedModules().Where(m => m.Module is Linear<float>).Select(m => m.Name + ".weight").ToHashSet();
        var optimizer = new SGD<float>(model.Parameters(), lr: 0.03, momentum: 0.9);
        var monitor = new GradientFlowMonitor<float>(model, vanishingThreshold: 1e-6);
        var losses = new double[steps];
        for (int step = 0; step < steps; step++)
        {
            var loss = Losses.CrossEntropy(model.Forward(x), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            monitor.Record();
            optimizer.Step();
            monitor.AfterStep();
            losses[step] = loss.Item();
        }
        double[] norms = [.. monitor.Records.Where(r => r.Step == 0 && linears.Contains(r.Name)).Select(r => r.GradNorm)];
        return new VanishingRun(name, norms, losses, monitor);
    }

    /// <summary>Runs the lesson: prints each network's layer gradient norms and writes the gradient-flow pictures.</summary>
    public static void Run(LessonContext context)
    {
        var runs = Measure();
        Console.WriteLine("Gradient norm ‖∂L/∂W‖ of each Linear layer at step 0 (input → output), 12 layers of width 32:");
        foreach (var run in runs)
        {
            Console.WriteLine($"  {run.Name,-22} first {run.FirstLayerNorm:E1}  last {run.LastLayerNorm:E1}  ratio first/last {run.FirstLayerNorm / run.LastLayerNorm:E1}  " +
                $"loss {run.Losses[0]:F3} → {run.Losses[^1]:F3}  weights flagged vanishing: {run.Monitor.Flagged.Count(r => r.Flag == GradientFlag.Vanishing && r.Name.EndsWith(".weight", StringComparison.Ordinal))} of {run.Monitor.Records.Count(r => r.Name.EndsWith(".weight", StringComparison.Ordinal))} records");
            Console.WriteLine("    " + string.Join(" ", run.LayerNorms.Select(n => n.ToString("E1", System.Globalization.CultureInfo.InvariantCulture))));
        }
        Console.WriteLine("(Biases just before a batch norm get almost no gradient: BN subtracts the batch mean, so a constant shift has no effect.)");
        GradientFlowChart.Profile(context.File("vanishing_profile.png"), "gradient norm per layer at step 0",
            [.. runs.Select(r => (r.Name, (IReadOnlyList<double>)r.LayerNorms))]);
        foreach (var (run, file) in runs.Zip(new[] { "flow_sigmoid", "flow_relu_he", "flow_batchnorm", "flow_residual" }))
        {
            GradientFlowChart.Save(context.File(file + ".png"), run.Monitor, run.Name);
            run.Monitor.WriteCsv(context.File(file + ".csv"));
        }
        LineChart.Save(context.File("vanishing_loss.png"), "training loss", "step", "cross-entropy",
            [.. runs.Select(r => Series.Of(r.Name, r.Losses))]);
        Console.WriteLine("Wrote vanishing_profile.png, flow_*.png (with their CSV) and vanishing_loss.png");
    }
}
