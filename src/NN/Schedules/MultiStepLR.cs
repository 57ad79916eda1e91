using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>Decays the learning rate by γ at each milestone epoch: ηₜ = η₀·γ^|{m ∈ milestones : m ≤ t}|.</summary>
public sealed class MultiStepLR : LRScheduler
{
    private readonly int[] _milestones;
    private readonly double _gamma;

    /// <summary>Creates the schedule with non-negative <paramref name="milestones"/> (a repeated milestone decays twice, as in PyTorch).</summary>
    public MultiStepLR(IOptimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1) : base(optimizer)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones.Order()];
        if (_milestones.Length > 0 && _milestones[0] < 0)
            throw new ArgumentOutOfRangeException(nameof(milestones), $"MultiStepLR: milestones must be non-negative, got {_milestones[0]}");
        if (!(gamma >= 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"MultiStepLR: gamma must be non-negative, got {gamma}");
        _gamma = gamma;
        Start();
    }

    /// <summary>The milestones in increasing order.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>ηₜ = η₀·γ^(number of milestones ≤ t).</summary>
    public override double LearningRateAt(int group, int epoch)
    {
        int passed = 0;
        while (passed < _milestones.Length && _milestones[passed] <= epoch) passed++;
        return BaseLearningRates[group] * Math.Pow(_gamma, passed);
    }
}
