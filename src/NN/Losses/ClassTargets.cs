using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Class-index targets prepared for a gather: validated against the input [N, C, d₁, …], with
/// ignored entries redirected to class 0 and given weight 0.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
/// <param name="Index">Class per sample, shaped [N, 1, d₁, …] for <c>Gather(1, Index)</c>.</param>
/// <param name="SampleWeight">w[yₙ] (1 without class weights) per sample, 0 where ignored; shaped [N, d₁, …].</param>
/// <param name="Valid">1 per sample that is not ignored, 0 where ignored; shaped [N, d₁, …].</param>
/// <param name="WeightSum">Σₙ SampleWeightₙ, the denominator of the weighted mean.</param>
internal sealed record ClassTargets<T>(Tensor<T> Index, Tensor<T> SampleWeight, Tensor<T> Valid, T WeightSum)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Validates <paramref name="targets"/> (row-major over [N, d₁, …]) against <paramref name="input"/> and builds the gather index and weights.</summary>
    public static ClassTargets<T> Prepare(string loss, Tensor<T> input, ReadOnlySpan<int> targets, Tensor<T>? weight, int ignoreIndex)
    {
        int classes = CheckInput(loss, input);
        CheckWeight(loss, weight, classes);
        var sampleShape = SampleShape(input);
        int count = TensorShape.NumElements(sampleShape);
        if (targets.Length != count)
            throw new ArgumentException(input.Rank == 2
                ? $"{loss}: target has {targets.Length} entries but input has batch size {input.Shape[0]}"
                : $"{loss}: target has {targets.Length} entries but input of shape {TensorShape.Format(input.Shape)} needs {count} (shape {TensorShape.Format(sampleShape)})");
        var w = weight?.ToArray();
        var index = new T[count];
        var sampleWeight = new T[count];
        var valid = new T[count];
        T sum = T.Zero;
        for (int n = 0; n < count; n++)
        {
            int c = targets[n];
            if (c == ignoreIndex) continue;
            if (c < 0 || c >= classes)
                throw new ArgumentOutOfRangeException(nameof(targets), $"{loss}: target class {c} out of range for {classes} classes (at position {n})");
            index[n] = T.CreateChecked(c);
            sampleWeight[n] = w is null ? T.One : w[c];
            valid[n] = T.One;
            sum += sampleWeight[n];
        }
        var indexShape = input.Shape.ToArray();
        indexShape[1] = 1;
        return new ClassTargets<T>(Tensor.FromArray(index, indexShape), Tensor.FromArray(sampleWeight, sampleShape),
            Tensor.FromArray(valid, sampleShape), sum);
    }

    /// <summary>As above for a tensor of whole numbers shaped [N, d₁, …].</summary>
    public static ClassTargets<T> Prepare(string loss, Tensor<T> input, Tensor<T> targets, Tensor<T>? weight, int ignoreIndex)
    {
        ArgumentNullException.ThrowIfNull(targets);
        CheckInput(loss, input);
        var sampleShape = SampleShape(input);
        if (!targets.Shape.SequenceEqual(sampleShape))
            throw new ArgumentException(input.Rank == 2 && targets.Rank == 1
                ? $"{loss}: target has {targets.Shape[0]} entries but input has batch size {input.Shape[0]}"
                : $"{loss}: target shape {TensorShape.Format(targets.Shape)} does not match input shape {TensorShape.Format(input.Shape)} (expected {TensorShape.Format(sampleShape)} for class indices, or the input's shape for class probabilities)");
        var values = targets.ToArray();
        var ints = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsInteger(values[i]) || T.Abs(values[i]) > T.CreateChecked(int.MaxValue))
                throw new ArgumentException($"{loss}: target {values[i]} at position {i} is not a whole class number");
            ints[i] = int.CreateChecked(values[i]);
        }
        return Prepare(loss, input, ints, weight, ignoreIndex);
    }

    /// <summary>Per-sample weighted negative log-likelihood −w[yₙ]·logp[n, yₙ] (0 where ignored), shaped [N, d₁, …].</summary>
    public Tensor<T> WeightedNll(Tensor<T> logProbabilities) => -logProbabilities.Gather(1, Index).Squeeze(1) * SampleWeight;

    /// <summary>Reduces per-sample losses: Mean divides by Σ w[yₙ] over non-ignored samples (PyTorch's weighted mean; 0/0 = NaN when all are ignored).</summary>
    public Tensor<T> Reduce(string loss, Tensor<T> perSample, Reduction reduction) => reduction switch
    {
        Reduction.Mean => perSample.Sum() / WeightSum,
        _ => LossHelpers.Reduce(loss, perSample, reduction),
    };

    /// <summary>Checks the input has a class dim (rank ≥ 2, C ≥ 1) and returns C.</summary>
    public static int CheckInput(string loss, Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Shape[1] == 0)
            throw new ArgumentException($"{loss}: input of shape {TensorShape.Format(input.Shape)} should be [N, C] or [N, C, d1, ...] with C ≥ 1 classes");
        return input.Shape[1];
    }

    /// <summary>Checks a per-class weight is 1-D with C entries.</summary>
    public static void CheckWeight(string loss, Tensor<T>? weight, int classes)
    {
        if (weight is not null && (weight.Rank != 1 || weight.Shape[0] != classes))
            throw new ArgumentException($"{loss}: weight of shape {TensorShape.Format(weight.Shape)} should have one entry per class ({classes})");
    }

    /// <summary>The per-class weight reshaped [1, C, 1, …] to broadcast against the input.</summary>
    public static Tensor<T> BroadcastWeight(Tensor<T> weight, int rank)
    {
        var shape = new int[rank];
        Array.Fill(shape, 1);
        shape[1] = weight.Shape[0];
        return weight.Reshape(shape);
    }

    /// <summary>[N, d₁, …]: the input's shape without the class dim.</summary>
    public static int[] SampleShape(Tensor<T> input) => [input.Shape[0], .. input.Shape.Skip(2)];
}
