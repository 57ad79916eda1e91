using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>TransformerEncoderLayer and TransformerEncoder: wiring of pre- and post-norm, activations, masks, copies, gradients.</summary>
public class TransformerTests
{
    private static Tensor<double> Rand(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);

    /// <summary>LayerNorm of one row by its formula: (x − μ)/√(σ² + ε), σ² the biased variance, ε = 1e-5.</summary>
    private static double[] Normalize(double[] x)
    {
        double mean = x.Average(), variance = x.Select(v => (v - mean) * (v - mean)).Average();
        return [.. x.Select(v => (v - mean) / Math.Sqrt(variance + 1e-5))];
    }

    /// <summary>
    /// A dModel = 4 block whose attention branch is zero (out_proj weight and bias 0) and whose feed-forward branch is
    /// linear2(act(linear1(x))) with linear1 = I (dimFeedforward 4, bias 0), linear2 = <paramref name="w2"/> scaled
    /// identity with bias <paramref name="b2"/>; norms at their start (γ = 1, β = 0).
    /// </summary>
    private static TransformerEncoderLayer<double> Simple(bool normFirst, string activation, double w2, double[] b2)
    {
        var layer = new TransformerEncoderLayer<double>(dModel: 4, nHead: 2, dimFeedforward: 4, generator: new Generator(1),
            dropout: 0, activation: activation, batchFirst: true, normFirst: normFirst);
        double[] eye = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
        using (Tensor.NoGrad())
        {
            layer.SelfAttn.OutProj.Weight.CopyFrom(Tensor.Zeros<double>(4, 4));
            layer.Linear1.Weight.CopyFrom(Tensor.FromArray(eye, [4, 4]));
            layer.Linear1.Bias!.CopyFrom(Tensor.Zeros<double>(4));
            layer.Linear2.Weight.CopyFrom(Tensor.FromArray(eye, [4, 4]) * w2);
            layer.Linear2.Bias!.CopyFrom(Tensor.FromArray(b2));
        }
        return layer;
    }

    private static readonly double[] Row = [1, 2, 4, 7];

    [Fact]
    public void PreNormAddsTheBranchesToTheInput()
    {
        // Oracle (hand derivation): pre-norm y = x + SA(norm1(x)) + FF(norm2(x + SA)); SA = 0 here, and with linear2 = 0·I
        // FF = b₂, so y = x + b₂ exactly: [1 + 1, 2 − 2, 4 + 0.5, 7 + 0] = [2, 0, 4.5, 7].
        var layer = Simple(normFirst: true, "relu", w2: 0, b2: [1, -2, 0.5, 0]);
        AttentionReference.Close([2, 0, 4.5, 7], layer.Forward(Tensor.FromArray(Row, [1, 1, 4])).ToArray(), 1e-12);
    }

    [Fact]
    public void PostNormNormalisesAfterEachResidual()
    {
        // Oracle (hand derivation): post-norm y = norm2(x₁ + FF(x₁)) with x₁ = norm1(x + SA(x)) = LN(x) (SA = 0), and
        // FF = b₂ (linear2 = 0·I), so y = LN(LN(x) + b₂), LN computed by its formula in Normalize.
        double[] b2 = [1, -2, 0.5, 0];
        var layer = Simple(normFirst: false, "relu", w2: 0, b2);
        var inner = Normalize(Row);
        var expected = Normalize([.. inner.Select((v, i) => v + b2[i])]);
        AttentionReference.Close(expected, layer.Forward(Tensor.FromArray(Row, [1, 1, 4])).ToArray(), 1e-12);
    }

