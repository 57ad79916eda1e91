using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>
/// MultiheadAttention's PyTorch options: separate key and value sizes (kdim, vdim, with separate projections), a learned
/// bias row appended to the keys and values (addBiasKv) and a zero key and value (addZeroAttn). Oracles: the loop
/// reference (AttentionReference.MultiHeadWithOptions), PyTorch's documented parameter names and shapes, and finite
/// differences.
/// </summary>
public class MultiheadAttentionOptionsTests
{
    private static Tensor<double> Rand(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);

    /// <summary>Runs <paramref name="mha"/> (batch first) on random inputs with both masks and compares the output and the
    /// per-head weights with the loop reference, then the output of the fused path (no weights).</summary>
    private static void MatchesReference(MultiheadAttention<double> mha, bool causal)
    {
        int n = 2, l = 3, s = 4, e = mha.EmbedDim, heads = mha.NumHeads;
        Init.Normal(mha.InProjBias!, new Generator(30));
        Init.Normal(mha.OutProj.Bias!, new Generator(31));
        var q = Rand(32, n, l, e);
        var k = Rand(33, n, s, mha.KDim);
        var v = Rand(34, n, s, mha.VDim);
        var attn = Rand(35, l, s).Detach();
        var padding = new double[n * s];
        padding[s + 1] = double.NegativeInfinity; // sample 1 may not attend to key 1
        var (output, weights) = mha.Forward(q, k, v, Tensor.FromArray(padding, [n, s]), attnMask: attn, averageAttnWeights: false, isCausal: causal);
        double[] Rows(Tensor<double>? packed, Tensor<double>? own, int block) =>
            own?.ToArray() ?? packed!.Narrow(0, block * e, e).ToArray();
        var (expected, expectedWeights) = AttentionReference.MultiHeadWithOptions(q.ToArray(), k.ToArray(), v.ToArray(), n, l, s, e,
            mha.KDim, mha.VDim, heads, Rows(mha.InProjWeight, mha.QProjWeight, 0), Rows(mha.InProjWeight, mha.KProjWeight, 1),
            Rows(mha.InProjWeight, mha.VProjWeight, 2), mha.InProjBias!.ToArray(), mha.BiasK?.ToArray(), mha.BiasV?.ToArray(),
            mha.AddZeroAttn, mha.OutProj.Weight.ToArray(), mha.OutProj.Bias!.ToArray(), attn.ToArray(), padding, causal);
        AttentionReference.Close(expected, output.ToArray());
        AttentionReference.Close(expectedWeights, weights!.ToArray());
        // Without the weights the fused attention op runs instead: the same output.
        var fused = mha.Forward(q, k, v, Tensor.FromArray(padding, [n, s]), needWeights: false, attnMask: attn, isCausal: causal).Output;
        AttentionReference.Close(expected, fused.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SeparateKeyAndValueSizesMatchTheLoopReference(bool causal) =>
        MatchesReference(new MultiheadAttention<double>(4, 2, new Generator(36), batchFirst: true, kdim: 3, vdim: 5), causal);

    [Theory]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(true, true, false)]
    [InlineData(true, true, true)]
    public void BiasAndZeroKeysMatchTheLoopReference(bool addBiasKv, bool addZeroAttn, bool causal) =>
        MatchesReference(new MultiheadAttention<double>(4, 2, new Generator(37), batchFirst: true, addBiasKv: addBiasKv, addZeroAttn: addZeroAttn), causal);

    [Fact]
    public void AllOptionsTogetherMatchTheLoopReference() =>
        MatchesReference(new MultiheadAttention<double>(4, 2, new Generator(38), batchFirst: true, addBiasKv: true, addZeroAttn: true, kdim: 6, vdim: 2), causal: true);

    [Fact]
    public void StateDictHoldsPyTorchsEntries()
    {
        // Oracle: PyTorch's nn.MultiheadAttention documented parameters. With kdim or vdim other than embed_dim:
        // q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim) and no in_proj_weight; add_bias_kv adds
        // bias_k and bias_v of shape (1, 1, E).
        var separate = new MultiheadAttention<double>(8, 2, new Generator(39), kdim: 3, vdim: 5, addBiasKv: true).StateDict();
        Assert.Equal(["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"], separate.Keys);
        Assert.Equal([[8, 8], [8, 3], [8, 5], [24], [1, 1, 8], [1, 1, 8], [8, 8], [8]], separate.Values.Select(t => t.Shape.ToArray()));
        var packed = new MultiheadAttention<double>(8, 2, new Generator(39), addBiasKv: true, addZeroAttn: true).StateDict();
        Assert.Equal(["in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight", "out_proj.bias"], packed.Keys);
    }

    [Fact]
    public void StartsAsPyTorch()
    {
        // Oracle: PyTorch's _reset_parameters: each separate projection Xavier-uniform, a = √(6/(fan_in + fan_out));
        // bias_k, bias_v Xavier-normal, fan_in = fan_out = E for a (1, 1, E) tensor (σ = √(2/(2E))), so not all zero.
        var mha = new MultiheadAttention<double>(8, 2, new Generator(40), kdim: 3, vdim: 5, addBiasKv: true);
        Assert.All(mha.QProjWeight!.ToArray(), w => Assert.InRange(w, -Math.Sqrt(6.0 / 16), Math.Sqrt(6.0 / 16)));
        Assert.All(mha.KProjWeight!.ToArray(), w => Assert.InRange(w, -Math.Sqrt(6.0 / 11), Math.Sqrt(6.0 / 11)));
        Assert.All(mha.VProjWeight!.ToArray(), w => Assert.InRange(w, -Math.Sqrt(6.0 / 13), Math.Sqrt(6.0 / 13)));
        Assert.Null(mha.InProjWeight);
        Assert.Contains(mha.BiasK!.ToArray(), x => x != 0);
        Assert.Contains(mha.BiasV!.ToArray(), x => x != 0);
    }

    [Fact]
    public void GradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, with respect to query, key, value and every parameter
        // (separate projections, bias_k, bias_v), with a zero key, a key-padding mask and the causal mask.
        var mha = new MultiheadAttention<double>(4, 2, new Generator(41), batchFirst: true, addBiasKv: true, addZeroAttn: true, kdim: 3, vdim: 2);
        Init.Normal(mha.InProjBias!, new Generator(42));
        var q = Rand(43, 2, 2, 4);
        var k = Rand(44, 2, 3, 3);
        var v = Rand(45, 2, 3, 2);
        var padding = Tensor.FromArray([0, 0, 0, double.NegativeInfinity, 0, 0], [2, 3]);
        GradCheck.Assert(xs => mha.Forward(xs[0], xs[1], xs[2], padding, needWeights: true, isCausal: true).Output,
            [q, k, v, .. mha.Parameters()], name: "MultiheadAttention options");
    }

    [Fact]
    public void KeyAndValueOfTheWrongSizeFailByName()
    {
        var mha = new MultiheadAttention<double>(4, 2, new Generator(46), batchFirst: true, kdim: 3, vdim: 5);
        var q = Rand(47, 1, 2, 4);
        var e1 = Assert.Throws<ArgumentException>(() => mha.Forward(q, Rand(48, 1, 2, 4), Rand(49, 1, 2, 5)));
        Assert.Contains("key has 4 features, expected kdim 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => mha.Forward(q, Rand(48, 1, 2, 3), Rand(49, 1, 2, 4)));
        Assert.Contains("value has 4 features, expected vdim 5", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new MultiheadAttention<double>(4, 2, new Generator(46), kdim: 0));
    }
}
