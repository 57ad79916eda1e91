using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Scaled dot-product attention (Functional.ScaledDotProductAttention).</summary>
public class AttentionTests
{
    private static Tensor<double> Rand(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);

    [Fact]
    public void CausalHandCase()
    {
        // Oracle (hand computation), E = 2, scale 1/√2: q = k = I (rows [1, 0], [0, 1]), v = [[1, 2], [3, 4]].
        // Row 0 may only see key 0: output [1, 2]. Row 1 sees both: scores [q1·k0, q1·k1]/√2 = [0, a] with a = 1/√2,
        // weights [1/(1 + eᵃ), eᵃ/(1 + eᵃ)] = [1 − p, p], output (1 − p)·[1, 2] + p·[3, 4] = [1 + 2p, 2 + 2p].
        var eye = Tensor.FromArray([1.0, 0, 0, 1], [2, 2]);
        var v = Tensor.FromArray([1.0, 2, 3, 4], [2, 2]);
        var y = Functional.ScaledDotProductAttention(eye, eye, v, attnMask: null, isCausal: true).ToArray();
        double p = Math.Exp(1 / Math.Sqrt(2)) / (1 + Math.Exp(1 / Math.Sqrt(2)));
        AttentionReference.Close([1, 2, 1 + 2 * p, 2 + 2 * p], y);
    }

    [Fact]
    public void AdditiveMaskShiftsScores()
    {
        // Oracle (hand computation): one query, q·k = 0 for both keys (q = [0, 0]), so the scores are the mask [ln 3, 0]:
        // weights [3/4, 1/4], output 3/4·[4, 0] + 1/4·[0, 8] = [3, 2]. A −∞ entry blocks its key: mask [−∞, 0] gives [0, 8].
        var q = Tensor.Zeros<double>(1, 2);
        var k = Tensor.FromArray([1.0, 2, 3, 4], [2, 2]);
        var v = Tensor.FromArray([4.0, 0, 0, 8], [2, 2]);
        AttentionReference.Close([3, 2], Functional.ScaledDotProductAttention(q, k, v, Tensor.FromArray([Math.Log(3), 0], [1, 2])).ToArray());
        AttentionReference.Close([0, 8], Functional.ScaledDotProductAttention(q, k, v, Tensor.FromArray([double.NegativeInfinity, 0], [1, 2])).ToArray());
    }

    [Theory]
    [InlineData(3, 5, false)]
    [InlineData(4, 2, false)]
    [InlineData(3, 3, true)]
    [InlineData(2, 4, true)]
    [InlineData(4, 3, true)]
    public void MatchesTheLoopReference(int l, int s, bool causal)
    {
        // Oracle: AttentionReference.Head (loops over arrays) for each of the N·H = 2·3 batch entries, with an additive
        // mask [L, S] of finite values broadcast over the batch; key longer or shorter than the query; Ev ≠ E.
        int e = 4, ev = 3;
        var q = Rand(1, 2, 3, l, e);
        var k = Rand(2, 2, 3, s, e);
        var v = Rand(3, 2, 3, s, ev);
        var mask = Rand(4, l, s);
        var y = Functional.ScaledDotProductAttention(q, k, v, mask, isCausal: causal).ToArray();
        double[] qa = q.ToArray(), ka = k.ToArray(), va = v.ToArray();
        for (int b = 0; b < 6; b++)
        {
            var (o, _) = AttentionReference.Head(qa[(b * l * e)..((b + 1) * l * e)], ka[(b * s * e)..((b + 1) * s * e)],
                va[(b * s * ev)..((b + 1) * s * ev)], l, s, e, ev, mask.ToArray(), causal, 1 / Math.Sqrt(e));
            AttentionReference.Close(o, y[(b * l * ev)..((b + 1) * l * ev)]);
        }
    }

    [Fact]
    public void ExplicitScaleReplacesTheDefault()
    {
        // Oracle: softmax(q·kᵀ·s)·v with s = 1 equals the default (s = 1/√E) on q multiplied by √E.
        var q = Rand(5, 2, 3, 4);
        var k = Rand(6, 2, 5, 4);
        var v = Rand(7, 2, 5, 4);
        var expected = Functional.ScaledDotProductAttention(q * 2.0, k, v).ToArray();
        AttentionReference.Close(expected, Functional.ScaledDotProductAttention(q, k, v, scale: 1).ToArray(), 1e-12);
    }

