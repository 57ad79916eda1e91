using System.Numerics;

namespace Autograd.NN.Schedules;

/// <summary>
/// Stops training when the validation loss has not improved for <c>patience</c> epochs, and keeps a copy of the weights
/// from the best epoch. An epoch improves when loss &lt; best − minDelta. Give it the parameter tensors (their values
/// are copied and restored in place), or a snapshot function and a restore action (e.g. a module's state dictionary).
/// </summary>
/// <typeparam name="T">Element type of the weights.</typeparam>
public sealed class EarlyStopping<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly IReadOnlyList<Tensor<T>>? _parameters;
    private readonly T[][]? _bestValues;
    private readonly Func<IReadOnlyDictionary<string, Tensor<T>>>? _snapshot;
    private readonly Action<IReadOnlyDictionary<string, Tensor<T>>>? _restore;
    private Dictionary<string, Tensor<T>>? _bestSnapshot;

    /// <summary>Watches <paramref name="parameters"/>: their values are copied at each new best and written back by <see cref="RestoreBestWeights"/>.</summary>
    public EarlyStopping(IEnumerable<Tensor<T>> parameters, int patience = 5, double minDelta = 0) : this(patience, minDelta)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        for (int i = 0; i < _parameters.Count; i++)
            if (!_parameters[i].IsContiguous)
                throw new ArgumentException($"EarlyStopping: parameter {i} (shape {TensorShape.Format(_parameters[i].Shape)}) is a non-contiguous view");
        _bestValues = new T[_parameters.Count][];
    }

    /// <summary>
    /// Uses <paramref name="snapshot"/> to read the weights at each new best (the tensors are deep-copied) and
    /// <paramref name="restore"/> to put them back (it receives fresh copies).
    /// </summary>
    public EarlyStopping(Func<IReadOnlyDictionary<string, Tensor<T>>> snapshot, Action<IReadOnlyDictionary<string, Tensor<T>>> restore,
        int patience = 5, double minDelta = 0) : this(patience, minDelta)
    {
        _snapshot = snapshot ?? throw new ArgumentNullException(nameof(snapshot));
        _restore = restore ?? throw new ArgumentNullException(nameof(restore));
    }

    private EarlyStopping(int patience, double minDelta)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), $"EarlyStopping: patience must be non-negative, got {patience}");
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), $"EarlyStopping: minDelta must be non-negative, got {minDelta}");
        Patience = patience;
        MinDelta = minDelta;
    }

    /// <summary>Epochs without improvement tolerated before stopping.</summary>
    public int Patience { get; }
    /// <summary>Minimum decrease of the loss that counts as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>The lowest validation loss seen (+∞ before the first epoch).</summary>
    public double BestLoss { get; private set; } = double.PositiveInfinity;
    /// <summary>0-based index of the epoch with <see cref="BestLoss"/> (−1 before the first epoch).</summary>
    public int BestEpoch { get; private set; } = -1;
    /// <summary>Number of epochs recorded.</summary>
    public int Epochs { get; private set; }
    /// <summary>Consecutive epochs without improvement.</summary>
    public int BadEpochs { get; private set; }
    /// <summary>True once <see cref="BadEpochs"/> reaches <see cref="Patience"/> (patience 0: after the first epoch without improvement).</summary>
    public bool ShouldStop => BadEpochs > 0 && BadEpochs >= Patience;

    /// <summary>True while a copy of the best epoch's weights is held (from a <see cref="Step"/> that improved; not after
    /// <see cref="Restore"/>, which brings back the counts but not the weights).</summary>
    public bool HasBestWeights => BestEpoch >= 0 && (_parameters is not null ? _parameters.Count == 0 || _bestValues![0] is not null : _bestSnapshot is not null);

    /// <summary>
    /// What changes as <see cref="Step"/> is called, less the weights: save it with
    /// <see cref="Serialization.TrainingState.EarlyStopping"/> and <see cref="Restore"/> it on resuming, so that the
    /// patience already spent is not forgotten. Like PyTorch Lightning's EarlyStopping state (best score, wait count),
    /// the best weights are not part of it: save the model when it improves (for instance with
    /// <see cref="Serialization.Checkpoint.SaveModel{T}"/>) and load that file to get them back.
    /// </summary>
    public EarlyStoppingState State => new(BestLoss, BestEpoch, Epochs, BadEpochs);

    /// <summary>
    /// Puts back the counts of a state taken from <see cref="State"/> (patience and minimum delta stay this instance's
    /// own). The best weights held before, if any, are dropped: they belong to another run; the next improvement saves
    /// new ones, and until then <see cref="RestoreBestWeights"/> throws.
    /// </summary>
    /// <exception cref="ArgumentException">The state is inconsistent (see <see cref="EarlyStoppingState"/>).</exception>
    public void Restore(EarlyStoppingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Problem() is { } problem) throw new ArgumentException($"EarlyStopping: cannot restore {state}: {problem}", nameof(state));
        (BestLoss, BestEpoch, Epochs, BadEpochs) = (state.BestLoss, state.BestEpoch, state.Epochs, state.BadEpochs);
        if (_bestValues is not null) Array.Clear(_bestValues);
        _bestSnapshot = null;
    }

    /// <summary>Records one epoch's validation loss; on improvement saves the weights. Returns <see cref="ShouldStop"/>.</summary>
    public bool Step(double validationLoss)
    {
        int epoch = Epochs++;
        if (validationLoss < BestLoss - MinDelta)
        {
            BestLoss = validationLoss;
            BestEpoch = epoch;
            BadEpochs = 0;
            SaveBest();
        }
        else BadEpochs++;
        return ShouldStop;
    }

    /// <summary>Writes the weights saved at <see cref="BestEpoch"/> back (not recorded by autograd).</summary>
    public void RestoreBestWeights()
    {
        if (BestEpoch < 0) throw new InvalidOperationException("EarlyStopping: no epoch has been recorded yet, so there are no best weights to restore");
        if (!HasBestWeights)
            throw new InvalidOperationException($"EarlyStopping: the weights of the best epoch ({BestEpoch}) are not held: the counts were restored from a saved state, which does not carry them; load the model saved at that epoch instead");
        if (_parameters is not null)
        {
            for (int i = 0; i < _parameters.Count; i++) _bestValues![i].CopyTo(_parameters[i].AsSpan());
            return;
        }
        _restore!(_bestSnapshot!.ToDictionary(kv => kv.Key, kv => Copy(kv.Value)));
    }

    private void SaveBest()
    {
        if (_parameters is not null)
        {
            for (int i = 0; i < _parameters.Count; i++)
            {
                var values = _parameters[i].AsSpan();
                var store = _bestValues![i] ??= new T[values.Length];
                if (store.Length != values.Length)
                    throw new InvalidOperationException($"EarlyStopping: parameter {i} changed size from {store.Length} to {values.Length} elements");
                values.CopyTo(store);
            }
            return;
        }
        _bestSnapshot = _snapshot!().ToDictionary(kv => kv.Key, kv => Copy(kv.Value));
    }

    private static Tensor<T> Copy(Tensor<T> t) => Tensor.FromArray(t.ToArray(), [.. t.Shape]);
}

