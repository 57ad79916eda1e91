using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>MultiheadAttention: PyTorch's packing, head split, weights, masks, layouts, gradients and errors.</summary>
public class MultiheadAttentionTests
{
    private static Tensor<double> Rand(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);

    /// <summary>
    /// Loads every parameter by its PyTorch name (in_proj_weight [3E, E], in_proj_bias [3E], out_proj.weight [E, E],
    /// out_proj.bias [E]) with a strict LoadStateDict, as a state dict saved from PyTorch would be loaded.
    /// </summary>
    private static void Set(MultiheadAttention<double> mha, double[] inProjWeight, double[] inProjBias, double[] outWeight, double[] outBias)
    {
        int e = mha.EmbedDim;
        mha.LoadStateDict(new Dictionary<string, Tensor<double>>
        {
            ["in_proj_weight"] = Tensor.FromArray(inProjWeight, [3 * e, e]),
            ["in_proj_bias"] = Tensor.FromArray(inProjBias, [3 * e]),
            ["out_proj.weight"] = Tensor.FromArray(outWeight, [e, e]),
            ["out_proj.bias"] = Tensor.FromArray(outBias, [e]),
        });
    }

    /// <summary>
    /// E = 2, one head: W_q = I, W_k = [[0, 1], [0, 0]] (k = [x₁, 0]), W_v = 2I, b = [0, 0 | 0, 0 | 1, −1],
    /// W_O = I, b_O = [0.5, 0]; in PyTorch's packing the rows of in_proj_weight are q's, then k's, then v's.
    /// </summary>
    private static MultiheadAttention<double> PackingCase(bool batchFirst = true)
    {
        var mha = new MultiheadAttention<double>(embedDim: 2, numHeads: 1, generator: new Generator(1), batchFirst: batchFirst);
        Set(mha, [1, 0, 0, 1, /* k */ 0, 1, 0, 0, /* v */ 2, 0, 0, 2], [0, 0, 0, 0, 1, -1], [1, 0, 0, 1], [0.5, 0]);
        return mha;
    }

    private static readonly Tensor<double> TwoTokens = Tensor.FromArray([1.0, 0, 0, 1], [1, 2, 2]); // x₀ = [1, 0], x₁ = [0, 1]

    [Fact]
    public void InProjectionIsPackedQueryKeyValue()
    {
        // Oracle (hand computation) for PackingCase on x₀ = [1, 0], x₁ = [0, 1]:
        // q = x: q₀ = [1, 0], q₁ = [0, 1]; k = [x₁, 0]: k₀ = [0, 0], k₁ = [1, 0]; v = 2x + [1, −1]: v₀ = [3, −1], v₁ = [1, 1].
        // Scores (scale 1/√2): row 0 [q₀·k₀, q₀·k₁]/√2 = [0, a], a = 1/√2 → weights [1 − p, p], p = eᵃ/(1 + eᵃ);
        // row 1 [0, 0] → weights [½, ½].
        // Heads: h₀ = (1 − p)·[3, −1] + p·[1, 1] = [3 − 2p, −1 + 2p]; h₁ = ½·[3, −1] + ½·[1, 1] = [2, 0].
        // Output = h·I + [0.5, 0]: [3.5 − 2p, −1 + 2p], [2.5, 0].
        // (Were the blocks in another order, e.g. k first, row 0 would see q₀ = [0, 0] and weights [½, ½].)
        var (output, weights) = PackingCase().Forward(TwoTokens, TwoTokens, TwoTokens, needWeights: true);
        double p = Math.Exp(1 / Math.Sqrt(2)) / (1 + Math.Exp(1 / Math.Sqrt(2)));
        Assert.Equal([1, 2, 2], output.Shape);
        AttentionReference.Close([3.5 - 2 * p, -1 + 2 * p, 2.5, 0], output.ToArray());
        Assert.Equal([1, 2, 2], weights!.Shape);
        AttentionReference.Close([1 - p, p, 0.5, 0.5], weights.ToArray());
    }

