using System.Numerics;

namespace Autograd;

// Masking: triangular parts and masked fill. Each is a composite of Where (whose rule applies the same mask to g),
// so none needs a rule of its own (STYLE item 3) and second order comes with Where's.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Lower triangle of the last two dims (batched), as torch.tril: y[…, i, j] = x[…, i, j] where j − i ≤
    /// <paramref name="diagonal"/>, else 0. ∂y/∂x = the same mask, so the gradient is tril(g, diagonal).
    /// </summary>
    public Tensor<T> Tril(int diagonal = 0) => Triangle("Tril", diagonal, lower: true);

    /// <summary>
    /// Upper triangle of the last two dims (batched), as torch.triu: y[…, i, j] = x[…, i, j] where j − i ≥
    /// <paramref name="diagonal"/>, else 0. ∂y/∂x = the same mask, so the gradient is triu(g, diagonal).
    /// </summary>
    public Tensor<T> Triu(int diagonal = 0) => Triangle("Triu", diagonal, lower: false);

    private Tensor<T> Triangle(string op, int diagonal, bool lower)
    {
        if (Rank < 2) throw new ArgumentException($"{op}: needs at least 2 dims, got shape {Shapes.Format(Dims)}");
        int rows = Dims[^2], cols = Dims[^1];
        var keep = new T[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                keep[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? T.One : T.Zero;
        return Tensor.Where(Tensor.FromArrayNoCopy(keep, [rows, cols]), this, T.Zero);
    }

    /// <summary>
    /// As torch.Tensor.masked_fill: y = <paramref name="value"/> where <paramref name="mask"/> ≠ 0, else x; the mask
    /// (0/1 values in T) broadcasts to this tensor's shape. ∂y/∂x = 1 where the mask is 0, else 0; the mask gets no gradient.
    /// </summary>
    public Tensor<T> MaskedFill(Tensor<T> mask, T value)
    {
        CheckMaskShape(mask.Dims);
        return Tensor.Where(mask, Tensor.Scalar(value), this);
    }

    /// <summary>
    /// As torch.Tensor.masked_fill with a bool mask: y = <paramref name="value"/> where <paramref name="mask"/> is true,
    /// else x; the mask broadcasts to this tensor's shape. ∂y/∂x = 1 where the mask is false, else 0.
    /// </summary>
    public Tensor<T> MaskedFill(BoolTensor mask, T value)
    {
        CheckMaskShape(mask.Dims);
        return Tensor.Where(mask.ToTensor<T>(), Tensor.Scalar(value), this);
    }

    private void CheckMaskShape(int[] mask)
    {
        bool fits = mask.Length <= Rank;
        for (int i = 0; fits && i < mask.Length; i++)
        {
            int m = mask[mask.Length - 1 - i];
            fits = m == 1 || m == Dims[Rank - 1 - i];
        }
        if (!fits)
            throw new ArgumentException($"MaskedFill: mask of shape {Shapes.Format(mask)} does not broadcast to the input's shape {Shapes.Format(Dims)}");
    }
}

public static partial class Tensor
{
    /// <summary>
    /// Elementwise select with a bool mask (torch.where): <paramref name="a"/> where <paramref name="mask"/> is true, else
    /// <paramref name="b"/>, all three broadcast. ∂/∂a = 1 where true, ∂/∂b = 1 where false.
    /// </summary>
    public static Tensor<T> Where<T>(BoolTensor mask, Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Where(mask.ToTensor<T>(), a, b);

    /// <summary>Where with a bool mask and a scalar on the false branch.</summary>
    public static Tensor<T> Where<T>(BoolTensor mask, Tensor<T> a, T b) where T : unmanaged, IFloatingPointIeee754<T> =>
        Where(mask.ToTensor<T>(), a, Scalar(b));
}
