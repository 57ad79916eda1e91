using Autograd.NN;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// Where the time of the quick workloads goes (<c>--breakdown</c>): the phases of a training step, each layer's forward
/// and backward, the GEMM shapes of the MLP, and the scalar chain's forward against its backward. Stopwatch only, so
/// the numbers are indicative; each is the best of a few repetitions.
/// </summary>
internal static class Breakdown
{
    public static void Run(TextWriter log)
    {
        log.WriteLine();
        log.WriteLine("== Breakdown ==");
        Phases("MLP", Trainer.Mlp(samples: 128 * 64), log);
        Phases("CNN", Trainer.Cnn(), log);
        var g = new Generator(3);
        Layers("MLP", Workloads.Mlp(g), Tensor.Randn<float>([Workloads.MlpBatch, Workloads.MlpFeatures], g), log);
        Layers("CNN", Workloads.Cnn(g), Tensor.Randn<float>([Workloads.CnnBatch, 1, 28, 28], g), log);
        MlpGemmShapes(log);
        ScalarChain(log);
    }

    /// <summary>
    /// Mean time of forward, loss, backward and optimizer step over 20 steps (best of 3), and the managed bytes each
    /// phase allocates on all threads (last trial).
    /// </summary>
    private static void Phases(string name, Trainer trainer, TextWriter log)
    {
        var (model, optimizer) = trainer.Parts;
        // Warm-up for at least a second (and 10 steps): tier-1 code replaces tier-0 code in the background only after
        // a method's first 30 calls and a delay, so a few steps of a fast MLP would time unoptimised code.
        long warm = System.Diagnostics.Stopwatch.GetTimestamp();
        for (int b = 0; b < 10 || System.Diagnostics.Stopwatch.GetElapsedTime(warm).TotalSeconds < 1; b++) trainer.Step(b);
        var best = new double[4];
        var bytes = new double[4];
        Array.Fill(best, double.MaxValue);
        const int steps = 20;
        // Three timed trials, then one pass that counts allocations: the precise allocation counter stops every
        // thread (the workers included), which would be timed with each phase.
        for (int trial = 0; trial < 4; trial++)
        {
            bool count = trial == 3;
            var sum = new double[4];
            for (int b = 0; b < steps; b++)
            {
                // As Workloads.TrainStep runs a step: in a scope, gradients cleared to null (their buffers taken back).
                using var scope = Tensor.Scope();
                optimizer.ZeroGrad();
                Tensor<float> logits = null!, loss = null!;
                int batch = b % trainer.Batches;
                Run(0, () => logits = model.Forward(trainer.Inputs(batch)));
                Run(1, () => loss = Losses.CrossEntropy(logits, trainer.Labels(batch)));
                Run(2, loss.Backward);
                Run(3, optimizer.Step);
            }
            if (!count)
                for (int i = 0; i < 4; i++) best[i] = Math.Min(best[i], sum[i] / steps * 1e3);

            void Run(int phase, Action action)
            {
                if (!count)
                {
                    sum[phase] += Measure.Seconds(action);
                    return;
                }
                long before = Measure.TotalAllocated();
                action();
                bytes[phase] += Measure.TotalAllocated() - before;
            }
        }
        log.WriteLine($"{name} step phases (ms): forward {best[0]:F3}, loss {best[1]:F3}, backward {best[2]:F3}, Adam step {best[3]:F3}, total {best.Sum():F3}");
        log.WriteLine($"{name} step allocations (KiB): forward {bytes[0] / steps / 1024:F1}, loss {bytes[1] / steps / 1024:F1}, " +
            $"backward {bytes[2] / steps / 1024:F1}, Adam step {bytes[3] / steps / 1024:F1}");
    }

    /// <summary>Each layer's forward, and forward + backward with a random upstream gradient, on its real input shape.</summary>
    private static void Layers(string name, Sequential<float> model, Tensor<float> input, TextWriter log)
    {
        var g = new Generator(4);
        var x = input;
        int index = 0;
        foreach (var layer in model)
        {
            var leaf = x.Detach();
            leaf.RequiresGrad = index > 0; // the first layer's input is data: no gradient, as in training
            var y = layer.Forward(leaf);
            var upstream = Tensor.Randn<float>([.. y.Shape], g);
            for (int w = 0; w < 3; w++) layer.Forward(leaf).Backward(upstream);
            double forward = Measure.BestSeconds(5, () => layer.Forward(leaf));
            double both = Measure.BestSeconds(5, () => layer.Forward(leaf).Backward(upstream));
            log.WriteLine($"{name} layer {index} {layer.GetType().Name.Split('`')[0],-10} [{string.Join(",", leaf.Shape)}] -> [{string.Join(",", y.Shape)}]: " +
                $"forward {forward * 1e3:F3} ms, backward {(both - forward) * 1e3:F3} ms");
            x = y.Detach();
            index++;
        }
    }

    /// <summary>The three products of each MLP Linear layer in a training step, as Tensor.MatMul sees them.</summary>
    private static void MlpGemmShapes(TextWriter log)
    {
        var g = new Generator(5);
        int batch = Workloads.MlpBatch;
        foreach (var (inF, outF) in new[] { (784, 256), (256, 128), (128, 10) })
        {
            var x = Tensor.Randn<float>([batch, inF], g);
            var w = Tensor.Randn<float>([outF, inF], g);
            var up = Tensor.Randn<float>([batch, outF], g);
            Report(log, $"Linear {inF}->{outF} forward  x·Wᵀ [{batch}x{inF}]·[{inF}x{outF}]", batch, outF, inF, () => x.MatMul(w.MT));
            Report(log, $"Linear {inF}->{outF} dL/dx    G·W  [{batch}x{outF}]·[{outF}x{inF}]", batch, inF, outF, () => up.MatMul(w));
            Report(log, $"Linear {inF}->{outF} dL/dWᵀ   xᵀ·G [{inF}x{batch}]·[{batch}x{outF}]", inF, outF, batch, () => x.MT.MatMul(up));
        }
    }

    private static void Report(TextWriter log, string what, int m, int n, int k, Action product)
    {
        for (int i = 0; i < 20; i++) product();
        double s = Measure.BestSeconds(50, product);
        log.WriteLine($"{what}: {s * 1e6:F1} µs, {2.0 * m * n * k / s / 1e9:F1} GFLOP/s");
    }

    /// <summary>The scalar chain's forward (recording 30,000 nodes) against its backward.</summary>
    private static void ScalarChain(TextWriter log)
    {
        Workloads.ScalarChain();
        double forward = Measure.BestSeconds(5, () =>
        {
            var y = Tensor.Scalar(0.5f, requiresGrad: true);
            for (int i = 0; i < Workloads.ScalarChainLength; i++) y = (y * 1.0001f + 0.001f).Tanh();
        });
        double noGrad = Measure.BestSeconds(5, () =>
        {
            var y = Tensor.Scalar(0.5f);
            for (int i = 0; i < Workloads.ScalarChainLength; i++) y = (y * 1.0001f + 0.001f).Tanh();
        });
        double total = Measure.BestSeconds(5, () => Workloads.ScalarChain());
        double perNode = 1e9 / Workloads.ScalarChainNodes;
        log.WriteLine($"scalar chain ns/node: forward recorded {forward * perNode:F1}, forward without grad {noGrad * perNode:F1}, " +
            $"backward {(total - forward) * perNode:F1}, total {total * perNode:F1}");
    }
}