    [Fact]
    public void IsCausalAloneAppliesTheCausalMask()
    {
        // Oracle (hand computation), PackingCase: with the causal mask row 0 sees only key 0, weights [1, 0], so
        // output row 0 = v₀ + b_O = [3.5, −1]; row 1 is unchanged ([2.5, 0], it may see both keys).
        var (output, weights) = PackingCase().Forward(TwoTokens, TwoTokens, TwoTokens, isCausal: true);
        AttentionReference.Close([3.5, -1, 2.5, 0], output.ToArray());
        AttentionReference.Close([1, 0, 0.5, 0.5], weights!.ToArray());
    }

    [Fact]
    public void HeadsSplitTheFeaturesAndWeightsAreAveraged()
    {
        // Oracle (hand computation), E = 2, 2 heads (d = 1, scale 1), all projections I, no biases: head h sees feature h.
        // x₀ = [1, 0], x₁ = [0, 1]. Head 0: q = k = v = [1, 0] (per token): scores row 0 [1, 0] → [σ, 1 − σ] with
        // σ = e/(1 + e); row 1 [0, 0] → [½, ½]; outputs σ·1 = σ and ½. Head 1: q = k = v = [0, 1]: row 0 [0, 0] → [½, ½],
        // output ½; row 1 [0, 1] → [1 − σ, σ], output σ. Concatenated: [σ, ½], [½, σ].
        // Weights averaged over heads: row 0 ([σ, 1 − σ] + [½, ½])/2, row 1 ([½, ½] + [1 − σ, σ])/2.
        var mha = new MultiheadAttention<double>(2, 2, new Generator(2), batchFirst: true);
        Set(mha, [1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1], new double[6], [1, 0, 0, 1], [0, 0]);
        var (output, averaged) = mha.Forward(TwoTokens, TwoTokens, TwoTokens);
        double s = Math.E / (1 + Math.E);
        AttentionReference.Close([s, 0.5, 0.5, s], output.ToArray());
        AttentionReference.Close([(s + 0.5) / 2, (1.5 - s) / 2, (1.5 - s) / 2, (s + 0.5) / 2], averaged!.ToArray());
        var (_, perHead) = mha.Forward(TwoTokens, TwoTokens, TwoTokens, averageAttnWeights: false);
        Assert.Equal([1, 2, 2, 2], perHead!.Shape);
        AttentionReference.Close([s, 1 - s, 0.5, 0.5, /* head 1 */ 0.5, 0.5, 1 - s, s], perHead.ToArray());
    }

    [Theory]
    [InlineData(3, 5, true, false)]
    [InlineData(3, 2, false, false)]
    [InlineData(4, 4, true, true)]
    [InlineData(4, 4, false, true)]
    public void MatchesTheLoopReference(int l, int s, bool batchFirst, bool causal)
    {
        // Oracle: AttentionReference.MultiHead (loops over arrays, PyTorch's documented layout), E = 4, 2 heads, N = 2,
        // random parameters, an additive attnMask [L, S] of finite values and a key-padding mask [N, S] blocking one key
        // of sample 1; batch-second inputs are the batch-first ones transposed.
        int n = 2, e = 4;
        var mha = new MultiheadAttention<double>(e, 2, new Generator(3), batchFirst: batchFirst);
        Init.Normal(mha.InProjBias!, new Generator(4));
        Init.Normal(mha.OutProj.Bias!, new Generator(5));
        var q = Rand(6, n, l, e);
        var k = Rand(7, n, s, e);
        var v = Rand(8, n, s, e);
        var attn = Rand(9, l, s).Detach();
        var padding = new double[n * s];
        padding[s + 1] = double.NegativeInfinity;
        var pad = Tensor.FromArray(padding, [n, s]);
        Tensor<double> Layout(Tensor<double> t) => batchFirst ? t : t.Transpose(0, 1).Contiguous();
        var (output, weights) = mha.Forward(Layout(q), Layout(k), Layout(v), pad, attnMask: attn, averageAttnWeights: false, isCausal: causal);
        var (expected, expectedWeights) = AttentionReference.MultiHead(q.ToArray(), k.ToArray(), v.ToArray(), n, l, s, e, 2,
            mha.InProjWeight!.ToArray(), mha.InProjBias!.ToArray(), mha.OutProj.Weight.ToArray(), mha.OutProj.Bias!.ToArray(),
            attn.ToArray(), padding, causal);
        AttentionReference.Close(expected, (batchFirst ? output : output.Transpose(0, 1)).Contiguous().ToArray());
        AttentionReference.Close(expectedWeights, weights!.ToArray());
    }

