using Autograd.Checking;
using Autograd.NN;
using Autograd.Tests.NN;

namespace Autograd.Tests.Core;

/// <summary>
/// The fused ScaledDotProductAttention op on sizes where its kernel splits the heads over the workers (the registry's
/// rows in OpCatalog.Attention.cs cover the small cases, first and second order; here Σ L·S·(E + Ev) over the heads
/// is above twice the kernel's 2¹⁵ per task, and long sequences take its blocked causal products): values against the loop reference,
/// gradients against the same attention composed of MatMul and Softmax, and its errors.
/// </summary>
public class AttentionOpTests
{
    private static Tensor<double> Rand(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);

    [Theory]
    [InlineData(false, false, 0.3, 6, 24, 17)]
    [InlineData(true, false, 0.3, 6, 24, 17)]
    [InlineData(true, true, -0.6, 6, 24, 17)]
    [InlineData(true, true, 0.2, 1, 150, 140)]
    [InlineData(true, false, 0.2, 1, 133, 170)]
    public void ManyHeadsMatchTheLoopReference(bool causal, bool masked, double scale, int n, int l, int s)
    {
        // Oracle: AttentionReference.Head (plain loops) on each of the n·3 heads, E = 8, Ev = 5. L = 24 queries and
        // S = 17 keys: fewer keys than queries, so causal rows past 17 see every key; a negative scale must not turn the
        // causal −∞ into +∞. L = 150 or 133 (above the kernel's 128-row block): the causal products are cut into blocks.
        const int heads = 3, e = 8, ev = 5;
        var q = Rand(1, n, heads, l, e);
        var k = Rand(2, n, heads, s, e);
        var v = Rand(3, n, heads, s, ev);
        var mask = masked ? Rand(4, l, s) : null;
        var y = q.ScaledDotProductAttention(k, v, mask, causal, scale).ToArray();
        double[] qa = q.ToArray(), ka = k.ToArray(), va = v.ToArray();
        for (int h = 0; h < n * heads; h++)
        {
            var (expected, _) = AttentionReference.Head(qa[(h * l * e)..((h + 1) * l * e)], ka[(h * s * e)..((h + 1) * s * e)],
                va[(h * s * ev)..((h + 1) * s * ev)], l, s, e, ev, mask?.ToArray(), causal, scale);
            AttentionReference.Close(expected, y[(h * l * ev)..((h + 1) * l * ev)]);
        }
    }

    [Theory]
    [InlineData(false, 4, 20, 20)]
    [InlineData(true, 4, 20, 20)]
    [InlineData(true, 1, 150, 140)]
    [InlineData(true, 1, 133, 170)]
    public void ManyHeadsGradientsMatchTheComposite(bool causal, int n, int l, int s)
    {
        // Oracle: the gradients of softmax(s·Q·Kᵀ + M)·V built from MatMul, Softmax and an additive causal mask, whose
        // rules are checked by finite differences on their own; the cotangent is random, so every entry counts. The
        // long sequences (L above the kernel's 128-row block) take the blocked causal products, with keys no query sees
        // when S > L.
        const int heads = 5, e = 6, ev = 7;
        const double scale = 0.4;
        var q = Rand(5, n, heads, l, e);
        var k = Rand(6, n, heads, s, e);
        var v = Rand(7, n, heads, s, ev);
        var w = Rand(8, n, heads, l, ev);
        (q.ScaledDotProductAttention(k, v, null, causal, scale) * w).Sum().Backward();
        double[] dq = q.Grad!.ToArray(), dk = k.Grad!.ToArray(), dv = v.Grad!.ToArray();
        (q.Grad, k.Grad, v.Grad) = (null, null, null);
        var scores = (q * scale).MatMul(k.MT);
        if (causal) scores += Functional.CausalMask<double>(l, s);
        (scores.Softmax(-1).MatMul(v) * w).Sum().Backward();
        AttentionReference.Close(q.Grad!.ToArray(), dq);
        AttentionReference.Close(k.Grad!.ToArray(), dk);
        AttentionReference.Close(v.Grad!.ToArray(), dv);
    }

    [Fact]
    public void FloatAgreesWithDouble()
    {
        // Oracle: the double op on the same values; float rounds each of the ≈ S + E terms of a sum to ε/2 relative.
        var q = Rand(9, 8, 2, 16, 8);
        var k = Rand(10, 8, 2, 16, 8);
        var v = Rand(11, 8, 2, 16, 8);
        var expected = q.ScaledDotProductAttention(k, v, null, true, 0.35).ToArray();
        static Tensor<float> F(Tensor<double> t) => Tensor.FromArray(t.ToArray().Select(x => (float)x).ToArray(), [.. t.Shape]);
        var actual = F(q).ScaledDotProductAttention(F(k), F(v), null, true, 0.35f).ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5);
    }

    [Fact]
    public void BadShapesNameTheOpAndTheShapes()
    {
        var q = Rand(1, 2, 3, 4);
        var ex = Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(Rand(2, 3, 3, 4), Rand(3, 3, 3, 4), null, false, 1.0));
        Assert.Contains("ScaledDotProductAttention", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);
        Assert.Contains("[3, 3, 4]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(Rand(2, 2, 3, 5), Rand(3, 2, 3, 4), null, false, 1.0));
        Assert.Contains("query has 4 features but key has 5", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => q.ScaledDotProductAttention(Rand(2, 2, 5, 4), Rand(3, 2, 3, 4), null, false, 1.0));
        Assert.Contains("key has 5 positions but value has 3", ex.Message);
    }
}
