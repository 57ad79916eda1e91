namespace Autograd.NN;

/// <summary>How a loss turns its per-element values ℓᵢ into the returned tensor.</summary>
public enum Reduction
{
    /// <summary>The mean (1/n)·Σᵢ ℓᵢ (weighted losses divide by the sum of the weights instead, as in PyTorch).</summary>
    Mean,
    /// <summary>The sum Σᵢ ℓᵢ.</summary>
    Sum,
    /// <summary>No reduction: the per-element losses, shaped like the input (without the class dim for class losses).</summary>
    None,
    /// <summary>Σᵢ ℓᵢ divided by the batch size (the input's first dim); only <see cref="KLDivLoss{T}"/> accepts it, as in PyTorch.</summary>
    BatchMean,
}
