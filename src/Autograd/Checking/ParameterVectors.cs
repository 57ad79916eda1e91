using System.Numerics;

namespace Autograd;

// Flattening several tensors (a model's parameters, their gradients) into one vector and back, so that the
// functional transforms can treat them as one input: Hessian(loss ∘ VectorToParameters, ParametersToVector(ps)).
public static partial class Tensor
{
    /// <summary>
    /// One 1-D tensor holding the elements of every tensor in <paramref name="tensors"/>, in order, each row-major:
    /// concat(reshape(t₀, −1), reshape(t₁, −1), …), as PyTorch's <c>parameters_to_vector</c>. Differentiable: the
    /// gradient of piece k is its slice of the vector's gradient, reshaped back.
    /// </summary>
    public static Tensor<T> ParametersToVector<T>(IReadOnlyList<Tensor<T>> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("ParametersToVector: no tensors given");
        var pieces = new Tensor<T>[tensors.Count];
        for (int k = 0; k < pieces.Length; k++)
            pieces[k] = (tensors[k] ?? throw new ArgumentNullException(nameof(tensors), $"ParametersToVector: tensor {k} is null")).Reshape(-1);
        return Concat(pieces);
    }

    /// <summary>
    /// The inverse of <see cref="ParametersToVector{T}"/>: piece k is the next Π shapes[k] elements of the 1-D
    /// <paramref name="vector"/>, narrowed and reshaped to shapes[k]. Differentiable. Unlike PyTorch's
    /// <c>vector_to_parameters</c> it writes into nothing: it returns the pieces (views of the vector when it is
    /// contiguous).
    /// </summary>
    public static Tensor<T>[] VectorToParameters<T>(Tensor<T> vector, IReadOnlyList<IReadOnlyList<int>> shapes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(vector);
        ArgumentNullException.ThrowIfNull(shapes);
        var dims = new int[shapes.Count][];
        long total = 0;
        for (int k = 0; k < dims.Length; k++)
        {
            dims[k] = [.. shapes[k] ?? throw new ArgumentNullException(nameof(shapes), $"VectorToParameters: shape {k} is null")];
            Shapes.CheckShape("VectorToParameters", dims[k]);
            total += Shapes.Size(dims[k]);
        }
        if (vector.Rank != 1 || vector.NumElements != total)
            throw new ArgumentException($"VectorToParameters: vector has shape {Shapes.Format(vector.Dims)} but the shapes {string.Join(", ", dims.Select(d => Shapes.Format(d)))} need a 1-D vector of {total} elements");
        var pieces = new Tensor<T>[dims.Length];
        for (int k = 0, offset = 0; k < dims.Length; offset += pieces[k].NumElements, k++)
            pieces[k] = vector.Narrow(0, offset, Shapes.Size(dims[k])).Reshape(dims[k]);
        return pieces;
    }
}
