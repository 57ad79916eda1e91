using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>Decays the learning rate by γ every <c>stepSize</c> epochs: ηₜ = η₀·γ^⌊t / stepSize⌋.</summary>
public sealed class StepLR : LRScheduler
{
    private readonly int _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule; <paramref name="stepSize"/> ≥ 1, <paramref name="gamma"/> ≥ 0 (PyTorch's default γ = 0.1).</summary>
    public StepLR(IOptimizer optimizer, int stepSize, double gamma = 0.1) : base(optimizer)
    {
        if (stepSize < 1) throw new ArgumentOutOfRangeException(nameof(stepSize), $"StepLR: stepSize must be at least 1, got {stepSize}");
        if (!(gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"StepLR: gamma must be non-negative, got {gamma}");
        _stepSize = stepSize;
        _gamma = gamma;
        Start();
    }

    /// <summary>ηₜ = η₀·γ^⌊t / stepSize⌋.</summary>
    public override double LearningRateAt(int group, int epoch) => BaseLearningRates[group] * Math.Pow(_gamma, epoch / _stepSize);
}
