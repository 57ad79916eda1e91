using Autograd.Checking;

namespace Autograd.Tests.Core;

/// <summary>The fused affine map x.Linear(W, b) = x·Wᵀ + b against the composite it replaces, finite differences and
/// its shape errors.</summary>
public class LinearOpTests
{
    private static Tensor<float> Leaf(int seed, params int[] shape) =>
        Tensor.Randn<float>(shape, new Generator((ulong)seed), requiresGrad: true);

    private static Tensor<float> Copy(Tensor<float> t) => Tensor.FromArray(t.ToArray(), [.. t.Shape], requiresGrad: true);

    private static void Close(Tensor<float> expected, Tensor<float> actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        float[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-4f * (1 + Math.Abs(e[i])), $"element {i}: {e[i]} vs {a[i]}");
    }

    [Theory]
    [InlineData(new[] { 37, 70 }, true)]
    [InlineData(new[] { 128, 200 }, true)]
    [InlineData(new[] { 3, 5, 70 }, true)]
    [InlineData(new[] { 70 }, true)]
    [InlineData(new[] { 37, 70 }, false)]
    public void ValueAndGradientsMatchTheComposite(int[] xShape, bool withBias)
    {
        // Oracle: the composite x.MatMul(Wᵀ) + b (MatMul, broadcast Add and the engine's SumTo), on separate copies of
        // the leaves, with the same upstream gradient v; shapes large enough for the packed, multi-threaded GEMM.
        int outFeatures = 19;
        var x = Leaf(1, xShape);
        var w = Leaf(2, outFeatures, xShape[^1]);
        var b = withBias ? Leaf(3, outFeatures) : null;
        var (x2, w2, b2) = (Copy(x), Copy(w), b is null ? null : Copy(b));
        var y = x.Linear(w, b);
        var expected = x2.MatMul(w2.MT);
        if (b2 is not null) expected = expected + b2;
        Close(expected, y);
        var v = Tensor.Randn<float>([.. y.Shape], new Generator(4));
        y.Backward(v);
        expected.Backward(v);
        Close(x2.Grad!, x.Grad!);
        Close(w2.Grad!, w.Grad!);
        Assert.True(w.Grad!.IsContiguous);
        if (b is not null) Close(b2!.Grad!, b.Grad!);
    }

    [Fact]
    public void StridedViewsOfInputAndWeightMatchTheComposite()
    {
        // Oracle: the composite on the same views: a transposed input, a transposed weight and a permuted batched input.
        var x = Leaf(5, 70, 37);
        var w = Leaf(6, 70, 19);
        var b = Leaf(7, 19);
        Close(x.MT.MatMul(w.MT.MT) + b, x.MT.Linear(w.MT, b));
        var xb = Leaf(8, 5, 3, 70);
        var w2 = Leaf(9, 19, 70);
        Close(xb.Transpose(0, 1).MatMul(w2.MT) + b, xb.Transpose(0, 1).Linear(w2, b));
    }

    [Fact]
    public void OnlyTheGradientsOfInputsThatRequireThemAreComputed()
    {
        // Oracle: an input from data (no grad) gets nothing; the weight and bias still get theirs.
        var x = Tensor.Randn<float>([4, 3], new Generator(10));
        var w = Leaf(11, 2, 3);
        var b = Leaf(12, 2);
        x.Linear(w, b).Sum().Backward();
        Assert.Null(x.Grad);
        // d/db Σ y = number of rows = 4 for every output; d/dW Σ y = Σ_rows x (each row of W gets the column sums of x).
        Assert.Equal(new float[] { 4, 4 }, b.Grad!.ToArray());
        var columnSums = x.Sum(0).ToArray();
        Close(Tensor.FromArray(columnSums.Concat(columnSums).ToArray(), [2, 3]), w.Grad!);
    }

    [Fact]
    public void GradientsPassFiniteDifferencesToSecondOrder()
    {
        // Oracle: central finite differences of the op and of its gradient (createGraph), with and without bias.
        var gen = new Generator(13);
        Tensor<double> D(params int[] shape) => Tensor.Randn<double>(shape, gen, requiresGrad: true);
        GradCheck.Assert(xs => xs[0].Linear(xs[1], xs[2]), [D(2, 3, 4), D(5, 4), D(5)], name: "Linear");
        GradCheck.Assert(xs => xs[0].Linear(xs[1]), [D(3, 4), D(2, 4)], name: "Linear(no bias)");
    }

