using Autograd;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One training run: its name, its learning rate and batch size, the loss after each step (or epoch), its update count.</summary>
public sealed record DescentRun(string Name, double LearningRate, int BatchSize, double[] Losses, int Updates);

/// <summary>What lesson 2 measures.</summary>
/// <param name="LambdaMax">λ_max, the largest eigenvalue of the loss's Hessian H = (2/n)·XᵀX (power iteration on Hessian–vector products).</param>
/// <param name="TopEigenvector">The unit eigenvector v of H with H·v = λ_max·v.</param>
/// <param name="RateRuns">Full-batch gradient descent at 0.02, 0.45 and 1.05 × the critical rate 2/λ_max.</param>
/// <param name="BatchRuns">Stochastic (batch 1), mini-batch (16) and full-batch descent at the same rate, loss after each epoch.</param>
public sealed record DescentOutcome(double LambdaMax, double[] TopEigenvector, IReadOnlyList<DescentRun> RateRuns, IReadOnlyList<DescentRun> BatchRuns)
{
    /// <summary>2/λ_max: gradient descent on a quadratic converges for every rate below it and diverges above it.</summary>
    public double CriticalRate => 2 / LambdaMax;
}

/// <summary>
/// Lesson 2: gradient descent on least squares L(w) = (1/n)·‖Xw − y‖². The loss is a quadratic with Hessian
/// H = (2/n)·XᵀX, so one step maps the error e = w − w* to (I − η·H)·e: along H's top eigenvector the error is
/// multiplied by 1 − η·λ_max, which shrinks only if η &lt; 2/λ_max. Too small a rate crawls, the right one converges,
/// a rate past 2/λ_max diverges. Then: stochastic, mini-batch and full-batch descent over the same epochs.
/// </summary>
public static class Lesson02GradientDescent
{
    private const int Count = 256;
    private static readonly double[] Scales = [0.5, 1, 2, 1];

    /// <summary>The data: x of shape [256, 4] with columns N(0, s²) for s = 0.5, 1, 2, 1; y = x·[1, −2, 0.5, 3]ᵀ + N(0, 0.1²).</summary>
    public static (Tensor<double> X, Tensor<double> Y) Data(Generator generator)
    {
        var x = Tensor.Randn<double>([Count, Scales.Length], generator) * Tensor.FromArray(Scales);
        var truth = Tensor.FromArray(new double[] { 1, -2, 0.5, 3 }, [Scales.Length, 1]);
        return (x, x.MatMul(truth) + Tensor.Randn<double>([Count, 1], generator, std: 0.1));
    }

    /// <summary>Runs the three rates for <paramref name="steps"/> steps and the three batch sizes for <paramref name="epochs"/> epochs.</summary>
    public static DescentOutcome Measure(int steps = 60, int epochs = 10, ulong seed = 2)
    {
        var generator = new Generator(seed);
        var (x, y) = Data(generator);
        Tensor<double> Loss(Tensor<double> w, Tensor<double> xs, Tensor<double> ys) => (xs.MatMul(w) - ys).Square().Mean();

        // λ_max by power iteration: v ← H·v / ‖H·v‖, with H·v from a Hessian–vector product (no H is ever formed).
        var v = Tensor.Ones<double>(Scales.Length, 1);
        double lambda = 0;
        for (int i = 0; i < 100; i++)
        {
            var hv = Tensor.Hvp(w => Loss(w, x, y), Tensor.Zeros<double>(Scales.Length, 1), v).Hvp;
            lambda = Math.Sqrt(hv.Square().Sum().Item());
            v = hv / lambda;
        }
        double critical = 2 / lambda;
        DescentRun[] rates =
        [
            Descend($"η = 0.02·2/λ (too small)", 0.02 * critical, Count, steps, x, y, Loss, generator),
            Descend($"η = 0.45·2/λ (right)", 0.45 * critical, Count, steps, x, y, Loss, generator),
            Descend($"η = 1.05·2/λ (too large)", 1.05 * critical, Count, steps, x, y, Loss, generator),
        ];
        DescentRun[] batches =
        [
            Descend("stochastic (batch 1)", 0.1 * critical, 1, epochs, x, y, Loss, generator),
            Descend("mini-batch (16)", 0.1 * critical, 16, epochs, x, y, Loss, generator),
            Descend("full batch (256)", 0.1 * critical, Count, epochs, x, y, Loss, generator),
        ];
        return new DescentOutcome(lambda, v.ToArray(), rates, batches);
    }

    // Plain gradient descent w ← w − η·∂L/∂w over shuffled batches; Losses[e] is the full-data loss after epoch e (Losses[0]: before).
    private static DescentRun Descend(string name, double lr, int batchSize, int epochs, Tensor<double> x, Tensor<double> y,
        Func<Tensor<double>, Tensor<double>, Tensor<double>, Tensor<double>> loss, Generator generator)
    {
        var w = Tensor.Zeros<double>(Scales.Length, 1);
        w.RequiresGrad = true;
        var losses = new double[epochs + 1];
        using (Tensor.NoGrad()) losses[0] = loss(w, x, y).Item();
        int updates = 0;
        var order = Enumerable.Range(0, Count).ToArray();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            generator.Shuffle(order.AsSpan());
            for (int start = 0; start < Count; start += batchSize)
            {
                int[] batch = order[start..Math.Min(Count, start + batchSize)];
                w.ZeroGrad();
                loss(w, x.IndexSelect(0, batch), y.IndexSelect(0, batch)).Backward();
                using (Tensor.NoGrad()) w.SubInPlace(w.Grad! * lr);
                updates++;
            }
            using (Tensor.NoGrad()) losses[epoch] = loss(w, x, y).Item();
        }
        return new DescentRun(name, lr, batchSize, losses, updates);
    }

    /// <summary>Runs the lesson: prints λ_max, the critical rate and each run's losses, and draws them.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Measure();
        Console.WriteLine($"Least squares on 256 points, 4 features. Hessian H = (2/n)·XᵀX; by power iteration on Hessian–vector products " +
            $"λ_max = {outcome.LambdaMax:F4}, so gradient descent converges only for η < 2/λ_max = {outcome.CriticalRate:F4}.");
        foreach (var run in outcome.RateRuns)
            Console.WriteLine($"  {run.Name,-26} η = {run.LearningRate:F4}: loss {run.Losses[0]:F3} → after 10 steps {run.Losses[10]:G4} → after {run.Losses.Length - 1} steps {run.Losses[^1]:G4}");
        Console.WriteLine($"Same rate η = {outcome.BatchRuns[0].LearningRate:F4}, {outcome.BatchRuns[0].Losses.Length - 1} epochs, different batch sizes:");
        foreach (var run in outcome.BatchRuns)
            Console.WriteLine($"  {run.Name,-22} {run.Updates,5} updates, loss after epoch 1 {run.Losses[1]:G4}, after the last {run.Losses[^1]:G4}");
        LineChart.Save(context.File("learning_rates.png"), "gradient descent: three learning rates", "step", "loss (log scale)",
            [.. outcome.RateRuns.Select(r => new Series(r.Name, [.. Enumerable.Range(0, r.Losses.Length).Select(i => (double)i)], r.Losses))], logY: true);
        LineChart.Save(context.File("batch_sizes.png"), "stochastic, mini-batch and full batch", "epoch", "loss (log scale)",
            [.. outcome.BatchRuns.Select(r => new Series(r.Name, [.. Enumerable.Range(0, r.Losses.Length).Select(i => (double)i)], r.Losses))], logY: true);
        Console.WriteLine("Wrote learning_rates.png and batch_sizes.png");
    }
}
