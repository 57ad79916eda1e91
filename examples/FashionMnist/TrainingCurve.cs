using System.Globalization;

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

        var png = new LineChartPng(940, 420);
        (byte, byte, byte) blue = (31, 119, 180), orange = (255, 127, 14);
        png.Panel(100, 40, 330, 300, "loss", [([.. history.Select(h => h.TrainLoss)], blue), ([.. history.Select(h => h.ValidationLoss)], orange)]);
        png.Panel(580, 40, 330, 300, "accuracy", [([.. history.Select(h => h.TrainAccuracy)], blue), ([.. history.Select(h => h.ValidationAccuracy)], orange)]);
        png.Text("train", 330, 394, blue);
        png.Text("validation", 480, 394, orange);
        png.Save(Path.Combine(directory, "training_curve.png"));
    }
}
