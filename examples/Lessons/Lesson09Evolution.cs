using System.Diagnostics;
using Autograd;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One optimiser of lesson 9: training accuracy against function evaluations and seconds.</summary>
/// <param name="Name">The method.</param>
/// <param name="Evaluations">Function evaluations (forward passes over the data set; a backward pass counts as one more) so far, per record.</param>
/// <param name="Seconds">Wall-clock seconds so far, per record.</param>
/// <param name="Accuracy">Training accuracy, per record.</param>
public sealed record SearchRun(string Name, double[] Evaluations, double[] Seconds, double[] Accuracy)
{
    /// <summary>The evaluations and seconds spent when the accuracy first reached <paramref name="target"/>, or NaN if it never did.</summary>
    public (double Evaluations, double Seconds) CostToReach(double target)
    {
        int i = Array.FindIndex(Accuracy, a => a >= target);
        return i < 0 ? (double.NaN, double.NaN) : (Evaluations[i], Seconds[i]);
    }
}

/// <summary>
/// Lesson 9: an alternative to backpropagation. An evolution strategy estimates the gradient of the loss from values
/// alone: ∇L(θ) ≈ (1/(2nσ)) Σᵢ (L(θ + σεᵢ) − L(θ − σεᵢ))·εᵢ over n random directions εᵢ ~ N(0, I) (antithetic pairs), and
/// neuroevolution keeps the best of mutated copies of the weights. Both need no derivatives, but each estimate costs 2n
/// evaluations and is noisy in P dimensions, where one backward pass gives the exact gradient for about the cost of one
/// more evaluation. The lesson compares accuracy per evaluation and per second on the same small network and data.
/// </summary>
public static class Lesson09Evolution
{
    private const int Features = 8, Hidden = 16, Classes = 3;
    private const int Size = Features * Hidden + Hidden + Hidden * Classes + Classes;

    /// <summary>Runs backprop (Adam), an evolution strategy and a (1 + λ) neuroevolution for <paramref name="evaluations"/> evaluations each.</summary>
    public static IReadOnlyList<SearchRun> Measure(int evaluations = 6000, ulong seed = 9)
    {
        var (x, labels) = SyntheticTasks.Teacher(512, Features, Classes, seed);
        var start = Tensor.Randn<float>([Size], new Generator(seed), std: 0.3f);
        return [Backprop(x, labels, start, evaluations), Evolution(x, labels, start, evaluations, seed), Neuroevolution(x, labels, start, evaluations, seed)];
    }

    // The network θ ↦ logits of x: a 8-16-3 perceptron with tanh, its weights read from one flat vector θ.
    private static Tensor<float> Logits(Tensor<float> theta, Tensor<float> x)
    {
        int at = 0;
        Tensor<float> Take(params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            var part = theta.Narrow(0, at, n).Reshape(shape);
            at += n;
            return part;
        }
        var w1 = Take(Features, Hidden);
        var b1 = Take(Hidden);
        var w2 = Take(Hidden, Classes);
        var b2 = Take(Classes);
        return (x.MatMul(w1) + b1).Tanh().MatMul(w2) + b2;
    }

    private static double Loss(Tensor<float> theta, Tensor<float> x, int[] labels)
    {
        using var noGrad = Tensor.NoGrad();
        return Losses.CrossEntropy(Logits(theta, x), labels).Item();
    }

    private static double Accuracy(Tensor<float> theta, Tensor<float> x, int[] labels)
    {
        using var noGrad = Tensor.NoGrad();
        return Logits(theta, x).ArgmaxIndices(1).Zip(labels).Count(p => p.First == p.Second) / (double)labels.Length;
    }