    [Fact]
    public void MaskLayoutsAgree()
    {
        // Oracle: an [L, S] mask, the same mask repeated as [N·h, L, S] (PyTorch's 3-D form) and as [1, 1, L, S] give the
        // same result; so do the boolean overloads (true = blocked, as PyTorch's MultiheadAttention) and the additive
        // masks with −∞ where the boolean is true; an unbatched input equals the batch of one.
        var mha = new MultiheadAttention<double>(4, 2, new Generator(10), batchFirst: true);
        var x = Rand(11, 2, 3, 4);
        var mask = Rand(12, 3, 3).Detach();
        var expected = mha.Forward(x, x, x, attnMask: mask).Output.ToArray();
        var repeated = Tensor.Concat([mask.Unsqueeze(0), mask.Unsqueeze(0), mask.Unsqueeze(0), mask.Unsqueeze(0)], 0);
        AttentionReference.Close(expected, mha.Forward(x, x, x, attnMask: repeated).Output.ToArray(), 0);
        AttentionReference.Close(expected, mha.Forward(x, x, x, attnMask: mask.Reshape(1, 1, 3, 3)).Output.ToArray(), 0);

        bool[,] blocked = { { false, true, false }, { false, false, false }, { true, false, false } };
        bool[,] padding = { { false, false, true }, { false, false, false } };
        double ninf = double.NegativeInfinity;
        var additive = mha.Forward(x, x, x, Tensor.FromArray([0, 0, ninf, 0, 0, 0], [2, 3]),
            attnMask: Tensor.FromArray([0, ninf, 0, 0, 0, 0, ninf, 0, 0], [3, 3]));
        var boolean = mha.Forward(x, x, x, attnBlocked: blocked, keyPadding: padding);
        AttentionReference.Close(additive.Output.ToArray(), boolean.Output.ToArray(), 0);
        AttentionReference.Close(additive.Weights!.ToArray(), boolean.Weights!.ToArray(), 0);

        var one = x.Narrow(0, 0, 1);
        var (batched, batchedWeights) = mha.Forward(one, one, one);
        var single = one.Squeeze(0);
        var (unbatched, unbatchedWeights) = mha.Forward(single, single, single);
        Assert.Equal([3, 4], unbatched.Shape);
        Assert.Equal([3, 3], unbatchedWeights!.Shape);
        AttentionReference.Close(batched.ToArray(), unbatched.ToArray(), 0);
        AttentionReference.Close(batchedWeights!.ToArray(), unbatchedWeights.ToArray(), 0);
        var onePadding = Tensor.FromArray([0, double.NegativeInfinity, 0], [1, 3]);
        AttentionReference.Close(mha.Forward(one, one, one, onePadding).Output.ToArray(),
            mha.Forward(single, single, single, onePadding.Squeeze(0)).Output.ToArray(), 0);
    }

