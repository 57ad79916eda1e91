using System.Globalization;
using Autograd.Plotting;

namespace FashionMnist;

internal sealed record EpochStats(int Epoch, double TrainLoss, double TrainAccuracy, double ValidationLoss, double ValidationAccuracy,
    double LearningRate, double Seconds);

/// <summary>Writes the per-epoch history as CSV and as a two-panel PNG (loss on the left, accuracy on the right).</summary>
internal static class TrainingCurve
{
    public static void Write(string directory, IReadOnlyList<EpochStats> history)
    {
        var lines = new List<string> { "epoch,train_loss,train_accuracy,val_loss,val_accuracy,lr,seconds" };
        lines.AddRange(history.Select(h => string.Create(CultureInfo.InvariantCulture,
            $"{h.Epoch},{h.TrainLoss:G6},{h.TrainAccuracy:G6},{h.ValidationLoss:G6},{h.ValidationAccuracy:G6},{h.LearningRate:G6},{h.Seconds:F2}")));
        string csv = Path.Combine(directory, "training_curve.csv");
        File.WriteAllLines(csv + ".tmp", lines);
        File.Move(csv + ".tmp", csv, overwrite: true);

        double[] epochs = [.. history.Select(h => (double)h.Epoch)];
        LineChart.TrainingCurves(Path.Combine(directory, "training_curve.png"),
            loss: [new Series("train", epochs, [.. history.Select(h => h.TrainLoss)]), new Series("validation", epochs, [.. history.Select(h => h.ValidationLoss)])],
            accuracy: [new Series("train", epochs, [.. history.Select(h => h.TrainAccuracy)]), new Series("validation", epochs, [.. history.Select(h => h.ValidationAccuracy)])]);
    }
}
