namespace Autograd.NN;

/// <summary>What <see cref="Module{T}.LoadStateDict"/> did not match when called with <c>strict: false</c>.</summary>
/// <param name="MissingKeys">Names the module has but the state dict lacks (left unchanged).</param>
/// <param name="UnexpectedKeys">Names in the state dict that the module does not have (ignored).</param>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);
