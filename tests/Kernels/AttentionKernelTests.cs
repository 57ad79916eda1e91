using Autograd.Kernels;
using Autograd.Tests.NN;

namespace Autograd.Tests.Kernels;

/// <summary>
/// The attention kernel on both of its forms on every machine: the AVX-512 tiles (run by the runtime's software vectors
/// where the CPU lacks them) and the GEMM calls of the other paths, with sizes that leave ragged tiles (rows not a
/// multiple of 8, columns not a multiple of a vector), fewer and more keys than queries, causal or not, with a mask.
/// Oracles: <see cref="AttentionReference.Head"/> (plain loops) for P and O, and for the gradients the first-order rule
/// written out in loops below: dV = Pᵀ·G, dP = G·Vᵀ, dS = P ⊙ (dP − Σⱼ dPⱼPⱼ), dQ = s·dS·K, dK = s·dSᵀ·Q.
/// </summary>
public class AttentionKernelTests
{
    public static TheoryData<KernelPath, bool, bool, int, int, int, int> Cases()
    {
        var cases = new TheoryData<KernelPath, bool, bool, int, int, int, int>();
        foreach (var path in new[] { KernelPath.Avx512, KernelPath.Portable })
        {
            cases.Add(path, true, false, 19, 19, 5, 3);
            cases.Add(path, true, true, 21, 37, 17, 33);
            cases.Add(path, true, false, 40, 13, 16, 32);
            cases.Add(path, false, true, 24, 40, 32, 16);
            cases.Add(path, true, false, 64, 64, 32, 32);
            // Rows of whole vectors (S a multiple of 8 doubles), which the tiled path's fused row passes take: causal
            // with a mask and fewer queries than keys, and causal with more queries than keys.
            cases.Add(path, true, true, 21, 32, 5, 3);
            cases.Add(path, true, false, 40, 16, 16, 32);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchTheLoops(KernelPath path, bool causal, bool masked, int l, int s, int e, int ev)
    {
        const int heads = 3;
        const double scale = 0.37;
        var r = new Random(l * 1000 + s);
        double[] Rand(int n) => [.. Enumerable.Range(0, n).Select(_ => r.NextDouble() * 2 - 1)];
        double[] q = Rand(heads * l * e), k = Rand(heads * s * e), v = Rand(heads * s * ev), g = Rand(heads * l * ev);
        double[]? mask = masked ? Rand(l * s) : null;
        var problem = new Attention.Problem<double>(heads, l, s, e, ev, q, 0, k, 0, v, 0, mask, 0, 0, causal, scale);
        double[] weights = new double[heads * l * s], output = new double[heads * l * ev];
        Attention.Forward(problem, weights, output, path);
        double[] dq = new double[q.Length], dk = new double[k.Length], dv = new double[v.Length];
        Attention.Backward(problem, weights, g, Layout.Contiguous([heads, l, ev]), dq, dk, dv, path);
        for (int h = 0; h < heads; h++)
        {
            double[] qh = q[(h * l * e)..((h + 1) * l * e)], kh = k[(h * s * e)..((h + 1) * s * e)];
            double[] vh = v[(h * s * ev)..((h + 1) * s * ev)], gh = g[(h * l * ev)..((h + 1) * l * ev)];
            var (o, p) = AttentionReference.Head(qh, kh, vh, l, s, e, ev, mask, causal, scale);
            AttentionReference.Close(o, output[(h * l * ev)..((h + 1) * l * ev)], 1e-12);
            AttentionReference.Close(p, weights[(h * l * s)..((h + 1) * l * s)], 1e-12);
            var (eq, ek, evv) = Gradients(qh, kh, vh, gh, p, l, s, e, ev, scale);
            AttentionReference.Close(eq, dq[(h * l * e)..((h + 1) * l * e)], 1e-12);
            AttentionReference.Close(ek, dk[(h * s * e)..((h + 1) * s * e)], 1e-12);
            AttentionReference.Close(evv, dv[(h * s * ev)..((h + 1) * s * ev)], 1e-12);
        }
    }

    public static TheoryData<KernelPath, bool, int, int> InterleavedCases()
    {
        var cases = new TheoryData<KernelPath, bool, int, int>();
        foreach (var path in new[] { KernelPath.Avx512, KernelPath.Portable })
        {
            cases.Add(path, true, 19, 5);
            cases.Add(path, false, 24, 16);
            cases.Add(path, true, 64, 32);
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(InterleavedCases))]
    public void InterleavedHeadsMatchTheLoops(KernelPath path, bool causal, int l, int d)
    {
        // Self-attention read from a packed projection [N, L, 3, h, d] (each row q | k | v, heads side by side) and written
        // to [N, L, h, d], the gradients into one [N, L, 3, h, d] buffer: each head, gathered out element by element, must
        // give what the loops give (oracle as above).
        const int n = 2, heads = 3;
        const double scale = 0.41;
        int e = heads * d, width = 3 * e;
        var r = new Random(l * 100 + d);
        double[] qkv = [.. Enumerable.Range(0, n * l * width).Select(_ => r.NextDouble() * 2 - 1)];
        double[] g = [.. Enumerable.Range(0, n * l * e).Select(_ => r.NextDouble() * 2 - 1)];
        var inputs = new Attention.HeadLayout(heads, l * width, d, width);
        var problem = new Attention.Problem<double>(n * heads, l, l, d, d, qkv, 0, qkv, e, qkv, 2 * e, null, 0, 0, causal, scale)
        {
            QLayout = inputs, KLayout = inputs, VLayout = inputs, OLayout = new(heads, l * e, d, e),
        };
        double[] weights = new double[n * heads * l * l], output = new double[n * l * e], dqkv = new double[qkv.Length];
        Attention.Forward(problem, weights, output, path);
        var gHeads = new Layout([n, heads, l, d], [l * e, d, e, 1], 0, g.Length, isContiguous: false);
        Attention.Backward(problem, weights, g, gHeads, dqkv, dqkv, dqkv, path, dqOffset: 0, dkOffset: e, dvOffset: 2 * e);
        for (int b = 0; b < n * heads; b++)
        {
            int sample = b / heads, head = b % heads;
            double[] Head(double[] a, int ld, int from) =>
                [.. Enumerable.Range(0, l * d).Select(x => a[sample * l * ld + x / d * ld + from + head * d + x % d])];
            double[] qh = Head(qkv, width, 0), kh = Head(qkv, width, e), vh = Head(qkv, width, 2 * e), gh = Head(g, e, 0);
            var (o, p) = AttentionReference.Head(qh, kh, vh, l, l, d, d, null, causal, scale);
            AttentionReference.Close(o, Head(output, e, 0), 1e-12);
            AttentionReference.Close(p, weights[(b * l * l)..((b + 1) * l * l)], 1e-12);
            var (eq, ek, evv) = Gradients(qh, kh, vh, gh, p, l, l, d, d, scale);
            AttentionReference.Close(eq, Head(dqkv, width, 0), 1e-12);
            AttentionReference.Close(ek, Head(dqkv, width, e), 1e-12);
            AttentionReference.Close(evv, Head(dqkv, width, 2 * e), 1e-12);
        }
    }

    [Fact]
    public void FloatInterleavedHeadsAgreeWithDoubleLoops()
    {
        // Float on the tiled path with heads interleaved in a packed projection (K and V read with a row stride of 3E,
        // whole 8 × 8 blocks transposed in registers): forward and backward against the double loops on the same values.
        // Float rounds each of the ≈ S + d terms of a sum to ε/2 relative, so 10⁻⁵ absolute on values of order 1.
        const int n = 2, heads = 2, l = 64, d = 32;
        int e = heads * d, width = 3 * e;
        var r = new Random(11);
        double[] qkv = [.. Enumerable.Range(0, n * l * width).Select(_ => r.NextDouble() * 2 - 1)];
        double[] g = [.. Enumerable.Range(0, n * l * e).Select(_ => r.NextDouble() * 2 - 1)];
        static float[] F(double[] x) => [.. x.Select(v => (float)v)];
        float[] qkvF = F(qkv), gF = F(g);
        var inputs = new Attention.HeadLayout(heads, l * width, d, width);
        var problem = new Attention.Problem<float>(n * heads, l, l, d, d, qkvF, 0, qkvF, e, qkvF, 2 * e, null, 0, 0, true, 0.2f)
        {
            QLayout = inputs, KLayout = inputs, VLayout = inputs, OLayout = new(heads, l * e, d, e),
        };
        float[] weights = new float[n * heads * l * l], output = new float[n * l * e], dqkv = new float[qkv.Length];
        Attention.Forward(problem, weights, output, KernelPath.Avx512);
        Attention.Backward(problem, weights, gF, new Layout([n, heads, l, d], [l * e, d, e, 1], 0, g.Length, isContiguous: false),
            dqkv, dqkv, dqkv, KernelPath.Avx512, dqOffset: 0, dkOffset: e, dvOffset: 2 * e);
        for (int b = 0; b < n * heads; b++)
        {
            int sample = b / heads, head = b % heads;
            double[] Head(double[] a, int ld, int from) =>
                [.. Enumerable.Range(0, l * d).Select(x => a[sample * l * ld + x / d * ld + from + head * d + x % d])];
            double[] Got(float[] a, int ld, int from) =>
                [.. Enumerable.Range(0, l * d).Select(x => (double)a[sample * l * ld + x / d * ld + from + head * d + x % d])];
            double[] qh = Head(qkv, width, 0), kh = Head(qkv, width, e), vh = Head(qkv, width, 2 * e);
            var (o, p) = AttentionReference.Head(qh, kh, vh, l, l, d, d, null, true, 0.2);
            var (eq, ek, ev) = Gradients(qh, kh, vh, Head(g, e, 0), p, l, l, d, d, 0.2);
            foreach (var (expected, got) in new[] { (o, Got(output, e, 0)), (eq, Got(dqkv, width, 0)), (ek, Got(dqkv, width, e)), (ev, Got(dqkv, width, 2 * e)) })
                for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], got[i], 1e-5);
        }
    }

