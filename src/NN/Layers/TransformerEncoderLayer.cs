using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// One transformer encoder block (Vaswani et al. 2017), as PyTorch's <c>nn.TransformerEncoderLayer</c>: self-attention
/// then a feed-forward network FF(x) = linear2(dropout(act(linear1(x)))), each in a residual branch.
/// Post-norm (the default): x ← norm1(x + SA(x)); x ← norm2(x + FF(x)). Pre-norm (<see cref="NormFirst"/>):
/// x ← x + SA(norm1(x)); x ← x + FF(norm2(x)). SA(x) = dropout1(self_attn(x, x, x)), FF's output goes through dropout2.
/// State-dict names as PyTorch's: <c>self_attn.in_proj_weight</c>, <c>self_attn.in_proj_bias</c>,
/// <c>self_attn.out_proj.weight</c>, <c>self_attn.out_proj.bias</c>, <c>linear1.weight</c>, <c>linear1.bias</c>,
/// <c>linear2.weight</c>, <c>linear2.bias</c>, <c>norm1.weight</c>, <c>norm1.bias</c>, <c>norm2.weight</c>, <c>norm2.bias</c>.
/// </summary>
public sealed class TransformerEncoderLayer<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Generator _generator;
    private readonly double _dropout, _layerNormEps;
    private readonly bool _bias;

    /// <summary>Model size (features of input and output).</summary>
    public int DModel { get; }

    /// <summary>Number of attention heads.</summary>
    public int NHead { get; }

    /// <summary>Hidden size of the feed-forward network.</summary>
    public int DimFeedforward { get; }

    /// <summary>"relu" or "gelu" (exact, erf-based, as PyTorch's default GELU).</summary>
    public string Activation { get; }

    /// <summary>Whether inputs are [N, L, E] (true) or [L, N, E] (false, the default).</summary>
    public bool BatchFirst { get; }

    /// <summary>Pre-norm (true) or post-norm (false, the default, as the original transformer).</summary>
    public bool NormFirst { get; }

    /// <summary>The self-attention block.</summary>
    public MultiheadAttention<T> SelfAttn { get; }

    /// <summary>First feed-forward layer, E → dimFeedforward.</summary>
    public Linear<T> Linear1 { get; }

    /// <summary>Dropout between the feed-forward layers.</summary>
    public Dropout<T> Dropout { get; }

    /// <summary>Second feed-forward layer, dimFeedforward → E.</summary>
    public Linear<T> Linear2 { get; }

    /// <summary>LayerNorm of the attention block.</summary>
    public LayerNorm<T> Norm1 { get; }

    /// <summary>LayerNorm of the feed-forward block.</summary>
    public LayerNorm<T> Norm2 { get; }

    /// <summary>Dropout on the attention branch.</summary>
    public Dropout<T> Dropout1 { get; }

    /// <summary>Dropout on the feed-forward branch.</summary>
    public Dropout<T> Dropout2 { get; }

    /// <summary>
    /// Creates the block with PyTorch's defaults (dimFeedforward 2048, dropout 0.1, ReLU, eps 1e-5, post-norm,
    /// [L, N, E] inputs); parameters and dropout masks are drawn from <paramref name="generator"/>.
    /// </summary>
    public TransformerEncoderLayer(int dModel, int nHead, Generator generator, int dimFeedforward = 2048, double dropout = 0.1,
        string activation = "relu", double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(activation);
        if (activation is not ("relu" or "gelu"))
            throw new ArgumentException($"TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"{activation}\"");
        if (dimFeedforward <= 0)
            throw new ArgumentOutOfRangeException(nameof(dimFeedforward), $"TransformerEncoderLayer: dimFeedforward must be positive, got {dimFeedforward}");
        (_generator, _dropout, _layerNormEps, _bias) = (generator, dropout, layerNormEps, bias);
        (DModel, NHead, DimFeedforward, Activation, BatchFirst, NormFirst) = (dModel, nHead, dimFeedforward, activation, batchFirst, normFirst);
        SelfAttn = new MultiheadAttention<T>(dModel, nHead, generator, dropout, bias, batchFirst);
        Linear1 = new Linear<T>(dModel, dimFeedforward, generator, bias);
        Dropout = new Dropout<T>(dropout, generator);
        Linear2 = new Linear<T>(dimFeedforward, dModel, generator, bias);
        Norm1 = new LayerNorm<T>(dModel, layerNormEps);
        Norm2 = new LayerNorm<T>(dModel, layerNormEps);
        Dropout1 = new Dropout<T>(dropout, generator);
        Dropout2 = new Dropout<T>(dropout, generator);
    }

    /// <summary>
    /// Runs the block on <paramref name="src"/> ([L, N, E], [N, L, E] with <see cref="BatchFirst"/>, or [L, E]), with
    /// the additive <paramref name="srcMask"/> (attnMask of <see cref="MultiheadAttention{T}"/>), the additive
    /// <paramref name="srcKeyPaddingMask"/> [N, S], and the causal mask with <paramref name="isCausal"/> (alone it needs
    /// no mask tensor; with a mask both apply). A direct call that does not run this module's hooks.
    /// </summary>
    public Tensor<T> Forward(Tensor<T> src, Tensor<T>? srcMask = null, Tensor<T>? srcKeyPaddingMask = null, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        if (src.Rank is not (2 or 3) || src.Shape[^1] != DModel)
            throw new ArgumentException($"TransformerEncoderLayer: src must be {(BatchFirst ? "[N, L, E]" : "[L, N, E]")} or [L, E] with E = dModel = {DModel}, got shape {TensorShape.Format(src.Shape)}");
        var x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Forward(x), srcMask, srcKeyPaddingMask, isCausal);
            return x + FeedForwardBlock(Norm2.Forward(x));
        }
        x = Norm1.Forward(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask, isCausal));
        return Norm2.Forward(x + FeedForwardBlock(x));
    }

    /// <summary>
    /// <see cref="Forward(Tensor{T}, Tensor{T}?, Tensor{T}?, bool)"/> with boolean masks where <c>true</c> blocks, as
    /// PyTorch's: <paramref name="srcBlocked"/> [L, S] and <paramref name="srcKeyPadding"/> [N, S] (true = padding).
    /// </summary>
    public Tensor<T> Forward(Tensor<T> src, bool[,]? srcBlocked, bool[,]? srcKeyPadding, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        var padding = srcKeyPadding is null ? null : Functional.AdditiveMask<T>(srcKeyPadding, blockWhen: true);
        if (padding is not null && src.Rank == 2) padding = padding.Squeeze(0);
        return Forward(src, srcBlocked is null ? null : Functional.AdditiveMask<T>(srcBlocked, blockWhen: true), padding, isCausal);
    }

    /// <summary>The block without masks.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Forward(input);

    /// <summary>
    /// A new layer with the same configuration, parameter values (copied, not shared) and training mode, its dropout
    /// masks drawn from the same generator: what PyTorch's deep copy gives <c>nn.TransformerEncoder</c>.
    /// </summary>
    public TransformerEncoderLayer<T> Copy()
    {
        var copy = new TransformerEncoderLayer<T>(DModel, NHead, _generator, DimFeedforward, _dropout, Activation, _layerNormEps, BatchFirst, NormFirst, _bias);
        copy.LoadStateDict(StateDict());
        copy.Train(IsTraining);
        return copy;
    }

    private Tensor<T> SelfAttentionBlock(Tensor<T> x, Tensor<T>? mask, Tensor<T>? keyPaddingMask, bool isCausal) =>
        Dropout1.Forward(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: mask, isCausal: isCausal).Output);

    private Tensor<T> FeedForwardBlock(Tensor<T> x)
    {
        // Linear → activation → Linear as one op (Tensor.FeedForward: the activation and its slope on each block of the
        // products while in cache) when nothing observes the middle: no dropout there and no hooks on the three modules.
        if (!Linear1.HasHooks && !Linear2.HasHooks && !Dropout.HasHooks && (Dropout.P == 0 || !Dropout.IsTraining))
            return Dropout2.Forward(x.FeedForward(Linear1.Weight, Linear1.Bias, Linear2.Weight, Linear2.Bias,
                Activation == "gelu" ? FeedForwardActivation.Gelu : FeedForwardActivation.Relu));
        var h = Linear1.Forward(x);
        h = Activation == "gelu" ? h.Gelu() : h.Relu();
        return Dropout2.Forward(Linear2.Forward(Dropout.Forward(h)));
    }

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"dModel={DModel}, nHead={NHead}, dimFeedforward={DimFeedforward}, dropout={_dropout}, activation={Activation}, batchFirst={(BatchFirst ? "true" : "false")}, normFirst={(NormFirst ? "true" : "false")}");
}
