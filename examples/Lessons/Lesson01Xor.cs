using Autograd;
using Autograd.Plotting;

namespace Lessons;

/// <summary>What lesson 1 measures.</summary>
/// <param name="InitialLoss">The mean squared error before training.</param>
/// <param name="FinalLoss">The mean squared error after training.</param>
/// <param name="Predictions">The network's outputs for (0,0), (0,1), (1,0), (1,1).</param>
/// <param name="ExplainGap">max |∂L/∂p from Explain() − ∂L/∂p from Backward()| over every parameter element at step 0.</param>
/// <param name="Losses">The loss at each step.</param>
public sealed record XorOutcome(double InitialLoss, double FinalLoss, double[] Predictions, double ExplainGap, double[] Losses);

/// <summary>
/// Lesson 1: a two-layer network y = σ(tanh(x·W₁ + b₁)·W₂ + b₂) learns XOR by gradient descent on
/// L = mean((y − t)²). The first step's backward pass is printed product by product by <c>Explain()</c>, with the
/// real numbers (the graph is written as a self-contained HTML page whose slider steps through it), and checked against the gradients <c>Backward()</c> leaves in each parameter's Grad.
/// </summary>
public static class Lesson01Xor
{
    private static readonly double[] Inputs = [0, 0, 0, 1, 1, 0, 1, 1];
    private static readonly double[] Targets = [0, 1, 1, 0];

    /// <summary>Trains the network for <paramref name="steps"/> steps of gradient descent (rate <paramref name="lr"/>).</summary>
    /// <param name="steps">Gradient-descent steps.</param>
    /// <param name="lr">The learning rate.</param>
    /// <param name="hidden">Hidden units.</param>
    /// <param name="seed">Seed of the weights' initialisation.</param>
    /// <param name="explain">Receives the derivation of the first step (with the graph), e.g. to print it.</param>
    public static XorOutcome Train(int steps = 2000, double lr = 2.0, int hidden = 3, ulong seed = 3, Action<Derivation, Tensor<double>>? explain = null)
    {
        var generator = new Generator(seed);
        var x = Tensor.FromArray(Inputs, [4, 2]);
        var t = Tensor.FromArray(Targets, [4, 1]);
        var w1 = Tensor.Randn<double>([2, hidden], generator, std: 1.0, requiresGrad: true);
        var b1 = Tensor.Zeros<double>(hidden);
        b1.RequiresGrad = true;
        var w2 = Tensor.Randn<double>([hidden, 1], generator, std: 1.0, requiresGrad: true);
        var b2 = Tensor.Zeros<double>(1);
        b2.RequiresGrad = true;
        Tensor<double>[] parameters = [w1, b1, w2, b2];
        var losses = new double[steps + 1];
        double gap = double.NaN;
        for (int step = 0; step <= steps; step++)
        {
            var z1 = x.MatMul(w1) + b1;
            var h = z1.Tanh();
            var z2 = h.MatMul(w2) + b2;
            var y = z2.Sigmoid();
            var loss = (y - t).Square().Mean();
            losses[step] = loss.Item();
            if (step == steps) break;
            foreach (var p in parameters) p.ZeroGrad();
            if (step == 0)
            {
                var derivation = loss.Explain((x, "x"), (w1, "W1"), (b1, "b1"), (z1, "z1"), (h, "h"), (w2, "W2"), (b2, "b2"),
                    (z2, "z2"), (y, "y"));
                // Keep the graph so that its pictures, drawn after backward, show the gradients too.
                loss.Backward(retainGraph: true);
                explain?.Invoke(derivation, loss);
                var ids = derivation.Steps.SelectMany(s => s.Terms).ToLookup(term => term.InputName, term => term.InputId);
                gap = new[] { (w1, "W1"), (b1, "b1"), (w2, "W2"), (b2, "b2") }.Max(p =>
                    p.Item1.Grad!.ToArray().Zip(derivation.Gradients[ids[p.Item2].First()].Elements!, (a, b) => Math.Abs(a - b)).Max());
            }
            else loss.Backward();
            using (Tensor.NoGrad())
                foreach (var p in parameters) p.SubInPlace(p.Grad! * lr);
        }
        double[] predictions;
        using (Tensor.NoGrad())
            predictions = ((x.MatMul(w1) + b1).Tanh().MatMul(w2) + b2).Sigmoid().ToArray();
        return new XorOutcome(losses[0], losses[^1], predictions, gap, losses);
    }

    /// <summary>Runs the lesson: prints the derivation of step 0, writes the graph and the loss curve.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Train(explain: (derivation, loss) =>
        {
            Console.WriteLine("The network: z1 = x·W1 + b1, h = tanh(z1), z2 = h·W2 + b2, y = σ(z2), L = mean((y − t)²).");
            Console.WriteLine("Backward pass of the first step, every chain-rule product with its numbers:\n");
            Console.WriteLine(derivation.ToString());
            File.WriteAllText(context.File("xor_derivation.md"), derivation.ToMarkdown());
            File.WriteAllText(context.File("xor_graph.html"), loss.ToHtml());
            File.WriteAllText(context.File("xor_graph.dot"), loss.ToDot());
            File.WriteAllText(context.File("xor_graph.md"), "```mermaid\n" + loss.ToMermaid() + "\n```\n");
        });
        Console.WriteLine($"Explain() against Backward(): largest difference over every parameter element {outcome.ExplainGap:G3}");
        Console.WriteLine($"loss {outcome.InitialLoss:F4} at step 0 → {outcome.FinalLoss:F5} after {outcome.Losses.Length - 1} steps");
        Console.WriteLine("XOR truth table, network output: " + string.Join("  ",
            outcome.Predictions.Select((p, i) => $"{Inputs[2 * i]} xor {Inputs[2 * i + 1]} → {p:F3}")));
        LineChart.Save(context.File("xor_loss.png"), "XOR: mean squared error", "step", "loss",
            [new Series("full-batch gradient descent", [.. Enumerable.Range(0, outcome.Losses.Length).Select(i => (double)i)], outcome.Losses)], logY: true);
        Console.WriteLine("Wrote xor_derivation.md, xor_graph.html (open it in a browser: hover a node, step the backward pass with the slider), " +
            "xor_graph.dot, xor_graph.md (Mermaid) and xor_loss.png");
    }
}
