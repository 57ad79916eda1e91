using Autograd;
using Autograd.NN;

namespace CharModel;

/// <summary>A character model: ids [N, L] in, logits [N, L, vocabulary] out.</summary>
internal abstract class CharNet : Module<float>
{
    /// <summary>Logits [N, L, V] for the ids of <paramref name="batch"/> rows of <paramref name="length"/> chars each
    /// (row-major in <paramref name="ids"/>).</summary>
    public abstract Tensor<float> Logits(int[] ids, int batch, int length);

    /// <summary>The model on a tensor of whole-number ids [N, L].</summary>
    protected override Tensor<float> ForwardCore(Tensor<float> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank != 2) throw new ArgumentException($"{GetType().Name}: ids must be [N, L], got shape {TensorShape.Format(input.Shape)}");
        return Logits([.. input.ToArray().Select(v => (int)v)], input.Shape[0], input.Shape[1]);
    }
}

/// <summary>
/// Embedding → multi-layer LSTM (batch first) → Linear, as the anchor's CharLstm and TsBench's char_lstm_step_ms.
/// State-dict names: emb.weight, lstm.weight_ih_l0 …, head.weight, head.bias.
/// </summary>
internal sealed class CharLstm(int vocabulary, int embed, int hidden, int layers, Generator g) : CharNet
{
    public Embedding<float> Emb { get; } = new(vocabulary, embed, g);
    public LSTM<float> Lstm { get; } = new(embed, hidden, g, numLayers: layers, batchFirst: true);
    public Linear<float> Head { get; } = new(hidden, vocabulary, g);

    /// <summary>Logits from zero initial states.</summary>
    public override Tensor<float> Logits(int[] ids, int batch, int length) => Step(ids, batch, length, null).Logits;

    /// <summary>Logits [N, L, V] and the final (h, c), each [layers, N, hidden], from <paramref name="state"/> (zeros when null).</summary>
    public (Tensor<float> Logits, (Tensor<float> H, Tensor<float> C) State) Step(int[] ids, int batch, int length,
        (Tensor<float> H, Tensor<float> C)? state)
    {
        var (output, final) = Lstm.Forward(Emb.Forward(ids, [batch, length]), state);
        return (Head.Forward(output), final);
    }
}

/// <summary>
/// A nanoGPT-style decoder, as the anchor's CharGpt and TsBench's transformer_step_ms: token and learned position
/// embeddings, pre-LayerNorm blocks (causal self-attention with packed q/k/v projections, then a GELU MLP of 4·d), a
/// final LayerNorm and a linear head; no dropout. The library's pre-norm TransformerEncoderLayer with a causal mask is
/// exactly that block (x + SA(LN₁(x)), then x + MLP(LN₂(x))).
/// </summary>
internal sealed class CharTransformer : CharNet
{
    public CharTransformer(int vocabulary, int context, int dModel, int heads, int layers, Generator g)
    {
        Wte = new Embedding<float>(vocabulary, dModel, g);
        Wpe = new Embedding<float>(context, dModel, g);
        H = new TransformerEncoder<float>(() => new TransformerEncoderLayer<float>(dModel, heads, g, dimFeedforward: 4 * dModel,
            dropout: 0, activation: "gelu", batchFirst: true, normFirst: true), layers);
        LnF = new LayerNorm<float>(dModel);
        LmHead = new Linear<float>(dModel, vocabulary, g);
        Positions = [.. Enumerable.Range(0, context)];
    }

    public Embedding<float> Wte { get; }
    public Embedding<float> Wpe { get; }
    public TransformerEncoder<float> H { get; }
    public LayerNorm<float> LnF { get; }
    public Linear<float> LmHead { get; }

    /// <summary>The longest context the position table covers.</summary>
    public int Context => Wpe.NumEmbeddings;

    private int[] Positions { get; }

    /// <summary>logits = lm_head(ln_f(blocks(wte[ids] + wpe[0..L)))) with the causal mask.</summary>
    public override Tensor<float> Logits(int[] ids, int batch, int length)
    {
        if (length > Context) throw new ArgumentException($"CharTransformer: {length} positions exceed the context of {Context}");
        var x = Wte.Forward(ids, [batch, length]) + Wpe.Forward(Positions[..length]);
        return LmHead.Forward(LnF.Forward(H.Forward(x, isCausal: true)));
    }
}
