using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A lookup table: id i ↦ row i of the weight [num, dim] (initialised N(0, 1) as in PyTorch). The weight's gradient is
/// the sum of the upstream rows of every position holding that id (see <see cref="Functional.Embedding"/>). With a
/// padding index, as PyTorch's <c>padding_idx</c>, that row starts at zero and receives no gradient (so it stays as set).
/// </summary>
public sealed class Embedding<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Number of rows (distinct ids).</summary>
    public int NumEmbeddings { get; }

    /// <summary>Length of each embedding vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The row that is padding (in [0, num), a negative index given counted from the end), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, shape [num, dim].</summary>
    [Parameter]
    public Tensor<T> Weight { get; }

    /// <summary>
    /// Creates the table, drawing rows from N(0, 1) with <paramref name="generator"/>; row <paramref name="paddingIdx"/>
    /// (negative counts from the end, as PyTorch) is zero and gets no gradient.
    /// </summary>
    public Embedding(int numEmbeddings, int embeddingDim, Generator generator, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (numEmbeddings <= 0 || embeddingDim <= 0)
            throw new ArgumentOutOfRangeException(nameof(numEmbeddings), $"Embedding: sizes must be positive, got num={numEmbeddings}, dim={embeddingDim}");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        if (paddingIdx is { } pad && (pad < -numEmbeddings || pad >= numEmbeddings))
            throw new ArgumentOutOfRangeException(nameof(paddingIdx), $"Embedding: paddingIdx {pad} is out of range for {numEmbeddings} embeddings (expected {-numEmbeddings} ≤ paddingIdx < {numEmbeddings})");
        PaddingIdx = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        var weight = Init.Normal(Tensor.Zeros<T>(numEmbeddings, embeddingDim), generator);
        if (PaddingIdx is { } row) weight.Select(0, row).AsSpan().Clear();
        Weight = Parameter(weight);
    }

    /// <summary>Rows for <paramref name="ids"/>: shape [ids.Length, dim]. A direct lookup: unlike
    /// <see cref="Module{T}.Forward"/> with a tensor of ids, it does not run the module's hooks.</summary>
    public Tensor<T> Forward(int[] ids) => Functional.Embedding(ids, Weight, PaddingIdx);

    /// <summary>Rows for <paramref name="ids"/> laid out in <paramref name="shape"/>: result shape [.. shape, dim]. A direct
    /// lookup that does not run the module's hooks.</summary>
    public Tensor<T> Forward(int[] ids, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(shape);
        if (TensorShape.NumElements(shape) != ids.Length)
            throw new ArgumentException($"Embedding: {ids.Length} ids do not fill shape {TensorShape.Format(shape)}");
        return Forward(ids).Reshape([.. shape, EmbeddingDim]);
    }

    /// <summary>Rows for a tensor of whole-number ids of any shape S: result shape [.. S, dim]. The ids get no gradient.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var values = input.ToArray();
        var ids = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsInteger(values[i]))
                throw new ArgumentException($"Embedding: ids must be whole numbers, got {values[i]} at flat position {i} (input shape {TensorShape.Format(input.Shape)})");
            ids[i] = int.CreateSaturating(values[i]);
        }
        return Forward(ids, [.. input.Shape]);
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => PaddingIdx is { } pad ? $"{NumEmbeddings}, {EmbeddingDim}, paddingIdx={pad}" : $"{NumEmbeddings}, {EmbeddingDim}";
}