    /// <summary>Gᵀ·x by naive loops in double: the oracle for ∂/∂W of Σ v ⊙ (x·Wᵀ + b).</summary>
    private static float[] NaiveWeightGradient(Tensor<float> v, Tensor<float> x)
    {
        float[] g = v.ToArray(), xs = x.ToArray();
        int rows = v.Shape[0], outF = v.Shape[1], inF = x.Shape[1];
        var dw = new float[outF * inF];
        for (int o = 0; o < outF; o++)
            for (int i = 0; i < inF; i++)
            {
                double sum = 0;
                for (int r = 0; r < rows; r++) sum += (double)g[r * outF + o] * xs[r * inF + i];
                dw[o * inF + i] = (float)sum;
            }
        return dw;
    }

    [Fact]
    public void WeightGradientIsAddedIntoTheExistingGradInPlace()
    {
        // Oracle: W.Grad = G0 + Gᵀ·x with Gᵀ·x by naive loops. A backward pass adds the weight's gradient into the
        // existing contiguous Grad tensor itself (the GEMM accumulates into it): the same object afterwards.
        var x = Tensor.Randn<float>([64, 70], new Generator(20));
        var w = Leaf(21, 19, 70);
        var b = Leaf(22, 19);
        var v = Tensor.Randn<float>([64, 19], new Generator(23));
        var g0 = Tensor.Randn<float>([19, 70], new Generator(24));
        var grad = Tensor.FromArray(g0.ToArray(), [19, 70]);
        w.Grad = grad;
        x.Linear(w, b).Backward(v);
        Assert.Same(grad, w.Grad);
        var naive = NaiveWeightGradient(v, x);
        float[] start = g0.ToArray();
        Close(Tensor.FromArray(start.Select((s, i) => s + naive[i]).ToArray(), [19, 70]), w.Grad!);
        // A second pass adds again: G0 + 2·Gᵀ·x.
        x.Linear(w, b).Backward(v);
        Close(Tensor.FromArray(start.Select((s, i) => s + 2 * naive[i]).ToArray(), [19, 70]), w.Grad!);
    }

    [Fact]
    public void WeightGradientIsNotWrittenInPlaceWhereDeliveringWouldNotBe()
    {
        // Oracle: naive Gᵀ·x. (1) A strided Grad (a transposed view) is replaced by G0 + Gᵀ·x, its storage untouched.
        // (2) Tensor.Grad returns Gᵀ·x and leaves W.Grad alone. (3) createGraph replaces W.Grad by a new (recordable) sum.
        // (4) An input sharing storage with W.Grad (here W.Grad is the input itself) gets G0 + Gᵀ·x, computed from the input
        // before anything is written.
        var x = Tensor.Randn<float>([16, 8], new Generator(25));
        var v = Tensor.Randn<float>([16, 5], new Generator(26));
        var naive = NaiveWeightGradient(v, x);

        var w = Leaf(27, 5, 8);
        var stored = Tensor.Randn<float>([8, 5], new Generator(28));
        float[] storedValues = stored.ToArray();
        w.Grad = stored.MT;
        x.Linear(w).Backward(v);
        Assert.Equal(storedValues, stored.ToArray());
        var g0 = stored.MT.ToArray();
        Close(Tensor.FromArray(g0.Select((s, i) => s + naive[i]).ToArray(), [5, 8]), w.Grad!);

        var w2 = Leaf(29, 5, 8);
        var before = Tensor.Randn<float>([5, 8], new Generator(30));
        float[] beforeValues = before.ToArray();
        w2.Grad = before;
        var grads = Tensor.Grad([(x.Linear(w2) * v).Sum()], [w2]);
        Close(Tensor.FromArray(naive, [5, 8]), grads[0]);
        Assert.Equal(beforeValues, w2.Grad!.ToArray());

        var w3 = Leaf(31, 5, 8);
        var zeros = Tensor.Zeros<float>(5, 8);
        w3.Grad = zeros;
        x.Linear(w3).Backward(v, retainGraph: false, createGraph: true);
        Assert.NotSame(zeros, w3.Grad);
        Assert.Equal(new float[40], zeros.ToArray());
        Close(Tensor.FromArray(naive, [5, 8]), w3.Grad!);

        var w4 = Leaf(32, 4, 4);
        var shared = Tensor.Randn<float>([4, 4], new Generator(33));
        var xs = Tensor.FromArray(shared.ToArray(), [4, 4]);
        var v4 = Tensor.Randn<float>([4, 4], new Generator(34));
        var naive4 = NaiveWeightGradient(v4, xs);
        float[] sharedValues = shared.ToArray();
        w4.Grad = shared;
        shared.Linear(w4).Backward(v4);
        Close(Tensor.FromArray(sharedValues.Select((s, i) => s + naive4[i]).ToArray(), [4, 4]), w4.Grad!);
    }