    [Fact]
    public void FloatTilesAgreeWithDoubleLoops()
    {
        // Oracle: the double loops on the same values; float rounds each of the ≈ S + E terms of a sum to ε/2 relative.
        const int l = 64, s = 64, e = 32, ev = 32;
        var r = new Random(5);
        double[] q = [.. Enumerable.Range(0, l * e).Select(_ => r.NextDouble() * 2 - 1)];
        double[] k = [.. Enumerable.Range(0, s * e).Select(_ => r.NextDouble() * 2 - 1)];
        double[] v = [.. Enumerable.Range(0, s * ev).Select(_ => r.NextDouble() * 2 - 1)];
        static float[] F(double[] x) => [.. x.Select(d => (float)d)];
        var problem = new Attention.Problem<float>(1, l, s, e, ev, F(q), 0, F(k), 0, F(v), 0, null, 0, 0, true, 0.25f);
        float[] weights = new float[l * s], output = new float[l * ev];
        Attention.Forward(problem, weights, output, KernelPath.Avx512);
        var (expected, _) = AttentionReference.Head(q, k, v, l, s, e, ev, null, true, 0.25);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], output[i], 1e-5);
    }

    /// <summary>The first-order rule in loops, from the weights P the reference computed.</summary>
    private static (double[] Dq, double[] Dk, double[] Dv) Gradients(double[] q, double[] k, double[] v, double[] g, double[] p,
        int l, int s, int e, int ev, double scale)
    {
        double[] dq = new double[l * e], dk = new double[s * e], dv = new double[s * ev];
        for (int i = 0; i < l; i++)
        {
            var dp = new double[s];
            double dot = 0;
            for (int j = 0; j < s; j++)
            {
                for (int c = 0; c < ev; c++)
                {
                    dv[j * ev + c] += p[i * s + j] * g[i * ev + c];
                    dp[j] += g[i * ev + c] * v[j * ev + c];
                }
                dot += dp[j] * p[i * s + j];
            }
            for (int j = 0; j < s; j++)
            {
                double ds = scale * p[i * s + j] * (dp[j] - dot);
                for (int c = 0; c < e; c++)
                {
                    dq[i * e + c] += ds * k[j * e + c];
                    dk[j * e + c] += ds * q[i * e + c];
                }
            }
        }
        return (dq, dk, dv);
    }
}
