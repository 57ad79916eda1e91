using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// Elementwise work on finished blocks of a product's C, run by the GEMM on each block right after the block's last
/// k-block, while it is still in the core's cache: an activation after a Linear, or the activation's slope multiplied
/// into the gradient a product just computed. Saves writing C out and reading it back in a separate pass (a [2048, 512]
/// float C is 4 MiB, more than one core's L2). Every element of C passes through <see cref="Apply"/> exactly once,
/// complete; the blocks are disjoint and their number and shape depend on the threads, so an epilogue must treat each
/// element alone (then its bits do not depend on the blocking).
/// </summary>
internal abstract class GemmEpilogue<T>
{
    /// <summary>
    /// Finishes rows [<paramref name="row0"/>, +<paramref name="rows"/>) × columns [<paramref name="col0"/>,
    /// +<paramref name="cols"/>) of C (coordinates counted from C's first element at <paramref name="cOffset"/>, row
    /// stride <paramref name="ldc"/>).
    /// </summary>
    public abstract void Apply(T[] c, int cOffset, int ldc, int row0, int rows, int col0, int cols);
}

/// <summary>
/// C ← act(C), with the slope act′(C) written to <see cref="Slope"/> (same coordinates, row stride
/// <see cref="SlopeLd"/>) when it is given: GELU by <see cref="ErfCore{T}"/> (the same bits as <c>Gelu()</c>'s forward),
/// or ReLU max(C, 0) with slope 1 where C &gt; 0 and 0 elsewhere (as <c>Relu()</c>: 0 at 0, NaN kept).
/// </summary>
internal sealed class ActivationEpilogue<T>(bool gelu, T[]? slope, int slopeLd) : GemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T[]? Slope { get; } = slope;

    public int SlopeLd { get; } = slopeLd;

    public override void Apply(T[] c, int cOffset, int ldc, int row0, int rows, int col0, int cols)
    {
        for (int i = row0; i < row0 + rows; i++)
        {
            var row = c.AsSpan(cOffset + i * ldc + col0, cols);
            var s = Slope is null ? default : Slope.AsSpan(i * SlopeLd + col0, cols);
            if (gelu)
            {
                ErfCore<T>.Run(row, row, s, Slope is null ? ErfMode.Gelu : ErfMode.GeluAndSlope);
                continue;
            }
            for (int j = 0; j < s.Length; j++) s[j] = row[j] > T.Zero ? T.One : T.Zero;
            TensorPrimitives.Max(row, T.Zero, row);
        }
    }
}

/// <summary>C ← C ⊙ S for a matrix S of C's shape (row stride <see cref="ScaleLd"/>): the chain rule through an
/// elementwise function whose slope S was kept by its forward.</summary>
internal sealed class ScaleEpilogue<T>(T[] scale, int scaleLd) : GemmEpilogue<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public T[] Scale { get; } = scale;

    public int ScaleLd { get; } = scaleLd;

    public override void Apply(T[] c, int cOffset, int ldc, int row0, int rows, int col0, int cols)
    {
        for (int i = row0; i < row0 + rows; i++)
        {
            var row = c.AsSpan(cOffset + i * ldc + col0, cols);
            TensorPrimitives.Multiply(row, Scale.AsSpan(i * ScaleLd + col0, cols), row);
        }
    }
}
