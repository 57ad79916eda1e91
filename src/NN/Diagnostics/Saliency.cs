using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Integrated gradients of one input with their completeness check: Σᵢ attributionᵢ should equal f(x) − f(x′).
/// </summary>
/// <param name="Attributions">(x − x′) ⊙ the mean gradient along the path, shaped like the input.</param>
/// <param name="Score">f(x), the target-class score of the input.</param>
/// <param name="BaselineScore">f(x′), the target-class score of the baseline.</param>
/// <param name="AttributionSum">Σᵢ attributionᵢ.</param>
public sealed record IntegratedGradientsResult<T>(Tensor<T> Attributions, double Score, double BaselineScore, double AttributionSum)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The completeness gap |Σ attributions − (f(x) − f(x′))| / |f(x) − f(x′)|; it shrinks as the step count grows.</summary>
    public double RelativeGap => Math.Abs(AttributionSum - (Score - BaselineScore)) / Math.Max(Math.Abs(Score - BaselineScore), 1e-30);
}

/// <summary>
/// Saliency maps of a classifier: how much each input element matters to the score f(x) = model(x)[target], the
/// target class's output (logit). Every method takes one example <c>x</c> without its batch dimension (e.g.
/// [1, 28, 28] for a CNN), runs the model on batches of shape [k, …x's shape] in eval mode (restoring the module's
/// mode afterwards), and returns maps shaped like <c>x</c>. Gradients come from <see cref="Tensor.Grad{T}(IReadOnlyList{Tensor{T}}, IReadOnlyList{Tensor{T}}, bool)"/>,
/// so no parameter's <c>Grad</c> is touched.
/// </summary>
public static class Saliency
{
    private const int Chunk = 64;

    /// <summary>The input gradient ∂f/∂x (Simonyan et al. 2014).</summary>
    public static Tensor<T> InputGradient<T>(Module<T> model, Tensor<T> input, int target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("InputGradient", model, input);
        return Tensor.FromArray(Gradients(model, input.Shape, [input.ToArray()], target, out _)[0], [.. input.Shape]);
    }

