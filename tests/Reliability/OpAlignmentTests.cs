using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.Tests.Reliability;

/// <summary>
/// The op-level path: the same values in a tensor that starts at another offset of its storage (a slice), or that is
/// strided, with its result and gradient buffers taken from the pool wherever they land, give the same bits forward
/// and backward. The oracle is the op on a fresh tensor of the same values (offset 0).
/// </summary>
public class OpAlignmentTests
{
    private const int Rows = 7, Columns = 37;

    /// <summary>Elementwise ops and the composites built on them, unary (other unused) and binary.</summary>
    private static (string Name, Func<Tensor<T>, Tensor<T>, Tensor<T>> Op)[] Ops<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        T c = T.CreateChecked(1.7);
        return
        [
            ("Exp", (x, _) => x.Exp()), ("Log", (x, _) => x.Log()), ("Sqrt", (x, _) => x.Sqrt()), ("Abs", (x, _) => x.Abs()),
            ("Sin", (x, _) => x.Sin()), ("Cos", (x, _) => x.Cos()), ("Tanh", (x, _) => x.Tanh()), ("Sigmoid", (x, _) => x.Sigmoid()),
            ("Erf", (x, _) => x.Erf()), ("Neg", (x, _) => x.Neg()), ("Relu", (x, _) => x.Relu()), ("LeakyRelu", (x, _) => x.LeakyRelu()),
            ("Clamp", (x, _) => x.Clamp(-T.One, c)), ("Softplus", (x, _) => x.Softplus()), ("Gelu", (x, _) => x.Gelu()),
            ("Gelu tanh", (x, _) => x.Gelu(tanhApproximation: true)), ("Silu", (x, _) => x.Silu()), ("Elu", (x, _) => x.Elu()),
            ("Pow scalar", (x, _) => x.Pow(c)), ("x·s + c", (x, _) => x * c + c), ("c − x / s", (x, _) => c - x / c),
            ("Softmax", (x, _) => x.Softmax(1)), ("LogSoftmax", (x, _) => x.LogSoftmax(1)),
            ("Add", (x, y) => x + y), ("Sub", (x, y) => x - y), ("Mul", (x, y) => x * y), ("Div", (x, y) => x / y),
            ("Pow", (x, y) => x.Pow(y)), ("Maximum", (x, y) => x.Maximum(y)), ("Add row broadcast", (x, y) => x + y.Narrow(0, 0, 1)),
        ];
    }

    public static TheoryData<string> Names => [.. Ops<double>().Select(o => o.Name)];

    [Theory, MemberData(nameof(Names))]
    public void Float_SameBitsForSlicesAndStridedViews(string op) => Check<float>(op);

    [Theory, MemberData(nameof(Names))]
    public void Double_SameBitsForSlicesAndStridedViews(string op) => Check<double>(op);

    private static void Check<T>(string name) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var op = Ops<T>().Single(o => o.Name == name).Op;
        int n = Rows * Columns, w = 64 / Unsafe.SizeOf<T>();
        // Moderate values (both signs) plus the edge values of the kernel sweep, so vector functions branch.
        var xv = AlignmentSweepTests.SweepValues<T>(n, seed: 11);
        var yv = AlignmentSweepTests.SweepValues<T>(n, seed: 12);
        var weights = AlignmentSweepTests.SweepValues<T>(n, seed: 13).Select(v => T.IsFinite(v) ? v : T.One).ToArray();
        foreach (bool strided in new[] { false, true })
        {
            var (y0, gx0, gy0) = Run(op, xv, yv, weights, 0, strided);
            var keep = new List<object>();
            for (int offset = 1; offset < w; offset++)
            {
                // Results stay alive and a small array is allocated between runs, so each run's buffers are new
                // arrays at other addresses.
                keep.Add(new byte[8 * offset]);
                var (y, gx, gy) = Run(op, xv, yv, weights, offset, strided);
                keep.Add(y);
                string at = $"{name}: offset {offset}{(strided ? ", strided" : "")}";
                Assert.True(y0.SequenceEqual(y), $"{at}: forward differs");
                Assert.True(gx0.SequenceEqual(gx), $"{at}: gradient of x differs");
                Assert.True(gy0.SequenceEqual(gy), $"{at}: gradient of y differs");
            }
        }
    }

    /// <summary>op(x, y) for x and y held at <paramref name="offset"/> in larger leaves (as [7, 37], or as the transpose
    /// of a [37, 7] block when <paramref name="strided"/>), and the gradients of Σ w ⊙ op(x, y) in those leaves.</summary>
    private static (ulong[] Y, ulong[] Gx, ulong[] Gy) Run<T>(Func<Tensor<T>, Tensor<T>, Tensor<T>> op, T[] xv, T[] yv, T[] weights,
        int offset, bool strided) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var xLeaf = Leaf(xv, offset);
        var yLeaf = Leaf(yv, offset);
        var x = View(xLeaf, offset, xv.Length, strided);
        var y = View(yLeaf, offset, yv.Length, strided);
        var result = op(x, y);
        (result * Tensor.FromArray(weights, [Rows, Columns])).Sum().Backward();
        ulong[] Grad(Tensor<T> leaf) => leaf.Grad is { } g ? AlignmentSweepTests.Bits<T>(View(g, offset, xv.Length, strided).ToArray()) : [];
        return (AlignmentSweepTests.Bits<T>(result.ToArray()), Grad(xLeaf), Grad(yLeaf));
    }

    private static Tensor<T> Leaf<T>(T[] values, int offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = new T[values.Length + offset + 3];
        values.CopyTo(data, offset);
        return Tensor.FromArray(data, requiresGrad: true);
    }

    /// <summary>The n elements from <paramref name="offset"/> as [7, 37]: a contiguous slice, or the transpose of a
    /// [37, 7] slice holding the values in column order (so both views show the same matrix at every offset).</summary>
    private static Tensor<T> View<T>(Tensor<T> leaf, int offset, int n, bool strided) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var slice = leaf.Narrow(0, offset, n);
        return strided ? slice.Reshape(Columns, Rows).Transpose(0, 1) : slice.Reshape(Rows, Columns);
    }
}