/// <summary>
/// The progress of an <see cref="EarlyStopping{T}"/>: the lowest validation loss so far (+∞ before any epoch improved),
/// the 0-based epoch it was seen at (−1 before), the epochs recorded and the consecutive epochs without improvement.
/// <see cref="EarlyStopping{T}.Step"/> keeps it consistent: BestLoss is not NaN; BestEpoch is −1 exactly when BestLoss
/// is +∞, and otherwise an epoch already recorded; BadEpochs counts the epochs after the best one (all of them while
/// BestEpoch is −1).
/// </summary>
public sealed record EarlyStoppingState(double BestLoss, int BestEpoch, int Epochs, int BadEpochs)
{
    /// <summary>What makes this state inconsistent, or null.</summary>
    internal string? Problem()
    {
        if (double.IsNaN(BestLoss)) return "the best loss is NaN";
        if (Epochs < 0) return "the epoch count is negative";
        if (BestEpoch < -1 || BestEpoch >= Epochs) return "the best epoch must be −1 or an epoch already recorded";
        if ((BestEpoch == -1) != double.IsPositiveInfinity(BestLoss)) return "the best epoch is −1 exactly when the best loss is +∞";
        if (BadEpochs != Epochs - 1 - BestEpoch) return "the bad epochs must be the epochs recorded after the best one";
        return null;
    }
}