    [Fact]
    public void MatMulOperandGradientsAreAddedIntoExistingGradsInPlace()
    {
        // Oracle: for y = X·W and upstream V, ∂/∂X = V·Wᵀ and ∂/∂W = Xᵀ·V by naive loops in double, added to the Grads
        // set beforehand (G1, G0); both operands are matrix leaves, so both sums are written into their Grads in place.
        int m = 37, k = 70, n = 19;
        var x = Leaf(50, m, k);
        var w = Leaf(51, k, n);
        var v = Tensor.Randn<float>([m, n], new Generator(52));
        var g0 = Tensor.Randn<float>([k, n], new Generator(53));
        var g1 = Tensor.Randn<float>([m, k], new Generator(54));
        var wGrad = Tensor.FromArray(g0.ToArray(), [k, n]);
        var xGrad = Tensor.FromArray(g1.ToArray(), [m, k]);
        w.Grad = wGrad;
        x.Grad = xGrad;
        x.MatMul(w).Backward(v);
        Assert.Same(wGrad, w.Grad);
        Assert.Same(xGrad, x.Grad);
        float[] xs = x.ToArray(), ws = w.ToArray(), vs = v.ToArray(), w0 = g0.ToArray(), x0 = g1.ToArray();
        var wantW = new float[k * n];
        var wantX = new float[m * k];
        for (int p = 0; p < k; p++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < m; i++) sum += (double)xs[i * k + p] * vs[i * n + j];
                wantW[p * n + j] = (float)(w0[p * n + j] + sum);
            }
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += (double)vs[i * n + j] * ws[p * n + j];
                wantX[i * k + p] = (float)(x0[i * k + p] + sum);
            }
        Close(Tensor.FromArray(wantW, [k, n]), w.Grad!);
        Close(Tensor.FromArray(wantX, [m, k]), x.Grad!);
    }

    [Fact]
    public void EmptyDimsGiveBiasRowsOrEmptyResults()
    {
        // Oracle: with in = 0 the product is an empty sum, so y = b in every row; with no rows y is empty.
        var b = Tensor.FromArray(new float[] { 1, 2 });
        Assert.Equal(new float[] { 1, 2, 1, 2, 1, 2 }, Tensor.Zeros<float>(3, 0).Linear(Tensor.Zeros<float>(2, 0), b).ToArray());
        Assert.Equal([0, 2], Tensor.Zeros<float>(0, 4).Linear(Tensor.Zeros<float>(2, 4), b).Shape);
    }

    [Fact]
    public void BadShapesFailNamingTheOp()
    {
        // Oracle: the error texts required by the style guide.
        var x = Tensor.Zeros<float>(128, 783);
        Assert.Equal("Linear: input has 783 features, weight expects 784 (input shape [128, 783])",
            Assert.Throws<ArgumentException>(() => x.Linear(Tensor.Zeros<float>(10, 784))).Message);
        Assert.Equal("Linear: weight must be [out, in], got shape [783]",
            Assert.Throws<ArgumentException>(() => x.Linear(Tensor.Zeros<float>(783))).Message);
        Assert.Equal("Linear: bias shape [11] should be [10]",
            Assert.Throws<ArgumentException>(() => x.Linear(Tensor.Zeros<float>(10, 783), Tensor.Zeros<float>(11))).Message);
        Assert.Equal("Linear: input has 0 features, weight expects 3 (input shape [])",
            Assert.Throws<ArgumentException>(() => Tensor.Scalar(1f).Linear(Tensor.Zeros<float>(2, 3))).Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FeedForwardHasTheBitsOfTheThreeOpsForward(bool gelu)
    {
        // Oracle: x.Linear(W₁, b₁), then Gelu() or Relu(), then .Linear(W₂, b₂): the fused op runs the same products and
        // the same elementwise arithmetic (the activation per block of the first product), so its output has the same
        // bits, recorded or not. [300, 40] → 200 → 30 spans several row and column tiles and both threads.
        var x = Leaf(41, 3, 100, 40);
        var w1 = Leaf(42, 200, 40);
        var b1 = Leaf(43, 200);
        var w2 = Leaf(44, 30, 200);
        var b2 = Leaf(45, 30);
        var activation = gelu ? FeedForwardActivation.Gelu : FeedForwardActivation.Relu;
        Tensor<float> Composite()
        {
            var a = x.Linear(w1, b1);
            return (gelu ? a.Gelu() : a.Relu()).Linear(w2, b2);
        }
        var expected = Composite().ToArray();
        Assert.Equal(expected, x.FeedForward(w1, b1, w2, b2, activation).ToArray());
        using (Tensor.NoGrad())
        {
            Assert.Equal(Composite().ToArray(), x.FeedForward(w1, b1, w2, b2, activation).ToArray());
            Assert.Equal(expected, x.FeedForward(w1, b1, w2, b2, activation).ToArray());
        }
    }
}
