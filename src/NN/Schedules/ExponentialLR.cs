using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>Decays the learning rate by γ every epoch: ηₜ = η₀·γᵗ.</summary>
public sealed class ExponentialLR : LRScheduler
{
    private readonly double _gamma;

    /// <summary>Creates the schedule; <paramref name="gamma"/> ≥ 0.</summary>
    public ExponentialLR(IOptimizer optimizer, double gamma) : base(optimizer)
    {
        if (!(gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"ExponentialLR: gamma must be non-negative, got {gamma}");
        _gamma = gamma;
        Start();
    }

    /// <summary>ηₜ = η₀·γᵗ.</summary>
    public override double LearningRateAt(int group, int epoch) => BaseLearningRates[group] * Math.Pow(_gamma, epoch);
}
