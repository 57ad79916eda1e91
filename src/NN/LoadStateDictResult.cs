namespace Autograd.NN;

/// <summary>What <see cref="Module{T}.LoadStateDict"/> did not match when called with <c>strict: false</c>.</summary>
/// <param name="MissingKeys">Names the module has but the state dict lacks (left unchanged).</param>
/// <param name="UnexpectedKeys">Names in the state dict that the module does not have (ignored).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys)
{
    /// <summary>Keys of the state dict in the camelCase spelling of earlier versions of this library ("1.runningMean"),
    /// each with the PyTorch name it was loaded into ("1.running_mean"); empty for a state dict with today's names.</summary>
    public IReadOnlyDictionary<string, string> RenamedKeys { get; init; } = new Dictionary<string, string>();
}
