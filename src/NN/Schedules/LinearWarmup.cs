using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>
/// Linear warm-up over W epochs from s·η₀ to η₀, then either constant η₀ or another schedule started at W:
/// ηₜ = η₀·(s + (1 − s)·t / W) for t &lt; W;  ηₜ = η₀ (or after(t − W)) for t ≥ W.
/// Without <c>after</c> this is PyTorch's LinearLR with end factor 1. The wrapped schedule must belong to the same
/// optimizer and is driven by this one: call Step on the warm-up only.
/// </summary>
public sealed class LinearWarmup : LRScheduler
{
    private readonly int _warmup;
    private readonly double _startFactor;
    private readonly LRScheduler? _after;

    /// <summary>Creates the warm-up over <paramref name="warmupEpochs"/> ≥ 1 epochs starting at factor <paramref name="startFactor"/> ∈ (0, 1] (PyTorch's default 1/3).</summary>
    public LinearWarmup(IOptimizer optimizer, int warmupEpochs, double startFactor = 1.0 / 3, LRScheduler? after = null) : base(optimizer)
    {
        if (warmupEpochs < 1) throw new ArgumentOutOfRangeException(nameof(warmupEpochs), $"LinearWarmup: warmupEpochs must be at least 1, got {warmupEpochs}");
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), $"LinearWarmup: startFactor must lie in (0, 1], got {startFactor}");
        if (after is not null && !ReferenceEquals(after.Optimizer, optimizer))
            throw new ArgumentException("LinearWarmup: the schedule to continue with belongs to a different optimizer", nameof(after));
        _warmup = warmupEpochs;
        _startFactor = startFactor;
        _after = after;
        Start();
    }

    /// <summary>ηₜ = η₀·(s + (1 − s)·t / W) for t &lt; W, then η₀ or after(t − W); η₀ is the wrapped schedule's base rate when there is one.</summary>
    public override double LearningRateAt(int group, int epoch)
    {
        if (epoch >= _warmup) return _after?.LearningRateAt(group, epoch - _warmup) ?? BaseLearningRates[group];
        double baseRate = _after?.BaseLearningRates[group] ?? BaseLearningRates[group];
        return baseRate * (_startFactor + (1 - _startFactor) * epoch / _warmup);
    }
}
