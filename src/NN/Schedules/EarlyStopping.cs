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