    [Fact]
    public void BooleanMaskTrueKeepsAsPyTorch()
    {
        // Oracle: PyTorch's convention for scaled_dot_product_attention: a boolean attn_mask is true where attention is
        // allowed, so it equals the additive mask with −∞ where the boolean is false.
        var q = Rand(8, 2, 3, 4);
        var k = Rand(9, 2, 2, 4);
        var v = Rand(10, 2, 2, 4);
        bool[,] keep = { { true, false }, { true, true }, { false, true } };
        double ninf = double.NegativeInfinity;
        var additive = Tensor.FromArray([0, ninf, 0, 0, ninf, 0], [3, 2]);
        AttentionReference.Close(Functional.ScaledDotProductAttention(q, k, v, additive).ToArray(),
            Functional.ScaledDotProductAttention(q, k, v, attnKeep: keep).ToArray(), 0);
    }

    [Fact]
    public void FullyBlockedRowGivesNaNAsPyTorch()
    {
        // Oracle: softmax of a row of −∞ is 0/0 (PyTorch's reference computation gives NaN); other rows are unaffected.
        var q = Rand(11, 2, 2);
        var k = Rand(12, 2, 2);
        var v = Rand(13, 2, 2);
        double ninf = double.NegativeInfinity;
        var y = Functional.ScaledDotProductAttention(q, k, v, Tensor.FromArray([ninf, ninf, 0, 0], [2, 2])).ToArray();
        Assert.True(double.IsNaN(y[0]) && double.IsNaN(y[1]));
        Assert.False(double.IsNaN(y[2]) || double.IsNaN(y[3]));
    }

    [Fact]
    public void CausalMaskIsTopLeftAligned()
    {
        // Oracle: PyTorch's tril(ones(L, S)) alignment: row i keeps keys 0..i; for L = 2, S = 3: [[0, −∞, −∞], [0, 0, −∞]].
        double ninf = double.NegativeInfinity;
        Assert.Equal([0, ninf, ninf, 0, 0, ninf], Functional.CausalMask<double>(2, 3).ToArray());
    }

    [Theory]
    [InlineData(3, 3, false, true)]
    [InlineData(3, 3, true, false)]
    [InlineData(2, 4, true, true)]
    [InlineData(4, 2, false, true)]
    public void GradientsPassFiniteDifferences(int l, int s, bool causal, bool masked)
    {
        // Oracle: finite differences, first and second order, with respect to q, k and v; the mask mixes finite values
        // and −∞ entries (never a whole row).
        var q = Rand(20, 2, 2, l, 3);
        var k = Rand(21, 2, 2, s, 3);
        var v = Rand(22, 2, 2, s, 2);
        Tensor<double>? mask = null;
        if (masked)
        {
            var values = Rand(23, l, s).Detach().ToArray();
            for (int i = 0; i < l; i++) if (s > 1) values[i * s + (i + 1) % s] = double.NegativeInfinity;
            mask = Tensor.FromArray(values, [l, s]);
        }
        GradCheck.Assert(xs => Functional.ScaledDotProductAttention(xs[0], xs[1], xs[2], mask, isCausal: causal), [q, k, v],
            name: "ScaledDotProductAttention");
    }

    [Fact]
    public void MaskedAttentionPassesAnomalyDetectionMeantForMasks()
    {
        // Oracle: DetectAnomaly(checkForwardInfinity: false) is documented for additive masks holding −∞: their scores
        // are infinite on purpose, but no op yields NaN and every gradient is finite (a blocked score's softmax gradient
        // is y·(g − Σ g·y) = 0·… = 0), so forward and backward run without an anomaly and the gradients are finite.
        var q = Rand(40, 2, 3, 4);
        var k = Rand(41, 2, 3, 4);
        var v = Rand(42, 2, 3, 4);
        using (Tensor.DetectAnomaly(checkForwardInfinity: false))
            Functional.ScaledDotProductAttention(q, k, v, Tensor.FromArray([0, double.NegativeInfinity, 0], [1, 3]), isCausal: true).Sum().Backward();
        Assert.All(new[] { q, k, v }.SelectMany(t => t.Grad!.ToArray()), g => Assert.True(double.IsFinite(g)));
    }

