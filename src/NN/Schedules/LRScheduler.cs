using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>
/// Base of the epoch-based learning-rate schedules. Each has a closed form ηₜ = f(η₀, t) for each group's base rate η₀
/// (the group's learning rate when the schedule was created); construction sets epoch t = 0 and each
/// <see cref="Step"/> advances t by one and writes ηₜ into every group. Call Step once per epoch, after the optimizer's steps.
/// </summary>
public abstract class LRScheduler
{
    private readonly double[] _baseRates;

    /// <summary>Captures <paramref name="optimizer"/>'s current learning rates as the base rates η₀.</summary>
    protected LRScheduler(IOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        _baseRates = new double[optimizer.GroupCount];
        for (int g = 0; g < _baseRates.Length; g++) _baseRates[g] = optimizer.GetLearningRate(g);
    }

    /// <summary>The optimizer whose learning rates this schedule sets.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>η₀ per parameter group.</summary>
    public IReadOnlyList<double> BaseLearningRates => _baseRates;

    /// <summary>The current epoch t (0 after construction).</summary>
    public int Epoch { get; private set; }

    /// <summary>The closed form: group <paramref name="group"/>'s learning rate at <paramref name="epoch"/>.</summary>
    public abstract double LearningRateAt(int group, int epoch);

    /// <summary>Advances to the next epoch and sets every group's learning rate to its closed-form value.</summary>
    public void Step() => SetEpoch(Epoch + 1);

    /// <summary>Jumps to <paramref name="epoch"/> (e.g. when resuming) and sets the learning rates for it.</summary>
    public void SetEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Epoch = epoch;
        for (int g = 0; g < _baseRates.Length; g++) Optimizer.SetLearningRate(g, LearningRateAt(g, epoch));
    }

    /// <summary>Sets the epoch-0 learning rates; derived constructors call it last, once their fields are set.</summary>
    protected void Start() => SetEpoch(0);
}
