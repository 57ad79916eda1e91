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
/// With key or value sizes other than E (PyTorch's kdim, vdim) the projections are separate, as in PyTorch:
/// <c>q_proj_weight</c> [E, E], <c>k_proj_weight</c> [E, kdim], <c>v_proj_weight</c> [E, vdim] (each Xavier-uniform) and
/// no <c>in_proj_weight</c>. <c>addBiasKv</c> appends the learned rows <c>bias_k</c>, <c>bias_v</c> [1, 1, E]
/// (Xavier-normal) to the projected keys and values, and <c>addZeroAttn</c> appends a zero key and value to every head,
/// each one more key position S + 1; the masks get a zero (keeping) column for each, and the weights cover them.
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

    /// <summary>Features of the key (PyTorch's kdim; <see cref="EmbedDim"/> unless given).</summary>
    public int KDim { get; }

    /// <summary>Features of the value (PyTorch's vdim; <see cref="EmbedDim"/> unless given).</summary>
    public int VDim { get; }

    /// <summary>Whether a zero key and value are appended to every head after the projections (PyTorch's add_zero_attn).</summary>
    public bool AddZeroAttn { get; }

    /// <summary>Packed input projection [W^Q; W^K; W^V] of shape [3E, E]; null when <see cref="KDim"/> or
    /// <see cref="VDim"/> differ from E (the projections are then <see cref="QProjWeight"/>, <see cref="KProjWeight"/>,
    /// <see cref="VProjWeight"/>).</summary>
    [Parameter]
    public Tensor<T>? InProjWeight { get; }

    /// <summary>W^Q [E, E] when the projections are separate (see <see cref="InProjWeight"/>), else null.</summary>
    [Parameter]
    public Tensor<T>? QProjWeight { get; }

    /// <summary>W^K [E, kdim] when the projections are separate, else null.</summary>
    [Parameter]
    public Tensor<T>? KProjWeight { get; }

    /// <summary>W^V [E, vdim] when the projections are separate, else null.</summary>
    [Parameter]
    public Tensor<T>? VProjWeight { get; }

    /// <summary>Packed input bias [b^Q; b^K; b^V] of shape [3E] (zeros at start), or null without bias.</summary>
    [Parameter]
    public Tensor<T>? InProjBias { get; }

    /// <summary>The key row appended after the projection (PyTorch's add_bias_kv), [1, 1, E]; null without.</summary>
    [Parameter]
    public Tensor<T>? BiasK { get; }

    /// <summary>The value row appended after the projection, [1, 1, E]; null without.</summary>
    [Parameter]
    public Tensor<T>? BiasV { get; }

    /// <summary>Output projection W_O [E, E], b_O [E] (bias zero at start).</summary>
    public Linear<T> OutProj { get; }

    /// <summary>
    /// Creates the layer; parameters are drawn from <paramref name="generator"/>, which also draws the dropout masks.
    /// <paramref name="kdim"/> and <paramref name="vdim"/> (default E) are the key's and value's features;
    /// <paramref name="addBiasKv"/> and <paramref name="addZeroAttn"/> append a learned or a zero key and value, as PyTorch.
    /// </summary>
    public MultiheadAttention(int embedDim, int numHeads, Generator generator, double dropout = 0, bool bias = true, bool batchFirst = false,
        bool addBiasKv = false, bool addZeroAttn = false, int? kdim = null, int? vdim = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (embedDim <= 0 || numHeads <= 0)
            throw new ArgumentOutOfRangeException(nameof(embedDim), $"MultiheadAttention: embedDim and numHeads must be positive, got embedDim={embedDim}, numHeads={numHeads}");
        if (embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: numHeads {numHeads} does not divide embedDim {embedDim} (embedDim must be a multiple of numHeads)");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"MultiheadAttention: dropout must be in [0, 1], got {dropout}");
        if (kdim is <= 0 || vdim is <= 0)
            throw new ArgumentOutOfRangeException(nameof(kdim), $"MultiheadAttention: kdim and vdim must be positive, got kdim={kdim}, vdim={vdim}");
        _generator = generator;
        EmbedDim = embedDim;
        KDim = kdim ?? embedDim;
        VDim = vdim ?? embedDim;
        AddZeroAttn = addZeroAttn;
        NumHeads = numHeads;
        HeadDim = embedDim / numHeads;
        DropoutP = dropout;
        BatchFirst = batchFirst;
        if (SamePacked)
            InProjWeight = Parameter(Init.XavierUniform(Tensor.Zeros<T>(3 * embedDim, embedDim), generator));
        else
        {
            QProjWeight = Parameter(Init.XavierUniform(Tensor.Zeros<T>(embedDim, embedDim), generator));
            KProjWeight = Parameter(Init.XavierUniform(Tensor.Zeros<T>(embedDim, KDim), generator));
            VProjWeight = Parameter(Init.XavierUniform(Tensor.Zeros<T>(embedDim, VDim), generator));
        }
        if (bias) InProjBias = Parameter(Tensor.Zeros<T>(3 * embedDim));
        if (addBiasKv)
        {
            BiasK = Parameter(Init.XavierNormal(Tensor.Zeros<T>(1, 1, embedDim), generator));
            BiasV = Parameter(Init.XavierNormal(Tensor.Zeros<T>(1, 1, embedDim), generator));
        }
        OutProj = new Linear<T>(embedDim, embedDim, generator, bias);
        if (OutProj.Bias is { } outBias) Init.Zeros(outBias);
    }

    /// <summary>Whether q, k and v share one packed projection (key and value of E features, as PyTorch's _qkv_same_embed_dim).</summary>
    private bool SamePacked => KDim == EmbedDim && VDim == EmbedDim;

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
        int extra = (BiasK is null ? 0 : 1) + (AddZeroAttn ? 1 : 0);
        double dropoutP = IsTraining ? DropoutP : 0;
        Tensor<T> output;
        if (SamePacked && selfAttention && !needWeights && extra == 0 && dropoutP == 0 && mask is not { RequiresGrad: true })
        {
            // Self-attention without weights: one op reads the heads from the packed projection and writes them joined.
            var joined = Functional.Linear(query, InProjWeight!, InProjBias)
                .PackedSelfAttention(NumHeads, mask, isCausal, T.CreateChecked(1 / Math.Sqrt(HeadDim)), BatchFirst);
            output = OutProj.Forward(joined);
            return (batched ? output : output.Squeeze(batchDim), null);
        }
        // Heads as batch dims: q [N, h, L, d], k and v [N, h, S, d]; one projection (one GEMM) for each distinct input.
        Tensor<T> q, k, v;
        if (!SamePacked)
            (q, k, v) = (Project(query, 0, 1).Select(0, 0), Project(key, 1, 1).Select(0, 0), Project(value, 2, 1).Select(0, 0));
        else if (selfAttention)
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
        // Extra key positions (a learned bias row, a zero row) are appended to every head; the masks keep them.
        if (extra > 0)
        {
            if (isCausal) (mask, isCausal) = (Functional.CombineMasks(mask, Functional.CausalMask<T>(l, s)), false);
            (k, v) = (ExtraKeys(k, BiasK, n), ExtraKeys(v, BiasV, n));
            if (mask is not null && mask.Shape[^1] != s) mask = mask.Expand([.. mask.Shape.SkipLast(1), s]); // a broadcast key dim, made whole
            mask = mask?.Pad([0, extra]);
        }
        // Without the weights, the fused attention op serves where it applies.
        Tensor<T> heads;
        Tensor<T>? weights = null;
        if (needWeights) (heads, weights) = Functional.Attention("MultiheadAttention", q, k, v, mask, isCausal, dropoutP, _generator, scale: null);
        else heads = Functional.AttentionOutput("MultiheadAttention", q, k, v, mask, isCausal, dropoutP, _generator, scale: null);
        // [N, h, L, d] → [N, L, h·d] (or [L, N, h·d]): head i fills features i·d..(i+1)·d−1, then the output projection.
        var concat = BatchFirst ? heads.Permute(0, 2, 1, 3).Reshape(n, l, EmbedDim) : heads.Permute(2, 0, 1, 3).Reshape(l, n, EmbedDim);
        output = OutProj.Forward(concat);
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
        var w = !SamePacked ? (first == 0 ? QProjWeight : first == 1 ? KProjWeight : VProjWeight)!
            : count == 3 ? InProjWeight! : InProjWeight!.Narrow(0, first * EmbedDim, count * EmbedDim);
        var b = InProjBias is null || count == 3 ? InProjBias : InProjBias.Narrow(0, first * EmbedDim, count * EmbedDim);
        var y = Functional.Linear(x, w, b);
        int d0 = x.Shape[0], d1 = x.Shape[1];
        var split = y.Reshape(d0, d1, count, NumHeads, HeadDim);
        return (BatchFirst ? split.Permute(2, 0, 3, 1, 4) : split.Permute(2, 1, 3, 0, 4)).Contiguous();
    }

    /// <summary>k or v [N, h, S, d] with the learned row <paramref name="row"/> [1, 1, E] (when given) and then a zero row
    /// (with <see cref="AddZeroAttn"/>) appended to every head: [N, h, S + extra, d].</summary>
    private Tensor<T> ExtraKeys(Tensor<T> x, Tensor<T>? row, int n)
    {
        var parts = new List<Tensor<T>> { x };
        if (row is not null) parts.Add(row.Reshape(1, NumHeads, 1, HeadDim).Expand([n, NumHeads, 1, HeadDim]));
        if (AddZeroAttn) parts.Add(Tensor.Zeros<T>(n, NumHeads, 1, HeadDim));
        return Tensor.Concat(parts, 2);
    }

    /// <summary>Checks ranks, features and lengths; true for batched (3-D) inputs, false for unbatched (2-D).</summary>
    private bool CheckInputs(Tensor<T> query, Tensor<T> key, Tensor<T> value)
    {
        string layout = BatchFirst ? "[N, L, E]" : "[L, N, E]";
        if (query.Rank is not (2 or 3))
            throw new ArgumentException($"MultiheadAttention: query must be {layout} or unbatched [L, E], got shape {Shape(query)}");
        foreach (var (name, t, features, size) in new[] { ("query", query, EmbedDim, "embedDim"), ("key", key, KDim, SamePacked ? "embedDim" : "kdim"),
            ("value", value, VDim, SamePacked ? "embedDim" : "vdim") })
        {
            if (t.Rank != query.Rank)
                throw new ArgumentException($"MultiheadAttention: {name} has {t.Rank} dims but query has {query.Rank} ({name} shape {Shape(t)}, query shape {Shape(query)})");
            if (t.Shape[^1] != features)
                throw new ArgumentException($"MultiheadAttention: {name} has {t.Shape[^1]} features, expected {size} {features} ({name} shape {Shape(t)})");
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
        if (mask.Rank == 2 ? mask.Shape[0] == l && mask.Shape[1] == s : mask.Rank == 4 && TensorShape.BroadcastsTo(mask.Shape, full))
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
        $"embedDim={EmbedDim}, numHeads={NumHeads}, dropout={DropoutP}, bias={(InProjBias is not null ? "true" : "false")}, batchFirst={(BatchFirst ? "true" : "false")}")
        + (SamePacked ? "" : string.Create(CultureInfo.InvariantCulture, $", kdim={KDim}, vdim={VDim}"))
        + (BiasK is null ? "" : ", addBiasKv=true") + (AddZeroAttn ? ", addZeroAttn=true" : "");
}
