using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>
/// Cosine annealing (Loshchilov &amp; Hutter 2017, without restarts): ηₜ = η_min + (η₀ − η_min)·(1 + cos(π·t / T_max)) / 2.
/// Reaches η_min at t = T_max; beyond it the cosine continues (rising again), as PyTorch's closed form does.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    /// <summary>Creates the schedule over <paramref name="tMax"/> ≥ 1 epochs down to <paramref name="etaMin"/>.</summary>
    public CosineAnnealingLR(IOptimizer optimizer, int tMax, double etaMin = 0) : base(optimizer)
    {
        if (tMax < 1) throw new ArgumentOutOfRangeException(nameof(tMax), $"CosineAnnealingLR: tMax must be at least 1, got {tMax}");
        if (!(etaMin >= 0)) throw new ArgumentOutOfRangeException(nameof(etaMin), $"CosineAnnealingLR: etaMin must be non-negative, got {etaMin}");
        _tMax = tMax;
        _etaMin = etaMin;
        Start();
    }

    /// <summary>ηₜ = η_min + (η₀ − η_min)·(1 + cos(π·t / T_max)) / 2.</summary>
    public override double LearningRateAt(int group, int epoch) =>
        _etaMin + (BaseLearningRates[group] - _etaMin) * (1 + Math.Cos(Math.PI * epoch / _tMax)) / 2;
}