    private sealed class Recorder(string name, Tensor<float> x, int[] labels)
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly List<(double, double, double)> _points = [];
        public void Add(double evaluations, Tensor<float> theta)
        {
            _clock.Stop();
            _points.Add((evaluations, _clock.Elapsed.TotalSeconds, Accuracy(theta, x, labels)));
            _clock.Start();
        }
        public SearchRun Run() => new(name, [.. _points.Select(p => p.Item1)], [.. _points.Select(p => p.Item2)], [.. _points.Select(p => p.Item3)]);
    }

    private static SearchRun Backprop(Tensor<float> x, int[] labels, Tensor<float> start, int evaluations)
    {
        var theta = start.Clone().Detach();
        theta.RequiresGrad = true;
        var optimizer = new Adam<float>([theta], lr: 0.01);
        var recorder = new Recorder("backprop (Adam)", x, labels);
        recorder.Add(0, theta);
        // One step: a forward and a backward pass, counted as two evaluations.
        for (int done = 2; done <= evaluations; done += 2)
        {
            var loss = Losses.CrossEntropy(Logits(theta, x), labels);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            if (done % 40 == 0) recorder.Add(done, theta);
        }
        return recorder.Run();
    }

    private static SearchRun Evolution(Tensor<float> x, int[] labels, Tensor<float> start, int evaluations, ulong seed)
    {
        const int pairs = 10;
        const float sigma = 0.05f;
        var g = new Generator(seed + 1);
        var theta = start.Clone().Detach();
        theta.RequiresGrad = true;
        // The estimated gradient goes into theta.Grad, so Adam steps on it exactly as it does on a backpropagated one.
        var optimizer = new Adam<float>([theta], lr: 0.01);
        var recorder = new Recorder($"evolution strategy ({pairs} antithetic pairs, σ = {sigma})", x, labels);
        recorder.Add(0, theta);
        for (int done = 2 * pairs; done <= evaluations; done += 2 * pairs)
        {
            var estimate = new float[Size];
            for (int i = 0; i < pairs; i++)
            {
                var eps = Tensor.Randn<float>([Size], g);
                double difference = Loss(theta.Detach() + eps * sigma, x, labels) - Loss(theta.Detach() - eps * sigma, x, labels);
                float[] e = eps.ToArray();
                for (int k = 0; k < Size; k++) estimate[k] += (float)(difference / (2 * pairs * sigma)) * e[k];
            }
            theta.Grad = Tensor.FromArray(estimate);
            optimizer.Step();
            if (done % 40 == 0) recorder.Add(done, theta);
        }
        return recorder.Run();
    }

    private static SearchRun Neuroevolution(Tensor<float> x, int[] labels, Tensor<float> start, int evaluations, ulong seed)
    {
        const int children = 20;
        const float mutation = 0.05f;
        var g = new Generator(seed + 2);
        var parent = start.Clone();
        double parentLoss = Loss(parent, x, labels);
        var recorder = new Recorder($"neuroevolution (1 + {children}), mutation σ = {mutation}", x, labels);
        recorder.Add(1, parent);
        for (int done = 1 + children; done <= evaluations; done += children)
        {
            for (int c = 0; c < children; c++)
            {
                var child = parent + Tensor.Randn<float>([Size], g) * mutation;
                double loss = Loss(child, x, labels);
                if (loss < parentLoss) (parent, parentLoss) = (child, loss);
            }
            if (done % 40 < children) recorder.Add(done, parent);
        }
        return recorder.Run();
    }

    /// <summary>Runs the lesson: prints accuracy per evaluation and per second and draws both.</summary>
    public static void Run(LessonContext context)
    {
        var runs = Measure();
        Console.WriteLine($"A {Features}-{Hidden}-{Classes} perceptron ({Size} weights) on 512 points of a random teacher, same start, 6000 evaluations each:");
        foreach (var run in runs)
        {
            var (evaluations, seconds) = run.CostToReach(0.95);
            Console.WriteLine($"  {run.Name,-52} reaches 95 % after {evaluations:F0} evaluations ({seconds:F2} s); " +
                $"{run.Accuracy[^1]:P1} after {run.Evaluations[^1]:F0} evaluations ({run.Seconds[^1]:F2} s)");
        }
        LineChart.Save(context.File("evolution_per_evaluation.png"), "accuracy per function evaluation", "evaluations", "training accuracy",
            [.. runs.Select(r => new Series(r.Name, r.Evaluations, r.Accuracy))]);
        LineChart.Save(context.File("evolution_per_second.png"), "accuracy per second", "seconds", "training accuracy",
            [.. runs.Select(r => new Series(r.Name, r.Seconds, r.Accuracy))]);
        Console.WriteLine("Wrote evolution_per_evaluation.png and evolution_per_second.png");
    }
}