    [Fact]
    public void FloatAgreesWithDoubleAndComposesInSequential()
    {
        // Oracle: the same parameters in float and double give the same output to float precision (relative 1e-5 of
        // values of order 1); inside Sequential the layer is self-attention of the tensor that flows (Forward(x)).
        var d = new MultiheadAttention<double>(8, 2, new Generator(40), batchFirst: true);
        var f = new MultiheadAttention<float>(8, 2, new Generator(41), batchFirst: true);
        f.LoadStateDict(d.StateDict().ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value.ToArray().Select(v => (float)v).ToArray(), [.. kv.Value.Shape])));
        var x = Rand(42, 2, 5, 8).Detach();
        var xf = Tensor.FromArray(x.ToArray().Select(v => (float)v).ToArray(), [2, 5, 8]);
        var causal = Functional.CausalMask<float>(5, 5);
        var expected = d.Forward(x, x, x, attnMask: Functional.CausalMask<double>(5, 5)).Output.ToArray();
        AttentionReference.Close(expected, [.. f.Forward(xf, xf, xf, attnMask: causal).Output.ToArray().Select(v => (double)v)], 1e-5);
        var chain = new Sequential<float>(new Linear<float>(8, 8, new Generator(43)), f);
        var hidden = ((Linear<float>)chain[0]).Forward(xf);
        Assert.Equal(f.Forward(hidden, hidden, hidden, needWeights: false).Output.ToArray(), chain.Forward(xf).ToArray());
    }

    [Fact]
    public void ModuleForwardIsSelfAttention()
    {
        // Oracle: Forward(x) is documented as Forward(x, x, x) without weights; separate copies of x (which take the
        // unfused projection path) give the same output.
        var mha = new MultiheadAttention<double>(4, 2, new Generator(13));
        var x = Rand(14, 3, 2, 4);
        AttentionReference.Close(mha.Forward(x, x.Clone(), x.Clone(), needWeights: false).Output.ToArray(), mha.Forward(x).ToArray(), 1e-12);
        var (_, none) = mha.Forward(x, x, x, needWeights: false);
        Assert.Null(none);
    }

    [Fact]
    public void FullyPaddedRowGivesNaNAsPyTorch()
    {
        // Oracle: a sample whose every key is padding has a row of −∞ scores: 0/0 in the softmax, NaN as in PyTorch.
        var mha = new MultiheadAttention<double>(2, 1, new Generator(15), batchFirst: true);
        var x = Rand(16, 2, 2, 2);
        double ninf = double.NegativeInfinity;
        var y = mha.Forward(x, x, x, Tensor.FromArray([0, 0, ninf, ninf], [2, 2])).Output.ToArray();
        Assert.All(y[..4], value => Assert.False(double.IsNaN(value)));
        Assert.All(y[4..], value => Assert.True(double.IsNaN(value)));
    }

    [Fact]
    public void StateDictHoldsPyTorchsEntries()
    {
        // Oracle: PyTorch's nn.MultiheadAttention(embed_dim=8, num_heads=2) state_dict(), from its documented parameters:
        // in_proj_weight (3·embed_dim, embed_dim), in_proj_bias (3·embed_dim), out_proj.weight (embed_dim, embed_dim),
        // out_proj.bias (embed_dim); no buffers. With bias=False only in_proj_weight and out_proj.weight.
        var state = new MultiheadAttention<double>(8, 2, new Generator(16)).StateDict();
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], state.Keys);
        Assert.Equal([[24, 8], [24], [8, 8], [8]], state.Values.Select(t => t.Shape.ToArray()));
        Assert.Equal(["in_proj_weight", "out_proj.weight"], new MultiheadAttention<double>(8, 2, new Generator(16), bias: false).StateDict().Keys);
    }

    [Fact]
    public void StartsAsPyTorch()
    {
        // Oracle: PyTorch's _reset_parameters: in_proj_weight ~ Xavier-uniform U(−a, a), a = √(6/(E + 3E)) for the
        // [3E, E] matrix; in_proj_bias and out_proj.bias zero.
        var mha = new MultiheadAttention<double>(8, 2, new Generator(17));
        double a = Math.Sqrt(6.0 / (8 + 24));
        Assert.All(mha.InProjWeight!.ToArray(), w => Assert.InRange(w, -a, a));
        Assert.Equal(new double[24], mha.InProjBias!.ToArray());
        Assert.Equal(new double[8], mha.OutProj.Bias!.ToArray());
        var noBias = new MultiheadAttention<double>(8, 2, new Generator(17), bias: false);
        Assert.Null(noBias.InProjBias);
        Assert.Null(noBias.OutProj.Bias);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void OutputGradientsPassFiniteDifferences(bool batchFirst)
    {
        // Oracle: finite differences, first and second order, with respect to query, key, value and every parameter,
        // with an additive attention mask (finite values and one −∞) and a key-padding mask; key longer than the query.
        var mha = new MultiheadAttention<double>(4, 2, new Generator(18), batchFirst: batchFirst);
        Init.Normal(mha.InProjBias!, new Generator(19));
        var q = Rand(20, 2, 2, 4); // L = N = 2 in either layout
        var k = Rand(21, batchFirst ? [2, 3, 4] : [3, 2, 4]);
        var v = Rand(22, batchFirst ? [2, 3, 4] : [3, 2, 4]);
        var mask = Tensor.FromArray([0.5, double.NegativeInfinity, -0.25, 0, 1, 0], [2, 3]);
        var padding = Tensor.FromArray([0, 0, 0, double.NegativeInfinity, 0, 0], [2, 3]);
        GradCheck.Assert(xs => mha.Forward(xs[0], xs[1], xs[2], padding, needWeights: false, attnMask: mask).Output,
            [q, k, v, .. mha.Parameters()], name: "MultiheadAttention");
    }

    [Fact]
    public void WeightGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences of the averaged attention weights (a function of query, key and the q/k
        // projections), first and second order, with the causal mask; and of self-attention through Forward(x).
        var mha = new MultiheadAttention<double>(4, 2, new Generator(23), batchFirst: true);
        Init.Normal(mha.InProjBias!, new Generator(24));
        var q = Rand(25, 1, 3, 4);
        var k = Rand(26, 1, 3, 4);
        GradCheck.Assert(xs => mha.Forward(xs[0], xs[1], xs[1], isCausal: true).Weights!, [q, k, .. mha.Parameters()], name: "MultiheadAttention weights");
        ModuleGradCheck.Assert(mha, Rand(27, 2, 3, 4));
    }

    [Fact]
    public void BadInputFailsByName()
    {
        // Oracle: the layer's documented requirements, each error naming the layer and the expected and actual shapes.
        Assert.Equal("MultiheadAttention: numHeads 3 does not divide embedDim 8 (embedDim must be a multiple of numHeads)",
            Assert.Throws<ArgumentException>(() => new MultiheadAttention<float>(8, 3, new Generator(1))).Message);
        var mha = new MultiheadAttention<float>(4, 2, new Generator(1), batchFirst: true);
        var x = Tensor.Zeros<float>(2, 3, 4);
        Assert.Equal("MultiheadAttention: key has 5 features, expected embedDim 4 (key shape [2, 3, 5])",
            Assert.Throws<ArgumentException>(() => mha.Forward(x, Tensor.Zeros<float>(2, 3, 5), x)).Message);
        Assert.Equal("MultiheadAttention: query must be [N, L, E] or unbatched [L, E], got shape [4]",
            Assert.Throws<ArgumentException>(() => mha.Forward(Tensor.Zeros<float>(4))).Message);
        Assert.Equal("MultiheadAttention: key has 3 positions but value has 2 (key shape [2, 3, 4], value shape [2, 2, 4])",
            Assert.Throws<ArgumentException>(() => mha.Forward(x, x, Tensor.Zeros<float>(2, 2, 4))).Message);
        Assert.Equal("MultiheadAttention: attnMask has shape [3, 2], expected [L, S] = [3, 3], [N·numHeads, L, S] = [4, 3, 3] or a 4-D shape broadcasting to [N, numHeads, L, S] = [2, 2, 3, 3]",
            Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, attnMask: Tensor.Zeros<float>(3, 2))).Message);
        Assert.Equal("MultiheadAttention: keyPaddingMask has shape [3, 2], expected [N, S] = [2, 3]",
            Assert.Throws<ArgumentException>(() => mha.Forward(x, x, x, Tensor.Zeros<float>(3, 2))).Message);
    }
}
