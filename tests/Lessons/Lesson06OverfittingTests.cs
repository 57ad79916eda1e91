using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson06OverfittingTests
{
    [Fact]
    public void CuresDoWhatTheirDefinitionsSay()
    {
        // The synthetic bars (the data is null here, so the test does not depend on the installed files).
        var runs = Lesson06Overfitting.Measure(dataDir: null, epochs: 15, trainCount: 128, validationCount: 300).ToDictionary(r => r.Name);
        var none = runs["no cure"];
        // Without a cure a 784-256-10 network memorises 128 images: the training loss falls below 0.05.
        Assert.True(none.TrainLoss[^1] < 0.05, $"train loss {none.TrainLoss[^1]}");
        // L2 adds λ·w to every gradient, pulling the weights towards 0: a smaller norm and a higher training loss.
        var l2 = runs["L2 (λ = 0.1)"];
        Assert.True(l2.WeightNorm < none.WeightNorm && l2.TrainLoss[^1] > none.TrainLoss[^1]);
        // Early stopping ends with the weights of its lowest validation loss (restored), so its final loss is that
        // minimum, and it stops at most patience (5) epochs after the minimum.
        var early = runs["early stopping"];
        Assert.Equal(early.ValidationLoss.Min(), early.FinalValidationLoss, 5);
        int best = Array.IndexOf(early.ValidationLoss, early.ValidationLoss.Min());
        Assert.True(early.ValidationLoss.Length == 15 || early.ValidationLoss.Length == best + 6);
        Assert.True(early.FinalValidationLoss <= none.ValidationLoss[^1] + 1e-6);
        // The bars are placed at random shifts, so training on shifted copies generalises better.
        Assert.True(runs["augmentation (shifts)"].FinalValidationLoss < none.FinalValidationLoss);
    }
}
