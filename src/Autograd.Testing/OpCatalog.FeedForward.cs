using System.Numerics;
using static Autograd.Testing.Naive;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// The fused feed-forward block act(x·W₁ᵀ + b₁)·W₂ᵀ + b₂, with its reference in Naive.cs: GELU with leading batch dims,
// ReLU with its pre-activations kept away from the kink, without biases on a 1-D input, and on transposed views.
public static partial class OpCatalog
{
    private const string FeedForwardMember = "FeedForward(Tensor, Tensor, Tensor, Tensor, FeedForwardActivation)";

    private static OpInfo<T>[] FeedForwardRows<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        new("FeedForward", FeedForwardMember, x => x[0].FeedForward(x[1], x[2], x[3], x[4]),
            g => FeedForwardCase(g, [.. Batch(g), Dim(g)], relu: false), x => FeedForward(x[0], x[1], x[2], x[3], x[4], gelu: true)),
        new("FeedForward(ReLU)", FeedForwardMember, x => x[0].FeedForward(x[1], x[2], x[3], x[4], FeedForwardActivation.Relu),
            g => FeedForwardCase(g, [Dim(g)], relu: true), x => FeedForward(x[0], x[1], x[2], x[3], x[4], gelu: false)),
        new("FeedForward(no biases, 1-D input)", FeedForwardMember, x => x[0].FeedForward(x[1], null, x[2], null),
            g => FeedForwardCase(g, [], relu: false) is var c ? [c[0], c[1], c[3]] : [],
            x => FeedForward(x[0], x[1], null, x[2], null, gelu: true)),
        new("FeedForward of transposed input and weight views", FeedForwardMember, x => x[0].MT.FeedForward(x[1].MT, x[2], x[3].MT, x[4]),
            g => FeedForwardCase(g, [Dim(g)], relu: false) is var c ? [Transposed(c[0]), Transposed(c[1]), c[2], Transposed(c[3]), c[4]] : [],
            x => FeedForward(x[0].MT, x[1].MT, x[2], x[3].MT, x[4], gelu: true)),
    ];

    /// <summary>
    /// x [.. <paramref name="leading"/>, in], W₁ [hidden, in], b₁ [hidden], W₂ [out, hidden], b₂ [out] (in, hidden and
    /// out from 1 to 3). For <paramref name="relu"/>, b₁ is drawn so that every pre-activation x·W₁ᵀ + b₁ is at least
    /// 0.25 from ReLU's kink at 0, where finite differences would straddle it.
    /// </summary>
    private static Tensor<double>[] FeedForwardCase(Choices g, int[] leading, bool relu)
    {
        int i = Dim(g), hidden = Dim(g), o = Dim(g);
        var x = Uniform(g, [.. leading, i]);
        var w1 = Uniform(g, [hidden, i]);
        var b1 = Uniform(g, [hidden]);
        if (relu)
        {
            double[] xs = x.ToArray(), ws = w1.ToArray(), bs = new double[hidden];
            int rows = xs.Length / i;
            for (int j = 0; j < hidden; j++)
            {
                double[] s = [.. Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, i).Sum(p => xs[r * i + p] * ws[j * i + p]))];
                double b = 0;
                // A few draws find an offset clear of every row's −s; failing that, one past all of them.
                for (int tries = 0; tries < 8 && (tries == 0 || s.Any(v => Math.Abs(v + b) < 0.25)); tries++) b = 4 * g.NextDouble() - 2;
                if (s.Any(v => Math.Abs(v + b) < 0.25)) b = 0.5 - s.Min();
                bs[j] = b;
            }
            b1 = Tensor.FromArray(bs, [hidden], requiresGrad: true);
        }
        return [x, w1, b1, Uniform(g, [o, hidden]), Uniform(g, [o])];
    }
}
