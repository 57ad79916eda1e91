using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// Norms. The 1-norm and ∞-norm are composites (Abs then Sum or Max); the 2-norm is a primitive because its composite
// √Σx² has derivative x/‖x‖, which is 0/0 at x = 0: its rule states PyTorch's subgradient 0 there.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo Norm2Op = new("Norm2", Saved.Input0 | Saved.Output, "∂‖x‖₂/∂x = x/‖x‖₂, and 0 where ‖x‖₂ = 0 (PyTorch's subgradient)");

    /// <summary>
    /// Vector p-norm over <paramref name="dims"/> (all dims when null), as torch.linalg.vector_norm:
    /// p = 1: Σ|x|, ∂/∂x = sign(x) (0 at 0); p = 2: √Σx², ∂/∂x = x/‖x‖₂, and 0 where the norm is 0 (PyTorch's choice);
    /// p = ∞: max|x|, the gradient sign(x) going to the first element (row-major within the reduced dims) whose |x| is the
    /// maximum. With <paramref name="keepDim"/> the reduced dims stay with size 1.
    /// </summary>
    public Tensor<T> Norm(double p = 2, int[]? dims = null, bool keepDim = false)
    {
        var reduce = dims is null ? [.. Enumerable.Range(0, Rank)] : NormalizeDims("Norm", dims);
        var keptShape = (int[])Dims.Clone();
        foreach (int d in reduce) keptShape[d] = 1;
        var outShape = keepDim ? keptShape : DropDims(reduce);
        if (p == 1) return Abs().Sum(reduce, keepDim);
        if (p == 2) return EuclideanNorm(reduce).Reshape(outShape);
        if (double.IsPositiveInfinity(p))
        {
            if (reduce.Any(d => Dims[d] == 0))
                throw new ArgumentException($"Norm: the ∞-norm of an empty reduction is undefined (shape {Shapes.Format(Dims)}, dims [{string.Join(", ", reduce)}])");
            // Reduced dims moved last and flattened into one, then Max along it.
            int[] perm = [.. Enumerable.Range(0, Rank).Where(d => Array.IndexOf(reduce, d) < 0), .. reduce];
            int[] lanes = [.. perm.Take(Rank - reduce.Length).Select(d => Dims[d]), -1];
            return Abs().Permute(perm).Reshape(lanes).Max(-1).Reshape(outShape);
        }
        throw new ArgumentException($"Norm: p = {p} is not supported; use 1, 2 or ∞ (double.PositiveInfinity) (shape {Shapes.Format(Dims)})");
    }

    /// <summary>
    /// Frobenius norm √Σ x² over the two dims <paramref name="dim0"/> and <paramref name="dim1"/> (batched over the
    /// others), as torch.linalg.matrix_norm with ord = 'fro'; the same as <see cref="Norm"/> with p = 2 over those dims.
    /// </summary>
    public Tensor<T> FrobeniusNorm(int dim0 = -2, int dim1 = -1, bool keepDim = false)
    {
        if (Rank < 2) throw new ArgumentException($"FrobeniusNorm: needs at least 2 dims, got shape {Shapes.Format(Dims)}");
        return Norm(2, [dim0, dim1], keepDim);
    }

    /// <summary>√Σx² over the sorted dims <paramref name="reduce"/>, which stay with size 1.</summary>
    private Tensor<T> EuclideanNorm(int[] reduce)
    {
        Tensor<T> norm;
        using (Tensor.NoGrad()) norm = Square().Sum(reduce, keepDim: true).Sqrt();
        return Graph.Record(norm, Norm2Op, this, static (g, y, x) =>
            [g * x[0] / Tensor.Where(y.Eq(T.Zero), Tensor.Scalar(T.One), y)]);
    }
}
