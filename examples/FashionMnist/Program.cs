// Trains an MLP or a CNN on Fashion-MNIST and prints test_accuracy=0.XXXX as its last line.
using System.Diagnostics;
using System.Globalization;
using Autograd;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;
using Autograd.NN.Schedules;
using Autograd.NN.Serialization;
using FashionMnist;

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine($"error: {e.Message}\n{Options.Usage}");
    return 2;
}
if (options.Distributed) return Distributed.Run(options); // data-parallel under mpirun: Distributed.cs

// Data: the four IDX files, or a small synthetic stand-in when they are missing.
FashionMnistData data;
if (FashionMnistFiles.TryFind(options.DataDir, out _, out string message))
    data = FashionMnistFiles.Load(options.DataDir);
else
{
    Console.WriteLine(message);
    Console.WriteLine("Falling back to a small built-in synthetic data set (10 classes of oriented bars) so the example still runs.");
    data = SyntheticData.Create(train: 6000, test: 1000, options.Seed);
}
int trainCount = Math.Min(options.Limit ?? data.TrainCount, data.TrainCount);
int[] imageShape = [1, data.Rows, data.Cols];
var all = ArrayDataset<float>.Classification(data.TrainImages[..(trainCount * 784)], imageShape, data.TrainLabels[..trainCount]);
var test = ArrayDataset<float>.Classification(data.TestImages, imageShape, data.TestLabels);
var generator = new Generator(options.Seed);
var (train, validation) = Dataset.TrainValidationSplit(all, 1.0 / 12, generator);

// Fashion-MNIST pixel statistics (mean 0.2860, std 0.3530 over the training set).
var normalize = new Normalize<float>(0.2860f, 0.3530f);
ITransform<float>[] augment = options.Model == "cnn" ? [new RandomHorizontalFlip<float>(), normalize] : [normalize];
// Each loop below is done with a batch when it asks for the next, so the loaders assemble every batch in the arrays of
// the one before it (reuseBuffers) instead of allocating two large arrays per batch.
var trainLoader = new DataLoader<float>(train, options.BatchSize, shuffle: true, generator: generator, transforms: augment,
    reuseBuffers: true);
var validationLoader = new DataLoader<float>(validation, 1000, transforms: [normalize], reuseBuffers: true);
var testLoader = new DataLoader<float>(test, 1000, transforms: [normalize], reuseBuffers: true);

var model = Models.Create(options.Model, generator);
var optimizer = new Adam<float>(model.Parameters(), lr: options.LearningRate);
var schedule = new CosineAnnealingLR(optimizer, options.Epochs);
Console.WriteLine(model);
Console.WriteLine($"Training {options.Model} on {train.Count} images ({validation.Count} held out for validation), " +
    $"{options.Epochs} epochs, batch {options.BatchSize}, Adam lr {options.LearningRate} with cosine annealing, seed {options.Seed}");

Directory.CreateDirectory(options.OutDir);
var history = new List<EpochStats>();
for (int epoch = 1; epoch <= options.Epochs; epoch++)
{
    model.Train();
    var progress = new ProgressBar(epoch, options.Epochs, trainLoader.Count);
    var clock = Stopwatch.StartNew();
    double lossSum = 0;
    int correct = 0, seen = 0;
    foreach (var batch in trainLoader)
    {
        // One step per scope: the step's intermediate buffers go back to a pool for the next step.
        using var scope = Tensor.Scope();
        var labels = batch.Labels();
        var logits = model.Forward(batch.Inputs);
        var loss = Losses.CrossEntropy(logits, labels);
        optimizer.ZeroGrad(setToNull: false);
        loss.Backward();
        optimizer.Step();
        lossSum += loss.Item() * batch.Size;
        correct += Count(logits.ArgmaxIndices(1), labels);
        seen += batch.Size;
        progress.Update(lossSum / seen, (double)correct / seen, seen / clock.Elapsed.TotalSeconds);
    }
    progress.Finish();
    var (valLoss, valAccuracy) = Evaluate(model, validationLoader);
    var stats = new EpochStats(epoch, lossSum / seen, (double)correct / seen, valLoss, valAccuracy,
        optimizer.LearningRate, clock.Elapsed.TotalSeconds);
    history.Add(stats);
    Console.WriteLine($"epoch {epoch,2}/{options.Epochs}  train loss {stats.TrainLoss:F4} acc {stats.TrainAccuracy:F4}  " +
        $"val loss {stats.ValidationLoss:F4} acc {stats.ValidationAccuracy:F4}  lr {stats.LearningRate:G3}  {stats.Seconds:F1}s");
    schedule.Step();
    TrainingCurve.Write(options.OutDir, history);
}
Console.WriteLine($"Training curve: {Path.Combine(options.OutDir, "training_curve.csv")} and training_curve.png");
if (options.Save is not null)
{
    Checkpoint.Save(options.Save, model, optimizer);
    Console.WriteLine($"Saved model and optimizer state to {options.Save} (safetensors)");
}
var (_, testAccuracy) = Evaluate(model, testLoader);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test_accuracy={testAccuracy:F4}"));
return 0;

static (double Loss, double Accuracy) Evaluate(Module<float> model, DataLoader<float> loader)
{
    model.Eval();
    double lossSum = 0;
    int correct = 0, seen = 0;
    using (Tensor.NoGrad())
    {
        foreach (var batch in loader)
        {
            using var scope = Tensor.Scope();
            var labels = batch.Labels();
            var logits = model.Forward(batch.Inputs);
            lossSum += Losses.CrossEntropy(logits, labels).Item() * batch.Size;
            correct += Count(logits.ArgmaxIndices(1), labels);
            seen += batch.Size;
        }
    }
    return (lossSum / Math.Max(seen, 1), (double)correct / Math.Max(seen, 1));
}

static int Count(int[] predicted, int[] labels)
{
    int c = 0;
    for (int i = 0; i < labels.Length; i++) if (predicted[i] == labels[i]) c++;
    return c;
}
