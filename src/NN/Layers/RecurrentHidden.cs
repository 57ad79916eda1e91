using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// The recurrent layers whose state is the hidden state h alone, <see cref="RNN{T}"/> and <see cref="GRU{T}"/>: their
/// typed calls return (output, h_n). Layouts, lengths and parameters as described on <see cref="RecurrentBase{T}"/>.
/// </summary>
public abstract class RecurrentHidden<T> : RecurrentBase<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private protected RecurrentHidden(CellKind kind, int inputSize, int hiddenSize, Generator generator, int numLayers,
        bool bias, bool batchFirst, double dropout, bool bidirectional)
        : base(kind, inputSize, hiddenSize, generator, numLayers, bias, batchFirst, dropout, bidirectional) { }

    /// <summary>(output, h_n) from zero initial states. A direct call: unlike <see cref="Module{T}.Forward"/> it does not
    /// run the module's hooks.</summary>
    public new (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input) => Forward(input, null, null);

    /// <summary>(output, h_n) from the initial state h_0 [numLayers·D, N, H]. A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, Tensor<T>? h0) => Forward(input, h0, null);

    /// <summary>(output, h_n) for sequences of the given lengths (see <see cref="RecurrentBase{T}"/>), zero initial states.
    /// A direct call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, int[] lengths) => Forward(input, null, lengths);

    /// <summary>(output, h_n) from h_0 (zeros when null) for sequences of the given lengths (all full when null). A direct
    /// call that does not run the hooks.</summary>
    public (Tensor<T> Output, Tensor<T> H) Forward(Tensor<T> input, Tensor<T>? h0, int[]? lengths)
    {
        var (output, h, _) = Run(input, h0, null, lengths);
        return (output, h);
    }
}
