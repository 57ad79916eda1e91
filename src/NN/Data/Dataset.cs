using System.Numerics;

namespace Autograd.NN.Data;

/// <summary>A random-access collection of (input, target) samples with fixed shapes.</summary>
public interface IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of samples.</summary>
    int Count { get; }

    /// <summary>Shape of one input sample, e.g. [1, 28, 28].</summary>
    int[] InputShape { get; }

    /// <summary>Shape of one target ([] for a class index or a scalar regression target).</summary>
    int[] TargetShape { get; }

    /// <summary>Copies sample <paramref name="index"/> into the two destinations (sized by the shapes above).</summary>
    void CopySample(int index, Span<T> input, Span<T> target);
}

/// <summary>
/// An in-memory dataset over flat row-major arrays: inputs [Count, ..InputShape] and targets [Count, ..TargetShape]
/// (class indices are stored as whole numbers in T).
/// </summary>
public sealed class ArrayDataset<T> : IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[] _inputs;
    private readonly T[] _targets;
    private readonly int _inputSize;
    private readonly int _targetSize;

    /// <summary>Wraps the arrays (not copied); their lengths must be Count × sample size.</summary>
    public ArrayDataset(T[] inputs, int[] inputShape, T[] targets, int[] targetShape)
    {
        _inputSize = Math.Max(1, inputShape.Aggregate(1, (a, b) => a * b));
        _targetSize = targetShape.Aggregate(1, (a, b) => a * b);
        if (inputs.Length % _inputSize != 0)
            throw new ArgumentException($"ArrayDataset: {inputs.Length} input values are not a whole number of samples of shape [{string.Join(", ", inputShape)}]");
        Count = inputs.Length / _inputSize;
        if (targets.Length != Count * _targetSize)
            throw new ArgumentException($"ArrayDataset: {Count} input samples but {targets.Length} target values (expected {Count * _targetSize} for target shape [{string.Join(", ", targetShape)}])");
        _inputs = inputs;
        _targets = targets;
        InputShape = (int[])inputShape.Clone();
        TargetShape = (int[])targetShape.Clone();
    }

    /// <summary>A classification dataset: inputs with class labels.</summary>
    public static ArrayDataset<T> Classification(T[] inputs, int[] inputShape, int[] labels) =>
        new(inputs, inputShape, labels.Select(l => T.CreateChecked(l)).ToArray(), []);

    /// <inheritdoc />
    public int Count { get; }

    /// <inheritdoc />
    public int[] InputShape { get; }

    /// <inheritdoc />
    public int[] TargetShape { get; }

    /// <inheritdoc />
    public void CopySample(int index, Span<T> input, Span<T> target)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), $"ArrayDataset: index {index} is out of range for {Count} samples");
        _inputs.AsSpan(index * _inputSize, _inputSize).CopyTo(input);
        _targets.AsSpan(index * _targetSize, _targetSize).CopyTo(target);
    }
}

/// <summary>A view of selected samples of another dataset (used for train/validation splits).</summary>
public sealed class Subset<T>(IDataset<T> source, int[] indices) : IDataset<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Indices into the source dataset, in order.</summary>
    public IReadOnlyList<int> Indices => indices;

    /// <inheritdoc />
    public int Count => indices.Length;

    /// <inheritdoc />
    public int[] InputShape => source.InputShape;

    /// <inheritdoc />
    public int[] TargetShape => source.TargetShape;

    /// <inheritdoc />
    public void CopySample(int index, Span<T> input, Span<T> target) => source.CopySample(indices[index], input, target);
}

/// <summary>Dataset helpers.</summary>
public static class Dataset
{
    /// <summary>
    /// Splits a dataset at random into a training part and a validation part holding
    /// round(<paramref name="validationFraction"/> · Count) samples, reproducibly from <paramref name="generator"/>.
    /// </summary>
    public static (Subset<T> Train, Subset<T> Validation) TrainValidationSplit<T>(IDataset<T> dataset, double validationFraction, Generator generator)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (validationFraction is < 0 or > 1 || double.IsNaN(validationFraction))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"TrainValidationSplit: fraction must be in [0, 1], got {validationFraction}");
        var order = Enumerable.Range(0, dataset.Count).ToArray();
        generator.Shuffle<int>(order);
        int validation = (int)Math.Round(validationFraction * dataset.Count);
        return (new Subset<T>(dataset, order[validation..]), new Subset<T>(dataset, order[..validation]));
    }
}
