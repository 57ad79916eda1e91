using Autograd.NN.Optimizers;

namespace Autograd.NN.Schedules;

/// <summary>
/// Cuts the learning rate when a monitored metric stops improving (PyTorch's rule). After each epoch's
/// <see cref="Step"/>(metric): the metric is an improvement if it beats the best value b by the threshold (see
/// <see cref="ThresholdMode"/>); otherwise the count of bad epochs grows (bad epochs are not counted during cooldown).
/// When more than <c>patience</c> epochs in a row were bad, every group's rate becomes
/// η ← max(η·factor, η_min), the count restarts and a cooldown of <c>cooldown</c> epochs begins.
/// Reductions smaller than eps (1e-8) are skipped. There is no closed form: the rate depends on the metric's history.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private readonly double[] _minLearningRates;
    private int _cooldownCounter;

    /// <summary>Creates the schedule (defaults as PyTorch: factor 0.1, patience 10, threshold 1e-4 relative, no cooldown, η_min 0).</summary>
    public ReduceLROnPlateau(IOptimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1, int patience = 10,
        double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Relative, int cooldown = 0, double minLearningRate = 0,
        double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor >= 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), $"ReduceLROnPlateau: factor must lie in [0, 1), got {factor}");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), $"ReduceLROnPlateau: patience must be non-negative, got {patience}");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), $"ReduceLROnPlateau: cooldown must be non-negative, got {cooldown}");
        if (!(threshold >= 0)) throw new ArgumentOutOfRangeException(nameof(threshold), $"ReduceLROnPlateau: threshold must be non-negative, got {threshold}");
        if (!(minLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(minLearningRate), $"ReduceLROnPlateau: minLearningRate must be non-negative, got {minLearningRate}");
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        Eps = eps;
        _minLearningRates = new double[optimizer.GroupCount];
        Array.Fill(_minLearningRates, minLearningRate);
        Best = mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <summary>The optimizer whose learning rates are cut.</summary>
    public IOptimizer Optimizer { get; }
    /// <summary>Whether lower or higher metrics are better.</summary>
    public PlateauMode Mode { get; }
    /// <summary>Multiplier applied to the rate on a plateau.</summary>
    public double Factor { get; }
    /// <summary>Number of bad epochs tolerated before a cut.</summary>
    public int Patience { get; }
    /// <summary>Minimum improvement that counts (relative or absolute).</summary>
    public double Threshold { get; }
    /// <summary>How <see cref="Threshold"/> is applied.</summary>
    public ThresholdMode ThresholdMode { get; }
    /// <summary>Epochs to wait after a cut before counting bad epochs again.</summary>
    public int Cooldown { get; }
    /// <summary>Cuts smaller than this are skipped.</summary>
    public double Eps { get; }
    /// <summary>The best metric seen so far.</summary>
    public double Best { get; private set; }
    /// <summary>Consecutive epochs without improvement.</summary>
    public int BadEpochs { get; private set; }
    /// <summary>Number of calls to <see cref="Step"/>.</summary>
    public int Epoch { get; private set; }

    /// <summary>What changes as <see cref="Step"/> is called (PyTorch's state_dict of this scheduler, less its settings):
    /// save it with <see cref="Serialization.TrainingState.Plateau"/> and <see cref="Restore"/> it on resuming, so that
    /// a plateau under way is not forgotten.</summary>
    public PlateauState State => new(Best, BadEpochs, _cooldownCounter, Epoch);

    /// <summary>Puts back a state taken from <see cref="State"/> (the settings stay this scheduler's own).</summary>
    /// <exception cref="ArgumentException">A count is negative or the best value is NaN.</exception>
    public void Restore(PlateauState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.BadEpochs < 0 || state.CooldownCounter < 0 || state.Epoch < 0 || double.IsNaN(state.Best))
            throw new ArgumentException($"ReduceLROnPlateau: cannot restore {state}: the counts must be non-negative and the best value a number");
        (Best, BadEpochs, _cooldownCounter, Epoch) = (state.Best, state.BadEpochs, state.CooldownCounter, state.Epoch);
    }

    /// <summary>Sets a separate lower bound η_min per parameter group.</summary>
    public void SetMinLearningRates(IReadOnlyList<double> minLearningRates)
    {
        if (minLearningRates.Count != _minLearningRates.Length)
            throw new ArgumentException($"ReduceLROnPlateau: {minLearningRates.Count} minimum rates given for {_minLearningRates.Length} parameter groups");
        for (int g = 0; g < _minLearningRates.Length; g++) _minLearningRates[g] = minLearningRates[g];
    }

    /// <summary>Records this epoch's <paramref name="metric"/> and cuts the rates if the plateau has lasted longer than the patience.</summary>
    /// <returns>True when the learning rates were reduced by this call.</returns>
    public bool Step(double metric)
    {
        Epoch++;
        if (IsBetter(metric))
        {
            Best = metric;
            BadEpochs = 0;
        }
        else BadEpochs++;
        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            BadEpochs = 0;
        }
        if (BadEpochs <= Patience) return false;
        bool reduced = false;
        for (int g = 0; g < Optimizer.GroupCount; g++)
        {
            double old = Optimizer.GetLearningRate(g);
            double cut = Math.Max(old * Factor, _minLearningRates[g]);
            if (old - cut <= Eps) continue;
            Optimizer.SetLearningRate(g, cut);
            reduced = true;
        }
        _cooldownCounter = Cooldown;
        BadEpochs = 0;
        return reduced;
    }

    private bool IsBetter(double metric) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Relative) => metric < Best * (1 - Threshold),
        (PlateauMode.Min, _) => metric < Best - Threshold,
        (_, ThresholdMode.Relative) => metric > Best * (1 + Threshold),
        _ => metric > Best + Threshold,
    };
}

/// <summary>The progress of a <see cref="ReduceLROnPlateau"/>: the best metric so far, the epochs since it improved, the
/// cooldown epochs left and the number of steps taken.</summary>
public sealed record PlateauState(double Best, int BadEpochs, int CooldownCounter, int Epoch);