    /// <summary>Gradient × input, x ⊙ ∂f/∂x (for a linear score f = w·x + b it sums to f(x) − b).</summary>
    public static Tensor<T> GradientTimesInput<T>(Module<T> model, Tensor<T> input, int target) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("GradientTimesInput", model, input);
        T[] x = input.ToArray(), g = Gradients(model, input.Shape, [x], target, out _)[0];
        for (int i = 0; i < x.Length; i++) g[i] *= x[i];
        return Tensor.FromArray(g, [.. input.Shape]);
    }

    /// <summary>
    /// Integrated gradients (Sundararajan et al. 2017): (x − x′) ⊙ ∫₀¹ ∂f/∂x(x′ + α(x − x′)) dα, the integral taken by
    /// the midpoint Riemann sum (1/m) Σₖ ∂f/∂x at α = (k − ½)/m, k = 1..m. For a model linear in x it is exact:
    /// (x − x′) ⊙ w. The result carries f(x), f(x′) and Σ attributions for the completeness check.
    /// </summary>
    /// <param name="model">The classifier.</param>
    /// <param name="input">One example x without the batch dimension.</param>
    /// <param name="target">The class whose score is explained.</param>
    /// <param name="baseline">x′, shaped like x; null for zeros (a black image).</param>
    /// <param name="steps">m, the number of points on the path.</param>
    public static IntegratedGradientsResult<T> IntegratedGradients<T>(Module<T> model, Tensor<T> input, int target,
        Tensor<T>? baseline = null, int steps = 50) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("IntegratedGradients", model, input);
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"IntegratedGradients: steps must be at least 1, got {steps}");
        if (baseline is not null && !baseline.Shape.SequenceEqual(input.Shape))
            throw new ArgumentException($"IntegratedGradients: baseline shape {TensorShape.Format(baseline.Shape)} differs from input shape {TensorShape.Format(input.Shape)}", nameof(baseline));
        T[] x = input.ToArray(), x0 = baseline?.ToArray() ?? new T[x.Length];
        var path = new T[steps][];
        for (int k = 0; k < steps; k++)
        {
            T alpha = T.CreateChecked((k + 0.5) / steps);
            path[k] = new T[x.Length];
            for (int i = 0; i < x.Length; i++) path[k][i] = x0[i] + alpha * (x[i] - x0[i]);
        }
        var gradients = Gradients(model, input.Shape, path, target, out _);
        _ = Gradients(model, input.Shape, [x, x0], target, out var scores);
        var attributions = new T[x.Length];
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double mean = 0;
            for (int k = 0; k < steps; k++) mean += double.CreateChecked(gradients[k][i]);
            double a = double.CreateChecked(x[i] - x0[i]) * mean / steps;
            attributions[i] = T.CreateChecked(a);
            sum += a;
        }
        return new IntegratedGradientsResult<T>(Tensor.FromArray(attributions, [.. input.Shape]), scores[0], scores[1], sum);
    }

    /// <summary>
    /// SmoothGrad (Smilkov et al. 2017): the mean of ∂f/∂x over <paramref name="samples"/> noisy copies
    /// x + ε, ε ~ N(0, σ²) with σ = <paramref name="noiseLevel"/> · (max x − min x), drawn from <paramref name="generator"/>.
    /// </summary>
    public static Tensor<T> SmoothGrad<T>(Module<T> model, Tensor<T> input, int target, Generator generator, int samples = 25,
        double noiseLevel = 0.15) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check("SmoothGrad", model, input);
        ArgumentNullException.ThrowIfNull(generator);
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), $"SmoothGrad: samples must be at least 1, got {samples}");
        if (!(noiseLevel >= 0)) throw new ArgumentOutOfRangeException(nameof(noiseLevel), $"SmoothGrad: noiseLevel must be non-negative, got {noiseLevel}");
        T[] x = input.ToArray();
        double sigma = x.Length == 0 ? 0 : noiseLevel * double.CreateChecked(x.Max() - x.Min());
        var noisy = new T[samples][];
        for (int s = 0; s < samples; s++)
        {
            noisy[s] = new T[x.Length];
            for (int i = 0; i < x.Length; i++) noisy[s][i] = x[i] + T.CreateChecked(sigma * generator.NextNormal());
        }
        var gradients = Gradients(model, input.Shape, noisy, target, out _);
        var mean = new T[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            double total = 0;
            for (int s = 0; s < samples; s++) total += double.CreateChecked(gradients[s][i]);
            mean[i] = T.CreateChecked(total / samples);
        }
        return Tensor.FromArray(mean, [.. input.Shape]);
    }

    // ∂f/∂x for each of the examples, run in batches of Chunk in eval mode; scores gets f of each example.
    private static T[][] Gradients<T>(Module<T> model, IReadOnlyList<int> shape, T[][] examples, int target, out double[] scores)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool training = model.IsTraining;
        model.Eval();
        var gradients = new T[examples.Length][];
        scores = new double[examples.Length];
        int size = examples.Length == 0 ? 0 : examples[0].Length;
        try
        {
            using var grad = Tensor.EnableGrad();
            for (int start = 0; start < examples.Length; start += Chunk)
            {
                int count = Math.Min(Chunk, examples.Length - start);
                var data = new T[count * size];
                for (int k = 0; k < count; k++) examples[start + k].CopyTo(data, k * size);
                var x = Tensor.FromArray(data, [count, .. shape], requiresGrad: true);
                var output = model.Forward(x);
                if (output.Rank != 2 || output.Shape[0] != count)
                    throw new ArgumentException($"Saliency: the model must return scores of shape [batch, classes]; for input shape {TensorShape.Format(x.Shape)} it returned {TensorShape.Format(output.Shape)}");
                if (target < 0 || target >= output.Shape[1])
                    throw new ArgumentOutOfRangeException(nameof(target), $"Saliency: target class {target} is outside 0..{output.Shape[1] - 1} (model output shape {TensorShape.Format(output.Shape)})");
                var score = output.Select(1, target);
                T[] values = score.ToArray();
                for (int k = 0; k < count; k++) scores[start + k] = double.CreateChecked(values[k]);
                T[] g = Tensor.Grad([score.Sum()], [x])[0].ToArray();
                for (int k = 0; k < count; k++) gradients[start + k] = g.AsSpan(k * size, size).ToArray();
            }
        }
        finally
        {
            model.Train(training);
        }
        return gradients;
    }

    private static void Check<T>(string method, Module<T> model, Tensor<T> input) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model, nameof(model));
        ArgumentNullException.ThrowIfNull(input, nameof(input));
        if (input.NumElements == 0)
            throw new ArgumentException($"{method}: the input is empty (shape {TensorShape.Format(input.Shape)})", nameof(input));
    }
}
