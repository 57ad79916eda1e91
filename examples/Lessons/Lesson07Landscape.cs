using Autograd;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One optimiser's path over the surface.</summary>
/// <param name="Name">The optimiser.</param>
/// <param name="X">x at each step (index 0: the start).</param>
/// <param name="Y">y at each step.</param>
/// <param name="Values">f(x, y) at each step.</param>
public sealed record Trajectory(string Name, double[] X, double[] Y, double[] Values);

/// <summary>What lesson 7 measures.</summary>
/// <param name="Saddle">The saddle point (x_s, 0), from the cubic 4x³ − 4x + 0.3 = 0.</param>
/// <param name="LocalMinimum">The shallower minimum (x &gt; 0).</param>
/// <param name="GlobalMinimum">The deeper minimum (x &lt; 0).</param>
/// <param name="FromValley">Paths from (2, 1.5), above the shallower minimum.</param>
/// <param name="FromSaddle">Paths from just beside the saddle point.</param>
public sealed record LandscapeOutcome((double X, double Y) Saddle, (double X, double Y) LocalMinimum, (double X, double Y) GlobalMinimum,
    IReadOnlyList<Trajectory> FromValley, IReadOnlyList<Trajectory> FromSaddle);

/// <summary>
/// Lesson 7: local minima and saddle points. f(x, y) = (x² − 1)² + 0.3x + y² has a deeper minimum near x = −1.04, a
/// shallower one near x = 0.96 and between them a saddle point (a maximum along x, a minimum along y), where the gradient
/// vanishes. Plain gradient descent stops in whichever basin it starts in and crawls away from a saddle at the speed of
/// its tiny gradient; momentum carries speed over the barrier; Adam divides by the gradient's running RMS, so it moves
/// at about its learning rate even where the gradient is tiny.
/// </summary>
public static class Lesson07Landscape
{
    /// <summary>f(x, y) = (x² − 1)² + 0.3x + y².</summary>
    public static double F(double x, double y) => (x * x - 1) * (x * x - 1) + 0.3 * x + y * y;

    /// <summary>Runs plain SGD, SGD with momentum and Adam for <paramref name="steps"/> steps from both starts.</summary>
    public static LandscapeOutcome Measure(int steps = 150)
    {
        // Critical points on y = 0: ∂f/∂x = 4x³ − 4x + 0.3 = 0, solved by Newton's method from three starts.
        double Root(double x)
        {
            for (int i = 0; i < 50; i++) x -= (4 * x * x * x - 4 * x + 0.3) / (12 * x * x - 4);
            return x;
        }
        double saddle = Root(0), local = Root(1), global = Root(-1);
        IReadOnlyList<Trajectory> From(double x0, double y0) =>
        [
            Descend("SGD (lr 0.02)", x0, y0, steps, p => new SGD<double>([p], lr: 0.02)),
            Descend("SGD + momentum 0.9 (lr 0.02)", x0, y0, steps, p => new SGD<double>([p], lr: 0.02, momentum: 0.9)),
            Descend("Adam (lr 0.05)", x0, y0, steps, p => new Adam<double>([p], lr: 0.05)),
        ];
        return new LandscapeOutcome((saddle, 0), (local, 0), (global, 0), From(2, 1.5), From(saddle + 1e-3, 1.5));
    }

    private static Trajectory Descend(string name, double x0, double y0, int steps, Func<Tensor<double>, Optimizer<double>> make)
    {
        var p = Tensor.FromArray(new[] { x0, y0 }, requiresGrad: true);
        var optimizer = make(p);
        double[] xs = new double[steps + 1], ys = new double[steps + 1], fs = new double[steps + 1];
        for (int step = 0; ; step++)
        {
            var x = p.Select(0, 0);
            var y = p.Select(0, 1);
            var f = (x.Square() - 1.0).Square() + x * 0.3 + y.Square();
            double[] at = p.ToArray();
            (xs[step], ys[step], fs[step]) = (at[0], at[1], f.Item());
            if (step == steps) break;
            optimizer.ZeroGrad();
            f.Backward();
            optimizer.Step();
        }
        return new Trajectory(name, xs, ys, fs);
    }

    /// <summary>Runs the lesson: prints where each optimiser ends and draws the paths over the contour lines.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Measure();
        Console.WriteLine($"f(x, y) = (x² − 1)² + 0.3x + y²: deeper minimum ({outcome.GlobalMinimum.X:F4}, 0) with f = {F(outcome.GlobalMinimum.X, 0):F4}, " +
            $"shallower minimum ({outcome.LocalMinimum.X:F4}, 0) with f = {F(outcome.LocalMinimum.X, 0):F4}, saddle ({outcome.Saddle.X:F4}, 0).");
        Console.WriteLine("From (2, 1.5), above the shallower minimum:");
        foreach (var t in outcome.FromValley)
            Console.WriteLine($"  {t.Name,-30} ends at ({t.X[^1]:F3}, {t.Y[^1]:F3}), f = {t.Values[^1]:F4} ({(t.X[^1] < outcome.Saddle.X ? "deeper" : "shallower")} minimum)");
        Console.WriteLine($"From ({outcome.Saddle.X + 1e-3:F4}, 1.5), beside the saddle:");
        foreach (var t in outcome.FromSaddle)
            Console.WriteLine($"  {t.Name,-30} leaves the saddle's neighbourhood (|x − x_s| > 0.5) after {LeaveStep(t, outcome.Saddle.X)} steps, ends at ({t.X[^1]:F3}, {t.Y[^1]:F3})");
        ContourChart.Save(context.File("landscape_valley.png"), "from (2, 1.5): SGD, momentum, Adam", F, (-2, 2.5), (-1.8, 1.8),
            [.. outcome.FromValley.Select(t => new Series(t.Name, t.X, t.Y))]);
        ContourChart.Save(context.File("landscape_saddle.png"), "from beside the saddle point", F, (-2, 2.5), (-1.8, 1.8),
            [.. outcome.FromSaddle.Select(t => new Series(t.Name, t.X, t.Y))]);
        LineChart.Save(context.File("landscape_values.png"), "f along the paths from (2, 1.5)", "step", "f(x, y)",
            [.. outcome.FromValley.Select(t => Series.Of(t.Name, t.Values))]);
        Console.WriteLine("Wrote landscape_valley.png, landscape_saddle.png and landscape_values.png");
    }

    /// <summary>The first step at which |x − x_s| &gt; 0.5 along the path, or −1 if it never leaves.</summary>
    public static int LeaveStep(Trajectory path, double saddleX) => Array.FindIndex(path.X, x => Math.Abs(x - saddleX) > 0.5);
}
