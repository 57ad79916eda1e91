namespace Autograd.NN.Serialization;

/// <summary>What <see cref="Checkpoint.Load{T}"/> read besides the tensors it copied.</summary>
/// <param name="MissingKeys">Model keys the file lacks (left unchanged; always empty when loading strictly).</param>
/// <param name="UnexpectedKeys">Model keys in the file that the model does not have (ignored; always empty when loading strictly).</param>
/// <param name="Metadata">The file's whole <c>__metadata__</c> map: the <c>autograd.*</c> entries and the user's own.</param>
public sealed record CheckpointLoadResult(
    IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys, IReadOnlyDictionary<string, string> Metadata)
{
    /// <summary>
    /// Optimizer buffers ("optimizer.state.3.exp_avg") that a parameter with a step count should have but the file lacks;
    /// they restart at their initial values (always empty when loading strictly, where they are an error).
    /// </summary>
    public IReadOnlyList<string> MissingOptimizerKeys { get; init; } = [];

    /// <summary>The training state saved with the checkpoint (step, schedule epoch, data-loader position, generator
    /// states), or null when it was saved without one.</summary>
    public TrainingState? Training { get; init; }

    /// <summary>Model keys of the file in the camelCase spelling of earlier versions of this library ("1.runningMean"),
    /// each with the PyTorch name it was loaded into ("1.running_mean"); empty for a file with today's names.</summary>
    public IReadOnlyDictionary<string, string> RenamedKeys { get; init; } = new Dictionary<string, string>();
}
