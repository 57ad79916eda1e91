using Autograd;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.Plotting;

namespace Lessons;

/// <summary>What lesson 8 measures.</summary>
/// <param name="PretrainAccuracy">Accuracy of the network trained on the even classes, on their test images.</param>
/// <param name="Transfer">Test accuracy on the odd classes after each epoch: frozen pre-trained body, new head.</param>
/// <param name="Scratch">Test accuracy on the odd classes after each epoch: the same network trained from scratch on the same budget.</param>
/// <param name="TrainableTransfer">Parameters trained in the transfer run (the head only).</param>
/// <param name="TrainableScratch">Parameters trained from scratch.</param>
/// <param name="Budget">Training images of the odd classes.</param>
/// <param name="BodyUnchanged">Whether the frozen body's weights are bit for bit the same after fine-tuning.</param>
/// <param name="Source">Where the images came from.</param>
public sealed record TransferOutcome(double PretrainAccuracy, double[] Transfer, double[] Scratch, long TrainableTransfer, long TrainableScratch, int Budget, bool BodyUnchanged, string Source);

/// <summary>
/// Lesson 8: transfer learning. A network's early layers learn features (edges, shapes) that serve other classes too.
/// Train body and head on five Fashion-MNIST classes; then freeze the body (the first layer's 256 features; its parameters stop requiring grad, so
/// backward computes nothing for them and the optimizer never sees them) and fit a new head on the other five classes
/// with a small budget (few images, few epochs), against the same network trained from scratch on that budget.
/// </summary>
public static class Lesson08Transfer
{
    /// <summary>Pre-trains on <paramref name="pretrainCount"/> images of the even classes, then fine-tunes on <paramref name="budget"/> images of the odd classes.</summary>
    public static TransferOutcome Measure(string? dataDir, int pretrainCount = 3000, int budget = 25, int epochs = 30, ulong seed = 8)
    {
        var (train, test, source) = LessonData.Load(dataDir, 2 * pretrainCount, 2000, seed);
        // Even classes (T-shirt, pullover, coat, shirt, bag) first, then the odd ones (trouser, dress, sandal, sneaker, ankle boot).
        var first = train.Where(l => l % 2 == 0, l => l / 2);
        var second = train.Where(l => l % 2 == 1, l => l / 2);
        var firstTest = test.Where(l => l % 2 == 0, l => l / 2);
        var secondTest = test.Where(l => l % 2 == 1, l => l / 2);
        var small = new ImageSet(second.Images[..(budget * 784)], second.Labels[..budget]);

        var g = new Generator(seed);
        var body = new Sequential<float>(new Flatten<float>(), new Linear<float>(784, 256, g), new ReLU<float>());
        var pretrained = new Sequential<float>(body, new Linear<float>(256, 64, g), new ReLU<float>(), new Linear<float>(64, 5, g));
        Train(pretrained, first, 3, g);
        double pretrainAccuracy = Classifier.Evaluate(pretrained, firstTest).Accuracy;

        body.Freeze();
        float[][] before = [.. body.Parameters().Select(p => p.ToArray())];
        var transfer = new Sequential<float>(body, new Linear<float>(256, 64, g), new ReLU<float>(), new Linear<float>(64, 5, g));
        var transferCurve = Train(transfer, small, epochs, g, secondTest);
        bool unchanged = body.Parameters().Zip(before, (p, b) => p.ToArray().SequenceEqual(b)).All(static same => same);
        var scratch = new Sequential<float>(new Flatten<float>(), new Linear<float>(784, 256, g), new ReLU<float>(), new Linear<float>(256, 64, g),
            new ReLU<float>(), new Linear<float>(64, 5, g));
        var scratchCurve = Train(scratch, small, epochs, g, secondTest);
        return new TransferOutcome(pretrainAccuracy, transferCurve, scratchCurve, transfer.ParameterCount(trainableOnly: true),
            scratch.ParameterCount(trainableOnly: true), budget, unchanged, source);
    }

    // Adam on the trainable parameters, batches of 32; the test accuracy after each epoch when a test set is given.
    private static double[] Train(Sequential<float> model, ImageSet set, int epochs, Generator g, ImageSet? test = null)
    {
        var optimizer = new Adam<float>(model.Parameters().Where(p => p.RequiresGrad), lr: 1e-3);
        var loader = new DataLoader<float>(set.Dataset(), 32, shuffle: true, generator: g);
        var curve = new List<double>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            Classifier.TrainEpoch(model, loader, optimizer);
            if (test is not null) curve.Add(Classifier.Evaluate(model, test).Accuracy);
        }
        return [.. curve];
    }

    /// <summary>Runs the lesson: prints both accuracies and draws them over epochs.</summary>
    public static void Run(LessonContext context)
    {
        var outcome = Measure(context.DataDir);
        Console.WriteLine(outcome.Source);
        Console.WriteLine($"Pre-trained on the even classes (3 epochs): test accuracy {outcome.PretrainAccuracy:P1} on those classes.");
        Console.WriteLine($"The odd classes with {outcome.Budget} training images, {outcome.Transfer.Length} epochs:");
        Console.WriteLine($"  frozen body + new head ({outcome.TrainableTransfer} trainable parameters): test accuracy {outcome.Transfer[^1]:P1}");
        Console.WriteLine($"  from scratch ({outcome.TrainableScratch} trainable parameters):          test accuracy {outcome.Scratch[^1]:P1}");
        LineChart.Save(context.File("transfer.png"), $"the odd classes from {outcome.Budget} images", "epoch", "test accuracy",
            [Series.Of("frozen pre-trained body, new head", outcome.Transfer), Series.Of("from scratch", outcome.Scratch)]);
        Console.WriteLine("Wrote transfer.png");
    }
}
