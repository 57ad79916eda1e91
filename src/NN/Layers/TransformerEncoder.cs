using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A stack of transformer encoder blocks, as PyTorch's <c>nn.TransformerEncoder</c>: x ← layerᵢ(x) for i = 0..n−1,
/// then the optional final <see cref="Norm"/>. State-dict names: <c>layers.0.self_attn.in_proj_weight</c>, …,
/// <c>layers.{n−1}.norm2.bias</c>, then <c>norm.weight</c>, <c>norm.bias</c> when there is a final norm.
/// </summary>
public sealed class TransformerEncoder<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The blocks, named "0", "1", ….</summary>
    public ModuleList<T> Layers { get; }

    /// <summary>The final normalisation (a LayerNorm for pre-norm stacks), or null.</summary>
    public Module<T>? Norm { get; }

    /// <summary>Number of blocks.</summary>
    public int NumLayers => Layers.Count;

    /// <summary>
    /// <paramref name="numLayers"/> copies of <paramref name="encoderLayer"/> (each with the same starting parameters,
    /// as PyTorch's deep copies; the given layer itself is not part of the stack), then <paramref name="norm"/>.
    /// </summary>
    public TransformerEncoder(TransformerEncoderLayer<T> encoderLayer, int numLayers, Module<T>? norm = null)
        : this(CheckedFactory(encoderLayer).Copy, numLayers, norm) { }

    /// <summary><paramref name="numLayers"/> blocks, each made by <paramref name="layerFactory"/> (so each has its own
    /// initialisation), then <paramref name="norm"/>.</summary>
    public TransformerEncoder(Func<TransformerEncoderLayer<T>> layerFactory, int numLayers, Module<T>? norm = null)
    {
        ArgumentNullException.ThrowIfNull(layerFactory);
        if (numLayers <= 0)
            throw new ArgumentOutOfRangeException(nameof(numLayers), $"TransformerEncoder: numLayers must be positive, got {numLayers}");
        Layers = [];
        for (int i = 0; i < numLayers; i++)
            Layers.Add(layerFactory() ?? throw new ArgumentException($"TransformerEncoder: the layer factory returned null for layer {i}"));
        Norm = norm;
    }

    /// <summary>
    /// Runs every block on <paramref name="src"/> with the same <paramref name="mask"/>, <paramref name="srcKeyPaddingMask"/>
    /// and <paramref name="isCausal"/> (see <see cref="TransformerEncoderLayer{T}.Forward(Tensor{T}, Tensor{T}?, Tensor{T}?, bool)"/>),
    /// then the final norm. A direct call that does not run this module's hooks (each block's norm and linear layers run theirs).
    /// </summary>
    public Tensor<T> Forward(Tensor<T> src, Tensor<T>? mask = null, Tensor<T>? srcKeyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        var x = src;
        foreach (var layer in Layers)
            x = layer is TransformerEncoderLayer<T> block ? block.Forward(x, mask, srcKeyPaddingMask, isCausal) : layer.Forward(x);
        return Norm?.Forward(x) ?? x;
    }

    /// <summary>The stack without masks.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Forward(input);

    private static TransformerEncoderLayer<T> CheckedFactory(TransformerEncoderLayer<T> layer) =>
        layer ?? throw new ArgumentNullException(nameof(layer), "TransformerEncoder: the encoder layer cannot be null");

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture, $"numLayers={NumLayers}");
}
