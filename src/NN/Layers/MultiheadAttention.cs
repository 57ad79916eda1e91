using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Multi-head attention (Vaswani et al. 2017), as PyTorch's <c>nn.MultiheadAttention</c>:
/// MultiHead(Q, K, V) = Concat(head₁, …, head_h)·W_Oᵀ + b_O with headᵢ = softmax(QWᵢ^Q·(KWᵢ^K)ᵀ/√d + M)·VWᵢ^V and
/// d = embedDim / numHeads. The three input projections are packed, as PyTorch packs them, in
/// <see cref="InProjWeight"/> [3E, E] (rows 0..E−1 for q, E..2E−1 for k, 2E..3E−1 for v) and <see cref="InProjBias"/>
/// [3E]; head i uses rows i·d..(i+1)·d−1 of each block. The output projection is the Linear <see cref="OutProj"/>.
/// Initialised as PyTorch: Xavier-uniform <see cref="InProjWeight"/>, zero biases, <see cref="OutProj"/>'s weight as a Linear's.
/// State-dict names: <c>in_proj_weight</c>, <c>in_proj_bias</c>, <c>out_proj.weight</c>, <c>out_proj.bias</c>.
/// Separate key and value sizes (PyTorch's kdim, vdim) and add_bias_kv / add_zero_attn are not supported.
/// </summary>
public sealed class MultiheadAttention<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Generator _generator;

    /// <summary>Model size E: the features of query, key, value and output.</summary>
    public int EmbedDim { get; }

    /// <summary>Number of heads h (dividing <see cref="EmbedDim"/>).</summary>
    public int NumHeads { get; }

    /// <summary>Size of each head d = E / h.</summary>
    public int HeadDim { get; }

    /// <summary>Dropout probability on the attention weights, applied in training mode only.</summary>
    public double DropoutP { get; }

    /// <summary>Whether inputs and outputs are [N, L, E] (true) or [L, N, E] (false, the default, as PyTorch).</summary>
    public bool BatchFirst { get; }

    /// <summary>Packed input projection [W^Q; W^K; W^V] of shape [3E, E].</summary>
    [Parameter]
    public Tensor<T> InProjWeight { get; }

    /// <summary>Packed input bias [b^Q; b^K; b^V] of shape [3E] (zeros at start), or null without bias.</summary>
    [Parameter]
    public Tensor<T>? InProjBias { get; }

    /// <summary>Output projection W_O [E, E], b_O [E] (bias zero at start).</summary>
    public Linear<T> OutProj { get; }

    /// <summary>
    /// Creates the layer; parameters are drawn from <paramref name="generator"/>, which also draws the dropout masks.
    /// </summary>
    public MultiheadAttention(int embedDim, int numHeads, Generator generator, double dropout = 0, bool bias = true, bool batchFirst = false)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (embedDim <= 0 || numHeads <= 0)
            throw new ArgumentOutOfRangeException(nameof(embedDim), $"MultiheadAttention: embedDim and numHeads must be positive, got embedDim={embedDim}, numHeads={numHeads}");
        if (embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: numHeads {numHeads} does not divide embedDim {embedDim} (embedDim must be a multiple of numHeads)");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"MultiheadAttention: dropout must be in [0, 1], got {dropout}");
        _generator = generator;
        EmbedDim = embedDim;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        DropoutP = dropout;
        BatchFirst = batchFirst;
        InProjWeight = Parameter(Init.XavierUniform(Tensor.Zeros<T>(3 * embedDim, embedDim), generator));
        if (bias) InProjBias = Parameter(Tensor.Zeros<T>(3 * embedDim));
        OutProj = new Linear<T>(embedDim, embedDim, generator, bias);
        if (OutProj.Bias is { } outBias) Init.Zeros(outBias);
    }

    /// <summary>
    /// Attention of <paramref name="query"/> [L, N, E] over <paramref name="key"/> and <paramref name="value"/> [S, N, E]
    /// ([N, L, E] and [N, S, E] with <see cref="BatchFirst"/>; [L, E] and [S, E] unbatched). Returns the output, shaped as
    /// the query, and with <paramref name="needWeights"/> the attention weights [N, L, S] averaged over the heads
    /// (<paramref name="averageAttnWeights"/>; otherwise [N, h, L, S]), differentiable; null without.
    /// <paramref name="keyPaddingMask"/> [N, S] and <paramref name="attnMask"/> ([L, S], [N·h, L, S] or any shape
    /// broadcasting to [N, h, L, S]) are additive (0 keeps, −∞ blocks, finite values shift the scores); with
    /// <paramref name="isCausal"/> the causal mask is added (alone it needs no mask tensor). A query row whose every key
    /// is blocked gives NaN, as in PyTorch. A direct call: unlike <see cref="Module{T}.Forward"/> (self-attention of one
    /// tensor, without weights), it does not run this module's hooks. Parameters follow PyTorch's positional order.
    /// </summary>
    public (Tensor<T> Output, Tensor<T>? Weights) Forward(Tensor<T> query, Tensor<T> key, Tensor<T> value,
        Tensor<T>? keyPaddingMask = null, bool needWeights = true, Tensor<T>? attnMask = null,
        bool averageAttnWeights = true, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool batched = CheckInputs(query, key, value);
        bool selfAttention = ReferenceEquals(query, key) && ReferenceEquals(key, value), sharedKeyValue = ReferenceEquals(key, value);
        int batchDim = BatchFirst ? 0 : 1;
        if (!batched)
        {
            (query, key, value) = (query.Unsqueeze(batchDim), key.Unsqueeze(batchDim), value.Unsqueeze(batchDim));
            keyPaddingMask = keyPaddingMask?.Unsqueeze(0);
        }
        int n = query.Shape[batchDim], l = query.Shape[1 - batchDim], s = key.Shape[1 - batchDim];
        var mask = Functional.CombineMasks(AttnMask(attnMask, n, l, s, batched), KeyPaddingMask(keyPaddingMask, n, s, batched));
        // Heads as batch dims: q [N, h, L, d], k and v [N, h, S, d]; one projection (one GEMM) for each distinct input.
        Tensor<T> q, k, v;
        if (selfAttention)
        {
            var qkv = Project(query, 0, 3);
            (q, k, v) = (qkv.Select(0, 0), qkv.Select(0, 1), qkv.Select(0, 2));
        }
        else
        {
            q = Project(query, 0, 1).Select(0, 0);
            if (sharedKeyValue)
            {
                var kv = Project(key, 1, 2);
                (k, v) = (kv.Select(0, 0), kv.Select(0, 1));
            }
            else (k, v) = (Project(key, 1, 1).Select(0, 0), Project(value, 2, 1).Select(0, 0));
        }
        // Without the weights, the fused attention op serves where it applies.
        Tensor<T> heads;
        Tensor<T>? weights = null;
        double dropoutP = IsTraining ? DropoutP : 0;
        if (needWeights) (heads, weights) = Functional.Attention("MultiheadAttention", q, k, v, mask, isCausal, dropoutP, _generator, scale: null);
        else heads = Functional.AttentionOutput("MultiheadAttention", q, k, v, mask, isCausal, dropoutP, _generator, scale: null);
        // [N, h, L, d] → [N, L, h·d] (or [L, N, h·d]): head i fills features i·d..(i+1)·d−1, then the output projection.
        var concat = BatchFirst ? heads.Permute(0, 2, 1, 3).Reshape(n, l, EmbedDim) : heads.Permute(2, 0, 1, 3).Reshape(l, n, EmbedDim);
        var output = OutProj.Forward(concat);
        if (!batched) output = output.Squeeze(batchDim);
        if (!needWeights) return (output, null);
        if (averageAttnWeights) weights = weights!.Mean(1);
        return (output, batched ? weights : weights!.Squeeze(0));
    }

    /// <summary>
    /// <see cref="Forward(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}?, bool, Tensor{T}?, bool, bool)"/> with boolean masks
    /// in PyTorch's convention for this layer: <c>true</c> blocks. <paramref name="attnBlocked"/> [L, S]: query i may not
    /// attend to key j; <paramref name="keyPadding"/> [N, S] ([S] unbatched as [1, S]): key j of sample n is padding.
    /// Either may be null. A direct call that does not run the module's hooks.
    /// </summary>
    public (Tensor<T> Output, Tensor<T>? Weights) Forward(Tensor<T> query, Tensor<T> key, Tensor<T> value,
        bool[,]? attnBlocked, bool[,]? keyPadding, bool needWeights = true, bool averageAttnWeights = true, bool isCausal = false)
    {
        var padding = keyPadding is null ? null : Functional.AdditiveMask<T>(keyPadding, blockWhen: true);
        if (padding is not null && query.Rank == 2) padding = padding.Squeeze(0);
        return Forward(query, key, value, padding, needWeights,
            attnBlocked is null ? null : Functional.AdditiveMask<T>(attnBlocked, blockWhen: true), averageAttnWeights, isCausal);
    }

    /// <summary>Self-attention of <paramref name="input"/> with itself (query = key = value), without masks; the output only.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Forward(input, input, input, needWeights: false).Output;

    /// <summary>
    /// Projects x [N, len, E] (or [len, N, E]) by <paramref name="count"/> consecutive blocks of the packed projection,
    /// starting at block <paramref name="first"/> (0 q, 1 k, 2 v), in one product, and lays the result out as
    /// [count, N, h, len, d], contiguous so that each block's batched products read it directly.
    /// </summary>
    private Tensor<T> Project(Tensor<T> x, int first, int count)
    {
        var w = count == 3 ? InProjWeight : InProjWeight.Narrow(0, first * EmbedDim, count * EmbedDim);
        var b = InProjBias is null || count == 3 ? InProjBias : InProjBias.Narrow(0, first * EmbedDim, count * EmbedDim);
        var y = Functional.Linear(x, w, b);
        int d0 = x.Shape[0], d1 = x.Shape[1];
        var split = y.Reshape(d0, d1, count, NumHeads, HeadDim);
        return (BatchFirst ? split.Permute(2, 0, 3, 1, 4) : split.Permute(2, 1, 3, 0, 4)).Contiguous();
    }

    /// <summary>Checks ranks, features and lengths; true for batched (3-D) inputs, false for unbatched (2-D).</summary>
    private bool CheckInputs(Tensor<T> query, Tensor<T> key, Tensor<T> value)
    {
        string layout = BatchFirst ? "[N, L, E]" : "[L, N, E]";
        if (query.Rank is not (2 or 3))
            throw new ArgumentException($"MultiheadAttention: query must be {layout} or unbatched [L, E], got shape {Shape(query)}");
        foreach (var (name, t) in new[] { ("query", query), ("key", key), ("value", value) })
        {
            if (t.Rank != query.Rank)
                throw new ArgumentException($"MultiheadAttention: {name} has {t.Rank} dims but query has {query.Rank} ({name} shape {Shape(t)}, query shape {Shape(query)})");
            if (t.Shape[^1] != EmbedDim)
                throw new ArgumentException($"MultiheadAttention: {name} has {t.Shape[^1]} features, expected embedDim {EmbedDim} ({name} shape {Shape(t)})");
        }
        int seq = query.Rank == 3 && BatchFirst ? 1 : 0;
        if (key.Shape[seq] != value.Shape[seq])
            throw new ArgumentException($"MultiheadAttention: key has {key.Shape[seq]} positions but value has {value.Shape[seq]} (key shape {Shape(key)}, value shape {Shape(value)})");
        if (query.Rank == 3)
        {
            int batch = 1 - seq;
            if (key.Shape[batch] != query.Shape[batch] || value.Shape[batch] != query.Shape[batch])
                throw new ArgumentException($"MultiheadAttention: batch sizes differ (query shape {Shape(query)}, key shape {Shape(key)}, value shape {Shape(value)}; layout {layout})");
        }
        return query.Rank == 3;
    }

    /// <summary>The attention mask as a tensor broadcasting to [N, h, L, S]: [L, S] as is, [N·h, L, S] reshaped.</summary>
    private Tensor<T>? AttnMask(Tensor<T>? mask, int n, int l, int s, bool batched)
    {
        if (mask is null) return null;
        int[] full = [n, NumHeads, l, s];
        if (mask.Rank == 3 && mask.Shape[0] == n * NumHeads && mask.Shape[1] == l && mask.Shape[2] == s)
            return mask.Reshape(full);
        if (mask.Rank == 2 ? mask.Shape[0] == l && mask.Shape[1] == s : mask.Rank == 4 && Functional.BroadcastsTo(mask.Shape, full))
            return mask;
        string nh = batched ? $"[N·numHeads, L, S] = [{n * NumHeads}, {l}, {s}]" : $"[numHeads, L, S] = [{NumHeads}, {l}, {s}]";
        throw new ArgumentException($"MultiheadAttention: attnMask has shape {Shape(mask)}, expected [L, S] = [{l}, {s}], {nh} or a 4-D shape broadcasting to [N, numHeads, L, S] = {TensorShape.Format(full)}");
    }

    /// <summary>The key-padding mask [N, S] as [N, 1, 1, S].</summary>
    private static Tensor<T>? KeyPaddingMask(Tensor<T>? mask, int n, int s, bool batched)
    {
        if (mask is null) return null;
        if (mask.Rank != 2 || mask.Shape[0] != n || mask.Shape[1] != s)
            throw new ArgumentException(batched
                ? $"MultiheadAttention: keyPaddingMask has shape {Shape(mask)}, expected [N, S] = [{n}, {s}]"
                : $"MultiheadAttention: keyPaddingMask has shape {Shape(mask.Squeeze(0))}, expected [S] = [{s}] for unbatched inputs");
        return mask.Reshape(n, 1, 1, s);
    }

    private static string Shape(Tensor<T> t) => TensorShape.Format(t.Shape);

    /// <inheritdoc />
    protected override string ExtraRepr() => string.Create(CultureInfo.InvariantCulture,
        $"embedDim={EmbedDim}, numHeads={NumHeads}, dropout={DropoutP}, bias={(InProjBias is not null ? "true" : "false")}, batchFirst={(BatchFirst ? "true" : "false")}");
}
