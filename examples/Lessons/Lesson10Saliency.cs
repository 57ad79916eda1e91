using Autograd;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>The saliency maps of one test image.</summary>
/// <param name="Label">The true class.</param>
/// <param name="Predicted">The class the network predicts (the maps explain its score).</param>
/// <param name="Image">The (normalised) image, 784 pixels.</param>
/// <param name="InputGradient">∂f/∂x.</param>
/// <param name="GradientTimesInput">x ⊙ ∂f/∂x.</param>
/// <param name="Integrated">Integrated gradients from the black image, with the completeness check.</param>
/// <param name="SmoothGrad">SmoothGrad, 16 noisy copies at 15 % noise.</param>
public sealed record SaliencyMaps(int Label, int Predicted, float[] Image, float[] InputGradient, float[] GradientTimesInput,
    IntegratedGradientsResult<float> Integrated, float[] SmoothGrad);

/// <summary>What lesson 10 measures: the CNN's test accuracy and the maps of a few test images.</summary>
public sealed record SaliencyOutcome(double TestAccuracy, IReadOnlyList<SaliencyMaps> Maps, string Source);

/// <summary>
/// Lesson 10: interpretability. For a trained CNN and the score f(x) of a class: the input gradient ∂f/∂x (which
/// pixels change f fastest), gradient × input, integrated gradients (x − x′) ⊙ ∫₀¹ ∂f/∂x(x′ + α(x − x′)) dα from the black
/// image x′, whose attributions add up to f(x) − f(x′) (completeness), and SmoothGrad (the input gradient averaged over
/// noisy copies, which removes its speckle).
/// </summary>
public static class Lesson10Saliency
{
    /// <summary>Trains the CNN on <paramref name="trainCount"/> images for <paramref name="epochs"/> epochs and explains <paramref name="explained"/> test images.</summary>
    public static SaliencyOutcome Measure(string? dataDir, int trainCount = 3000, int epochs = 2, int explained = 3, int steps = 64, ulong seed = 10)
    {
        var (train, test, source) = LessonData.Load(dataDir, trainCount, 500, seed);
        var g = new Generator(seed);
        var model = new Sequential<float>(
            new Conv2d<float>(1, 8, 3, g, padding: 1), new ReLU<float>(), new MaxPool2d<float>(2),
            new Conv2d<float>(8, 16, 3, g, padding: 1), new ReLU<float>(), new MaxPool2d<float>(2),
            new Flatten<float>(), new Linear<float>(16 * 7 * 7, 10, g));
        var optimizer = new Adam<float>(model.Parameters(), lr: 2e-3);
        var loader = new DataLoader<float>(train.Dataset(), 64, shuffle: true, generator: g);
        for (int epoch = 0; epoch < epochs; epoch++) Classifier.TrainEpoch(model, loader, optimizer);
        double accuracy = Classifier.Evaluate(model, test).Accuracy;
        // The black image, normalised like the data: (0 − mean) / std.
        var black = Tensor.Full([1, 28, 28], (0 - 0.2860f) / 0.3530f);
        var maps = new List<SaliencyMaps>();
        for (int n = 0; n < explained; n++)
        {
            var image = Tensor.FromArray(test.Images.AsSpan(n * 784, 784).ToArray(), [1, 28, 28]);
            int predicted;
            using (Tensor.NoGrad()) predicted = model.Forward(image.Reshape(1, 1, 28, 28)).ArgmaxIndices(1)[0];
            model.Eval();
            maps.Add(new SaliencyMaps(test.Labels[n], predicted, image.ToArray(),
                Saliency.InputGradient(model, image, predicted).ToArray(),
                Saliency.GradientTimesInput(model, image, predicted).ToArray(),
                Saliency.IntegratedGradients(model, image, predicted, black, steps),
                Saliency.SmoothGrad(model, image, predicted, new Generator(seed + (ulong)n), samples: 16).ToArray()));
        }
        return new SaliencyOutcome(accuracy, maps, source);
    }

    /// <summary>Runs the lesson: trains the CNN, prints the completeness checks and draws the maps.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Measure(context.DataDir);
        Console.WriteLine(outcome.Source);
        Console.WriteLine($"CNN (conv 8, conv 16, linear) trained 2 epochs on 3000 images: test accuracy {outcome.TestAccuracy:P1} on 500 test images.");
        for (int n = 0; n < outcome.Maps.Count; n++)
        {
            var m = outcome.Maps[n];
            var ig = m.Integrated;
            Console.WriteLine($"  image {n}: label {m.Label}, predicted {m.Predicted}; integrated gradients (64 steps): Σ attributions = {ig.AttributionSum:F4}, " +
                $"f(x) − f(black) = {ig.Score:F4} − {ig.BaselineScore:F4} = {ig.Score - ig.BaselineScore:F4}, relative gap {ig.RelativeGap:P2}");
            static IReadOnlyList<double> D(float[] v) => [.. v.Select(static x => (double)x)];
            SaliencyChart.Save(context.File($"saliency_{n}.png"), 28, 28, $"label {m.Label}, predicted {m.Predicted}", D(m.Image),
                [("input gradient", D(m.InputGradient)), ("gradient × input", D(m.GradientTimesInput)),
                 ("integrated gradients", D(ig.Attributions.ToArray())), ("SmoothGrad", D(m.SmoothGrad))]);
        }
        Console.WriteLine("Wrote saliency_*.png (image, input gradient, gradient × input, integrated gradients, SmoothGrad)");
    }
}
