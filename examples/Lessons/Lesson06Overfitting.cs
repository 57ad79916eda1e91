using Autograd;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.NN.Schedules;
using Autograd.Plotting;

namespace Lessons;

/// <summary>One training of lesson 6, per epoch.</summary>
/// <param name="Name">The cure (or "no cure").</param>
/// <param name="TrainLoss">Training loss (in eval mode, on the un-augmented training set) after each epoch.</param>
/// <param name="ValidationLoss">Validation loss after each epoch.</param>
/// <param name="ValidationAccuracy">Validation accuracy after each epoch.</param>
/// <param name="FinalValidationLoss">The validation loss of the weights the run ends with (for early stopping, the restored best).</param>
/// <param name="FinalValidationAccuracy">The validation accuracy of those weights.</param>
/// <param name="WeightNorm">‖w‖₂ over every parameter at the end.</param>
public sealed record FitRun(string Name, double[] TrainLoss, double[] ValidationLoss, double[] ValidationAccuracy,
    double FinalValidationLoss, double FinalValidationAccuracy, double WeightNorm);

/// <summary>
/// Lesson 6: overfitting and its cures. A 784-256-10 network trained on 256 images memorises them: the training loss goes
/// to 0 while the validation loss, after a minimum, climbs. L2 regularisation (a penalty λ‖w‖², i.e. weight decay),
/// dropout (each hidden unit zeroed with probability p in training), data augmentation (random shifts by up to 2 pixels)
/// and early stopping (keep the weights of the epoch with the lowest validation loss) each narrow the gap.
/// </summary>
public static class Lesson06Overfitting
{
    /// <summary>Trains the five variants for <paramref name="epochs"/> epochs on <paramref name="trainCount"/> images.</summary>
    /// <param name="dataDir">The Fashion-MNIST folder, or null for the synthetic stand-in.</param>
    /// <param name="epochs">Epochs.</param>
    /// <param name="trainCount">Training images.</param>
    /// <param name="validationCount">Validation images (from the test set).</param>
    /// <param name="seed">Seed of the weights, the shuffling and the augmentation.</param>
    public static IReadOnlyList<FitRun> Measure(string? dataDir, int epochs = 60, int trainCount = 256, int validationCount = 1000, ulong seed = 6)
    {
        var (train, validation, _) = LessonData.Load(dataDir, trainCount, validationCount, seed);
        return
        [
            Fit("no cure", train, validation, epochs, seed, dropout: 0, weightDecay: 0, augment: false, patience: null),
            Fit("L2 (λ = 0.1)", train, validation, epochs, seed, dropout: 0, weightDecay: 0.1, augment: false, patience: null),
            Fit("dropout 0.5", train, validation, epochs, seed, dropout: 0.5, weightDecay: 0, augment: false, patience: null),
            Fit("augmentation (shifts)", train, validation, epochs, seed, dropout: 0, weightDecay: 0, augment: true, patience: null),
            Fit("early stopping", train, validation, epochs, seed, dropout: 0, weightDecay: 0, augment: false, patience: 5),
        ];
    }

    private static FitRun Fit(string name, ImageSet train, ImageSet validation, int epochs, ulong seed, double dropout, double weightDecay,
        bool augment, int? patience)
    {
        var g = new Generator(seed);
        var model = new Sequential<float>(new Flatten<float>(), new Linear<float>(784, 256, g), new ReLU<float>());
        if (dropout > 0) model.Add(new Dropout<float>(dropout, g));
        model.Add(new Linear<float>(256, 10, g));
        // Adam's weightDecay adds λ·w to the gradient: the gradient of the L2 penalty (λ/2)‖w‖².
        var optimizer = new Adam<float>(model.Parameters(), lr: 1e-3, weightDecay: weightDecay);
        var loader = new DataLoader<float>(train.Dataset(), 32, shuffle: true, generator: g,
            transforms: augment ? [new RandomTranslate<float>(2)] : null);
        var stopping = patience is int p ? new EarlyStopping<float>(model.Parameters(), patience: p) : null;
        List<double> trainLoss = [], validationLoss = [], validationAccuracy = [];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            Classifier.TrainEpoch(model, loader, optimizer);
            trainLoss.Add(Classifier.Evaluate(model, train).Loss);
            var (vl, va) = Classifier.Evaluate(model, validation);
            validationLoss.Add(vl);
            validationAccuracy.Add(va);
            if (stopping is not null && stopping.Step(vl)) break;
        }
        stopping?.RestoreBestWeights();
        var (finalLoss, finalAccuracy) = Classifier.Evaluate(model, validation);
        double norm = Math.Sqrt(model.Parameters().Sum(w => w.ToArray().Sum(v => (double)v * v)));
        return new FitRun(name, [.. trainLoss], [.. validationLoss], [.. validationAccuracy], finalLoss, finalAccuracy, norm);
    }

    /// <summary>Runs the lesson: prints each run's losses and draws the train/validation curves.</summary>
    public static void Run(LessonContext context)
    {
        Console.WriteLine(LessonData.Load(context.DataDir, 256, 1000).Source);
        var runs = Measure(context.DataDir);
        foreach (var run in runs)
            Console.WriteLine($"  {run.Name,-22} {run.TrainLoss.Length,2} epochs: train loss {run.TrainLoss[^1]:F4}, validation loss min {run.ValidationLoss.Min():F3} " +
                $"(epoch {Array.IndexOf(run.ValidationLoss, run.ValidationLoss.Min()) + 1}), at the end {run.FinalValidationLoss:F3}, accuracy {run.FinalValidationAccuracy:P1}");
        foreach (var (run, file) in runs.Zip(new[] { "overfit_none", "overfit_l2", "overfit_dropout", "overfit_augment", "overfit_early_stopping" }))
            LineChart.TrainingCurves(context.File(file + ".png"),
                [Series.Of("train", run.TrainLoss), Series.Of("validation", run.ValidationLoss)], [Series.Of("validation", run.ValidationAccuracy)]);
        LineChart.Save(context.File("overfit_validation.png"), "validation loss of each cure", "epoch", "cross-entropy",
            [.. runs.Select(r => Series.Of(r.Name, r.ValidationLoss))]);
        Console.WriteLine("Wrote overfit_*.png (train and validation curves of each run) and overfit_validation.png");
    }
}
