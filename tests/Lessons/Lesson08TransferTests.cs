using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson08TransferTests
{
    [Fact]
    public void FrozenBodyStaysAndOnlyTheHeadTrains()
    {
        var outcome = Lesson08Transfer.Measure(dataDir: null, pretrainCount: 600, budget: 25, epochs: 10);
        // Freeze clears RequiresGrad, so backward leaves the body's Grad empty and the optimizer never moves it.
        Assert.True(outcome.BodyUnchanged);
        // Head: Linear(256, 64) + Linear(64, 5) = 256·64 + 64 + 64·5 + 5 = 16773; from scratch the body's
        // Linear(784, 256) adds 784·256 + 256 = 200960, 217733 in all.
        Assert.Equal(16773, outcome.TrainableTransfer);
        Assert.Equal(217733, outcome.TrainableScratch);
        Assert.Equal(10, outcome.Transfer.Length);
        // The pre-trained network learned its five classes (chance is 20 %), and the new head learns the other five.
        Assert.True(outcome.PretrainAccuracy > 0.5, $"pre-train accuracy {outcome.PretrainAccuracy}");
        Assert.True(outcome.Transfer[^1] > 0.4, $"transfer accuracy {outcome.Transfer[^1]}");
    }
}