    [Fact]
    public void ActivationSitsBetweenTheFeedForwardLayers()
    {
        // Oracle (hand derivation): pre-norm with linear1 = linear2 = I and no biases: y = x + act(LN(x)).
        // ReLU: x + max(LN(x), 0). GELU (exact, as PyTorch's default): x + z·Φ(z) with Φ(z) = ½(1 + erf(z/√2)), erf by its
        // Maclaurin series 2/√π Σ (−1)ⁿ u^(2n+1)/(n!(2n+1)) (|u| &lt; 1.2 here, 40 terms are exact to double precision).
        var z = Normalize(Row);
        var relu = Simple(normFirst: true, "relu", w2: 1, b2: new double[4]);
        AttentionReference.Close([.. Row.Select((x, i) => x + Math.Max(z[i], 0))], relu.Forward(Tensor.FromArray(Row, [1, 1, 4])).ToArray(), 1e-12);
        static double Erf(double u)
        {
            double sum = 0, term = u; // term = (−1)ⁿ u^(2n+1)/n!
            for (int n = 0; n < 40; n++, term *= -u * u / n) sum += term / (2 * n + 1);
            return 2 / Math.Sqrt(Math.PI) * sum;
        }
        var gelu = Simple(normFirst: true, "gelu", w2: 1, b2: new double[4]);
        AttentionReference.Close([.. Row.Select((x, i) => x + z[i] * 0.5 * (1 + Erf(z[i] / Math.Sqrt(2))))],
            gelu.Forward(Tensor.FromArray(Row, [1, 1, 4])).ToArray(), 1e-12);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LayerIsTheDocumentedComposition(bool normFirst)
    {
        // Oracle: PyTorch's documented forward written out with the submodules, masks passed to self_attn:
        // post-norm x₁ = norm1(x + SA(x)), y = norm2(x₁ + FF(x₁)); pre-norm x₁ = x + SA(norm1(x)), y = x₁ + FF(norm2(x₁)),
        // FF(x) = linear2(gelu(linear1(x))).
        var layer = new TransformerEncoderLayer<double>(8, 2, new Generator(2), dimFeedforward: 16, dropout: 0, activation: "gelu", normFirst: normFirst);
        var x = Rand(3, 3, 2, 8); // [L, N, E]
        var padding = Tensor.FromArray([0, 0, double.NegativeInfinity, 0, 0, 0], [2, 3]);
        Tensor<double> Sa(Tensor<double> t) => layer.SelfAttn.Forward(t, t, t, padding, needWeights: false, isCausal: true).Output;
        Tensor<double> Ff(Tensor<double> t) => layer.Linear2.Forward(layer.Linear1.Forward(t).Gelu());
        Tensor<double> expected;
        if (normFirst)
        {
            var x1 = x + Sa(layer.Norm1.Forward(x));
            expected = x1 + Ff(layer.Norm2.Forward(x1));
        }
        else
        {
            var x1 = layer.Norm1.Forward(x + Sa(x));
            expected = layer.Norm2.Forward(x1 + Ff(x1));
        }
        AttentionReference.Close(expected.ToArray(), layer.Forward(x, srcMask: null, srcKeyPaddingMask: padding, isCausal: true).ToArray(), 1e-12);
        bool[,] blocked = { { false, false, true }, { false, false, false } };
        AttentionReference.Close(expected.ToArray(), layer.Forward(x, srcBlocked: null, srcKeyPadding: blocked, isCausal: true).ToArray(), 0);
    }

    [Fact]
    public void HooksOnTheFeedForwardLayersStillRun()
    {
        // The layer runs linear1 → GELU → linear2 as one FeedForward op only when nothing observes the middle. Oracle: with
        // a forward hook on linear1 that doubles its output, the layer equals x₁ + linear2(gelu(2·linear1(norm2(x₁)))),
        // x₁ = x + SA(norm1(x)), written with the submodules (the hook removed); the hook ran once per forward. Removed,
        // the layer is again the plain composition.
        var layer = new TransformerEncoderLayer<double>(8, 2, new Generator(12), dimFeedforward: 16, dropout: 0, activation: "gelu",
            batchFirst: true, normFirst: true);
        var x = Rand(13, 2, 3, 8);
        Tensor<double> Expected(double scale)
        {
            var sa = layer.SelfAttn.Forward(layer.Norm1.Forward(x), layer.Norm1.Forward(x), layer.Norm1.Forward(x), needWeights: false).Output;
            var x1 = x + sa;
            return x1 + layer.Linear2.Forward((layer.Linear1.Forward(layer.Norm2.Forward(x1)) * scale).Gelu());
        }
        var plain = Expected(1).ToArray();
        var doubled = Expected(2).ToArray();
        int calls = 0;
        var handle = layer.Linear1.RegisterForwardHook((_, _, output) => { calls++; return output * 2.0; });
        AttentionReference.Close(doubled, layer.Forward(x).ToArray(), 1e-12);
        Assert.Equal(1, calls);
        handle.Dispose();
        AttentionReference.Close(plain, layer.Forward(x).ToArray(), 1e-12);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void DropoutIsOffInEvaluation()
    {
        // Oracle: in evaluation every dropout is the identity, so a block with dropout 0.5 equals the same parameters with
        // dropout 0; in training the outputs differ (masks are drawn).
        var g = new Generator(4);
        var noisy = new TransformerEncoderLayer<double>(4, 2, g, dimFeedforward: 8, dropout: 0.5, batchFirst: true);
        var clean = new TransformerEncoderLayer<double>(4, 2, new Generator(5), dimFeedforward: 8, dropout: 0, batchFirst: true);
        clean.LoadStateDict(noisy.StateDict());
        var x = Rand(6, 2, 3, 4);
        var expected = clean.Forward(x).ToArray();
        Assert.NotEqual(expected, noisy.Forward(x).ToArray());
        noisy.Eval();
        AttentionReference.Close(expected, noisy.Forward(x).ToArray(), 0);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void LayerGradientsPassFiniteDifferences(bool normFirst, bool batchFirst)
    {
        // Oracle: finite differences, first and second order, with respect to the input and every parameter, with a
        // key-padding mask and the causal mask.
        var layer = new TransformerEncoderLayer<double>(4, 2, new Generator(7), dimFeedforward: 6, dropout: 0, activation: "gelu",
            batchFirst: batchFirst, normFirst: normFirst);
        var x = Rand(8, 3, 2, 4);
        int n = batchFirst ? 3 : 2, l = batchFirst ? 2 : 3;
        var padding = new double[n * l];
        padding[l - 1] = double.NegativeInfinity;
        var mask = Tensor.FromArray(padding, [n, l]);
        GradCheck.Assert(xs => layer.Forward(xs[0], srcKeyPaddingMask: mask, isCausal: true), [x, .. layer.Parameters()], name: "TransformerEncoderLayer");
    }

    [Fact]
    public void EncoderStacksCopiesThenNorms()
    {
        // Oracle: PyTorch's TransformerEncoder deep-copies the layer: each block starts with the layer's values in tensors
        // of its own; forward is norm(layer₁(layer₀(x))) with the same masks for every block.
        var layer = new TransformerEncoderLayer<double>(4, 2, new Generator(9), dimFeedforward: 8, dropout: 0);
        var encoder = new TransformerEncoder<double>(layer, numLayers: 2, norm: new LayerNorm<double>(4));
        Assert.Equal(2, encoder.NumLayers);
        var blocks = encoder.Layers.Cast<TransformerEncoderLayer<double>>().ToArray();
        foreach (var block in blocks)
        {
            Assert.NotSame(layer, block);
            Assert.NotSame(layer.Linear1.Weight, block.Linear1.Weight);
            Assert.Equal(layer.Parameters().SelectMany(p => p.ToArray()), block.Parameters().SelectMany(p => p.ToArray()));
        }
        Assert.Equal(layer.ParameterCount() * 2 + 8, encoder.ParameterCount());
        var x = Rand(10, 3, 2, 4);
        var mask = Rand(11, 3, 3).Detach();
        var expected = encoder.Norm!.Forward(blocks[1].Forward(blocks[0].Forward(x, mask, isCausal: true), mask, isCausal: true));
        AttentionReference.Close(expected.ToArray(), encoder.Forward(x, mask, isCausal: true).ToArray(), 0);
    }

    [Fact]
    public void EncoderFromAFactoryGradientsPassFiniteDifferences()
    {
        // Oracle: finite differences, first and second order, through a pre-norm stack of two blocks and a final norm,
        // with respect to the input and every parameter; each factory call initialises its own block.
        var g = new Generator(12);
        var encoder = new TransformerEncoder<double>(() => new TransformerEncoderLayer<double>(4, 2, g, dimFeedforward: 4, dropout: 0,
            activation: "gelu", batchFirst: true, normFirst: true), 2, new LayerNorm<double>(4));
        var first = (TransformerEncoderLayer<double>)encoder.Layers[0];
        var second = (TransformerEncoderLayer<double>)encoder.Layers[1];
        Assert.NotEqual(first.Linear1.Weight.ToArray(), second.Linear1.Weight.ToArray());
        var x = Rand(13, 2, 3, 4);
        GradCheck.Assert(xs => encoder.Forward(xs[0], isCausal: true), [x, .. encoder.Parameters()], name: "TransformerEncoder");
    }

    /// <summary>PyTorch's nn.TransformerEncoderLayer state_dict() keys, in its order (self_attn, linear1, linear2, norm1, norm2).</summary>
    private static readonly string[] LayerKeys =
    [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
    ];

    [Fact]
    public void StateDictsHoldPyTorchsEntries()
    {
        // Oracle: the keys of PyTorch's nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16) (written out
        // from its documented submodules self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2; dropouts
        // hold nothing) with shapes [24, 8], [24], [8, 8], [8], [16, 8], [16], [8, 16], [8], then four [8]; and of
        // nn.TransformerEncoder(layer, num_layers=2, norm=LayerNorm(8)): layers.0.*, layers.1.*, norm.weight, norm.bias.
        var layer = new TransformerEncoderLayer<double>(8, 2, new Generator(15), dimFeedforward: 16);
        var state = layer.StateDict();
        Assert.Equal(LayerKeys, state.Keys);
        Assert.Equal([[24, 8], [24], [8, 8], [8], [16, 8], [16], [8, 16], [8], [8], [8], [8], [8]], state.Values.Select(t => t.Shape.ToArray()));
        var encoder = new TransformerEncoder<double>(layer, 2, new LayerNorm<double>(8));
        Assert.Equal([.. LayerKeys.Select(k => "layers.0." + k), .. LayerKeys.Select(k => "layers.1." + k), "norm.weight", "norm.bias"],
            encoder.StateDict().Keys);
    }

    [Fact]
    public void LoadingByPyTorchNamesGivesTheHandComputedOutput()
    {
        // Oracle (hand derivation, as PreNormAddsTheBranchesToTheInput): a strict load by PyTorch's names of zero
        // self_attn.out_proj, linear2.weight = 0 and linear2.bias = b₂ makes the pre-norm block y = x + b₂.
        var layer = new TransformerEncoderLayer<double>(4, 2, new Generator(16), dimFeedforward: 4, dropout: 0, normFirst: true, batchFirst: true);
        var state = layer.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        state["self_attn.out_proj.weight"] = Tensor.Zeros<double>(4, 4);
        state["self_attn.out_proj.bias"] = Tensor.Zeros<double>(4);
        state["linear2.weight"] = Tensor.Zeros<double>(4, 4);
        state["linear2.bias"] = Tensor.FromArray([1.0, -2, 0.5, 0]);
        layer.LoadStateDict(state);
        AttentionReference.Close([2, 0, 4.5, 7], layer.Forward(Tensor.FromArray(Row, [1, 1, 4])).ToArray(), 1e-12);
    }

    [Fact]
    public void IssueSurfaceCompilesAndHasItsShapes()
    {
        // Oracle: issue 10's minimum surface, written as there; shapes from PyTorch's docs: MHA output [N, L, E] and averaged
        // weights [N, L, S] with batchFirst; the layer keeps the input's shape; SDPA gives [*, L, Ev].
        var g = new Generator(17);
        var q = Rand(18, 2, 3, 8);
        var k = Rand(19, 2, 5, 8);
        var v = Rand(20, 2, 5, 8);
        var mask = Tensor.Zeros<double>(3, 5);
        var mha = new MultiheadAttention<double>(embedDim: 8, numHeads: 2, generator: g, batchFirst: true);
        var (attn, weights) = mha.Forward(q, k, v, attnMask: mask, keyPaddingMask: null, needWeights: true);
        Assert.Equal([2, 3, 8], attn.Shape);
        Assert.Equal([2, 3, 5], weights!.Shape);
        var layer = new TransformerEncoderLayer<double>(dModel: 8, nHead: 2, dimFeedforward: 16, generator: g,
            dropout: 0, activation: "gelu", batchFirst: true, normFirst: true);
        var y = layer.Forward(q, srcMask: null, isCausal: true);
        Assert.Equal([2, 3, 8], y.Shape);
        var q4 = Rand(21, 2, 2, 3, 4);
        var k4 = Rand(22, 2, 2, 5, 4);
        var v4 = Rand(23, 2, 2, 5, 6);
        var o = Functional.ScaledDotProductAttention(q4, k4, v4, attnMask: null, isCausal: true);
        Assert.Equal([2, 2, 3, 6], o.Shape);
        var (noMask, _) = mha.Forward(q, k, v, attnMask: null, keyPaddingMask: null);
        Assert.Equal([2, 3, 8], noMask.Shape);
    }

    [Fact]
    public void BadInputFailsByName()
    {
        // Oracle: the documented requirements: activation "relu" or "gelu", a head count dividing dModel, input of dModel features.
        var g = new Generator(14);
        Assert.Equal("TransformerEncoderLayer: activation must be \"relu\" or \"gelu\", got \"tanh\"",
            Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer<float>(4, 2, g, activation: "tanh")).Message);
        Assert.Contains("numHeads 3 does not divide embedDim 4",
            Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer<float>(4, 3, g)).Message);
        var layer = new TransformerEncoderLayer<float>(4, 2, g, dimFeedforward: 8, batchFirst: true);
        Assert.Equal("TransformerEncoderLayer: src must be [N, L, E] or [L, E] with E = dModel = 4, got shape [2, 3, 5]",
            Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros<float>(2, 3, 5))).Message);
        Assert.Equal("TransformerEncoder: numLayers must be positive, got 0 (Parameter 'numLayers')",
            Assert.Throws<ArgumentOutOfRangeException>(() => new TransformerEncoder<float>(layer, 0)).Message);
    }
}
