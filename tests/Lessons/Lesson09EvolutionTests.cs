using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson09EvolutionTests
{
    [Fact]
    public void DerivativeFreeMethodsLearnButBackpropNeedsFewerEvaluations()
    {
        // Backprop gets the exact gradient for a forward and a backward pass; the evolution strategy spends 20 evaluations
        // on one noisy estimate of it in 195 dimensions, and neuroevolution keeps only improvements of random mutations.
        var runs = Lesson09Evolution.Measure(evaluations: 800);
        var (backprop, evolution, neuro) = (runs[0], runs[1], runs[2]);
        // Every method learns: better than where they all started (the same θ).
        Assert.Equal(backprop.Accuracy[0], evolution.Accuracy[0]);
        Assert.True(evolution.Accuracy[^1] > evolution.Accuracy[0] + 0.1 && neuro.Accuracy[^1] > neuro.Accuracy[0] + 0.1);
        // Backprop reaches 90 % training accuracy within the budget, in fewer evaluations than the evolution strategy.
        double backpropCost = backprop.CostToReach(0.9).Evaluations;
        Assert.False(double.IsNaN(backpropCost));
        double evolutionCost = evolution.CostToReach(0.9).Evaluations;
        Assert.True(double.IsNaN(evolutionCost) || evolutionCost > backpropCost, $"backprop {backpropCost}, evolution {evolutionCost}");
    }
}
