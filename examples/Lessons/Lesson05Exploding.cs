using Autograd;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One training run of lesson 5.</summary>
/// <param name="Name">With or without clipping.</param>
/// <param name="Losses">The loss at each step (non-finite once it has blown up).</param>
/// <param name="GradNorms">The total gradient norm at each step, before clipping.</param>
public sealed record RecurrentRun(string Name, double[] Losses, double[] GradNorms)
{
    /// <summary>The first step whose loss is not finite (the training blew up), or −1.</summary>
    public int BlowUpStep => Array.FindIndex(Losses, static l => !double.IsFinite(l));
}

/// <summary>What lesson 5 measures.</summary>
/// <param name="StateGradNorms">‖∂L/∂hₜ‖ for t = 1..T at initialisation: it grows backwards in time like ρ(W)^(T−t).</param>
/// <param name="SpectralRadius">ρ(W), the recurrent weight's spectral radius at initialisation (its gain: W is a scaled orthogonal matrix).</param>
/// <param name="Plain">Training without clipping.</param>
/// <param name="Clipped">Training with the total gradient norm clipped to 1.</param>
public sealed record ExplodingOutcome(double[] StateGradNorms, double SpectralRadius, RecurrentRun Plain, RecurrentRun Clipped);

/// <summary>
/// Lesson 5: exploding gradients. A recurrent network backpropagates through the same W at every step. In the linear
/// network hₜ = xₜ·U + hₜ₋₁·W the Jacobian is exactly ∂hₜ/∂hₜ₋₁ = W, so ∂L/∂hₜ = ∂L/∂h_T·(Wᵀ)^(T−t); with W = ρ·Q for an
/// orthogonal Q, ‖∂L/∂hₜ‖ = ρ^(T−t)·‖∂L/∂h_T‖ exactly (a tanh network does the same while it is unsaturated, with
/// 1 − h² ≈ 1). With ρ &gt; 1 the gradient explodes; one huge step throws the weights far away and the loss overflows.
/// Clipping the gradient's norm (g ← g·min(1, c/‖g‖)) keeps its direction and bounds the step.
/// </summary>
public static class Lesson05Exploding
{
    private const int Hidden = 16;

    /// <summary>Runs the recurrent network over sequences of length <paramref name="length"/>, training each way <paramref name="steps"/> steps.</summary>
    public static ExplodingOutcome Measure(int length = 30, int steps = 100, double gain = 1.3, ulong seed = 5)
    {
        var generator = new Generator(seed);
        // 64 sequences of inputs xₜ ~ N(0, 1); the target is the sum of the first five inputs.
        var x = Tensor.Randn<double>([64, length, 1], generator);
        var target = x.Narrow(1, 0, 5).Sum([1, 2]).Reshape(64, 1);
        double[] stateNorms = [];
        RecurrentRun Train(string name, double? clip)
        {
            var g = new Generator(seed + 1);
            var u = Init.Normal(Tensor.Zeros<double>(1, Hidden), g);
            var w = Init.Orthogonal(Tensor.Zeros<double>(Hidden, Hidden), g, gain);
            var v = Init.Normal(Tensor.Zeros<double>(Hidden, 1), g, std: 1 / Math.Sqrt(Hidden));
            Tensor<double>[] parameters = [u, w, v];
            foreach (var p in parameters) p.RequiresGrad = true;
            var optimizer = new SGD<double>(parameters, lr: 0.05);
            var losses = new double[steps];
            var norms = new double[steps];
            for (int step = 0; step < steps; step++)
            {
                var states = new List<Tensor<double>>();
                var h = Tensor.Zeros<double>(64, Hidden);
                for (int t = 0; t < length; t++)
                {
                    h = x.Select(1, t).MatMul(u) + h.MatMul(w);
                    states.Add(h);
                }
                var loss = (h.MatMul(v) - target).Square().Mean();
                losses[step] = loss.Item();
                if (step == 0 && stateNorms.Length == 0)
                    stateNorms = [.. Tensor.Grad([loss], states, null, retainGraph: true).Select(d => Math.Sqrt(d.Square().Sum().Item()))];
                optimizer.ZeroGrad();
                loss.Backward();
                norms[step] = GradientClipping.ClipGradNorm(parameters, clip ?? double.PositiveInfinity);
                optimizer.Step();
            }
            return new RecurrentRun(name, losses, norms);
        }
        var plain = Train("no clipping", null);
        var clipped = Train("gradient norm clipped to 1", 1.0);
        return new ExplodingOutcome(stateNorms, gain, plain, clipped);
    }

    /// <summary>Runs the lesson: prints ‖∂L/∂hₜ‖ over time and both trainings, and draws them.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Measure();
        var s = outcome.StateGradNorms;
        Console.WriteLine($"Linear recurrent network hₜ = xₜ·U + hₜ₋₁·W, 16 units, W = {outcome.SpectralRadius}·(orthogonal), sequences of {s.Length} steps.");
        Console.WriteLine($"‖∂L/∂hₜ‖ backwards in time: t = {s.Length}: {s[^1]:E2}, t = {s.Length / 2}: {s[s.Length / 2 - 1]:E2}, t = 1: {s[0]:E2} " +
            $"(ratio {s[0] / s[^1]:E2}; ρ^(T−1) = {Math.Pow(outcome.SpectralRadius, s.Length - 1):E2})");
        foreach (var run in new[] { outcome.Plain, outcome.Clipped })
            Console.WriteLine($"  {run.Name,-28} loss {run.Losses[0]:G4} → {run.Losses[^1]:G4}, largest gradient norm {run.GradNorms.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max():E2}" +
                (run.BlowUpStep >= 0 ? $", loss not finite from step {run.BlowUpStep}" : ""));
        LineChart.Save(context.File("rnn_state_gradients.png"), "‖∂L/∂hₜ‖ over time", "time step t", "gradient norm (log scale)",
            [Series.Of("‖∂L/∂hₜ‖", s)], logY: true);
        LineChart.Save(context.File("rnn_clipping_loss.png"), "training loss with and without clipping", "step", "loss (log scale)",
            [Series.Of(outcome.Plain.Name, outcome.Plain.Losses), Series.Of(outcome.Clipped.Name, outcome.Clipped.Losses)], logY: true);
        LineChart.Save(context.File("rnn_gradient_norms.png"), "gradient norm before clipping", "step", "‖g‖ (log scale)",
            [Series.Of(outcome.Plain.Name, outcome.Plain.GradNorms), Series.Of(outcome.Clipped.Name, outcome.Clipped.GradNorms)], logY: true);
        Console.WriteLine("Wrote rnn_state_gradients.png, rnn_clipping_loss.png and rnn_gradient_norms.png");
    }
}
