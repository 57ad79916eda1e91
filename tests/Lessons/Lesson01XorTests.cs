using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson01XorTests
{
    [Fact]
    public void NetworkLearnsXorAndExplainMatchesBackward()
    {
        // Oracle: the XOR truth table (0, 1, 1, 0); Explain() replays each op's rule in the engine's order, so its
        // gradients of the parameters equal Backward()'s (the Derivation docs promise bit-for-bit in double, 1e-12 here).
        var outcome = Lesson01Xor.Train(steps: 600);
        Assert.Equal([0, 1, 1, 0], outcome.Predictions.Select(p => p > 0.5 ? 1 : 0));
        Assert.True(outcome.FinalLoss < 0.01 && outcome.FinalLoss < outcome.InitialLoss / 20, $"loss {outcome.InitialLoss} → {outcome.FinalLoss}");
        Assert.True(outcome.ExplainGap <= 1e-12, $"gap {outcome.ExplainGap}");
    }
}