    [Fact]
    public void DropoutNeedsAGeneratorAndDropsWeights()
    {
        // Oracle: dropout with p = 1 zeroes every weight, so the output [2, 2] is 0; without a generator it is refused by name.
        var q = Rand(30, 2, 3);
        var k = Rand(31, 4, 3);
        var v = Rand(32, 4, 2);
        Assert.Equal(new double[4], Functional.ScaledDotProductAttention(q, k, v, dropoutP: 1, generator: new Generator(1)).ToArray());
        Assert.Equal("ScaledDotProductAttention: dropout probability 0.5 needs a generator for its masks",
            Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, k, v, dropoutP: 0.5)).Message);
    }

    [Fact]
    public void BadShapesFailByName()
    {
        // Oracle: q and k must agree in features, k and v in positions, and the mask must broadcast to [*, L, S].
        var q = Tensor.Zeros<double>(2, 3, 4);
        Assert.Equal("ScaledDotProductAttention: query has 4 features but key has 5 (query shape [2, 3, 4], key shape [2, 6, 5])",
            Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros<double>(2, 6, 5), Tensor.Zeros<double>(2, 6, 4))).Message);
        Assert.Equal("ScaledDotProductAttention: key has 6 positions but value has 7 (key shape [2, 6, 4], value shape [2, 7, 4])",
            Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros<double>(2, 6, 4), Tensor.Zeros<double>(2, 7, 4))).Message);
        Assert.Equal("ScaledDotProductAttention: attention mask of shape [6, 3] does not broadcast to the scores' shape [*, L, S] = [2, 3, 6]",
            Assert.Throws<ArgumentException>(() => Functional.ScaledDotProductAttention(q, Tensor.Zeros<double>(2, 6, 4), Tensor.Zeros<double>(2, 6, 4), Tensor.Zeros<double>(6, 3))).Message);
    }

    [Fact]
    public void PackedSelfAttentionRejectsBadShapesByName()
    {
        // Oracle: qkv must be 3-D with 3·h·d features, h positive, and the mask must broadcast to [N, h, L, L].
        var qkv = Tensor.Zeros<double>(2, 3, 12);
        Assert.Equal("PackedSelfAttention: qkv must be [N, L, 3·E] (batch first) or [L, N, 3·E] with E a multiple of 3 heads, got shape [2, 3, 12]",
            Assert.Throws<ArgumentException>(() => qkv.PackedSelfAttention(3, null, false, 1.0)).Message);
        Assert.Equal("PackedSelfAttention: qkv must be [N, L, 3·E] (batch first) or [L, N, 3·E] with E a multiple of 2 heads, got shape [6, 12]",
            Assert.Throws<ArgumentException>(() => Tensor.Zeros<double>(6, 12).PackedSelfAttention(2, null, false, 1.0)).Message);
        Assert.StartsWith("PackedSelfAttention: heads must be positive, got 0",
            Assert.Throws<ArgumentOutOfRangeException>(() => qkv.PackedSelfAttention(0, null, false, 1.0)).Message);
        Assert.Equal("PackedSelfAttention: attention mask of shape [3, 2] does not broadcast to the scores' shape [N, h, L, L] = [2, 2, 3, 3]",
            Assert.Throws<ArgumentException>(() => qkv.PackedSelfAttention(2, Tensor.Zeros<double>(3, 2), false, 1.0)).Message);
        Assert.Equal("PackedSelfAttention: attention mask of shape [2, 1, 3, 3, 3] does not broadcast to the scores' shape [N, h, L, L] = [2, 2, 3, 3]",
            Assert.Throws<ArgumentException>(() => qkv.PackedSelfAttention(2, Tensor.Zeros<double>(2, 1, 3, 3, 3), false, 1.0)).Message);
        // Sequence first: [L, N, 3E] = [2, 3, 12] is L = 2, N = 3, so an [L, L] = [2, 2] mask fits and a [3, 3] one does not.
        Assert.Equal([2, 3, 4], qkv.PackedSelfAttention(2, Tensor.Zeros<double>(2, 2), false, 1.0, batchFirst: false).Shape.ToArray());
        Assert.Throws<ArgumentException>(() => qkv.PackedSelfAttention(2, Tensor.Zeros<double>(3, 3), false, 1.0, batchFirst: false));
    }
}
