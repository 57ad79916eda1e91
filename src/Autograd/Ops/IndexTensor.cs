using System.Collections.ObjectModel;
using System.Numerics;

namespace Autograd;

/// <summary>
/// A tensor of whole numbers (int), the typed form of positions (PyTorch's integer tensors): what Argsort, Sort, TopK
/// and Multinomial return and what Gather, ScatterAdd, IndexSelect and IndexAdd take, so indices are never whole
/// numbers stored in floating point. Immutable; not differentiable (no gradient flows through positions).
/// </summary>
public sealed class IndexTensor
{
    internal readonly int[] Values;
    internal readonly int[] Dims;
    private ReadOnlyCollection<int>? _shapeView;

    /// <summary>An index tensor of <paramref name="shape"/> holding a copy of <paramref name="values"/> (row-major).</summary>
    public IndexTensor(int[] values, params int[] shape) : this((int[])values.Clone(), (int[])shape.Clone(), Ownership.Given)
    {
    }

    private enum Ownership { Given }

    /// <summary>Takes the arrays as they are (the public constructor copies them first).</summary>
    private IndexTensor(int[] values, int[] shape, Ownership _)
    {
        Shapes.CheckShape("IndexTensor", shape);
        if (values.Length != Shapes.Size(shape))
            throw new ArgumentException($"IndexTensor: {values.Length} values do not fill shape {Shapes.Format(shape)} ({Shapes.Size(shape)} elements)");
        Values = values;
        Dims = shape;
    }

    /// <summary>Wraps arrays the caller gives up (no copy).</summary>
    internal static IndexTensor Own(int[] values, int[] shape) => new(values, shape, Ownership.Given);

    /// <summary>A 1-D index tensor of <paramref name="values"/>: <c>IndexTensor.Of(2, 0, 1)</c>.</summary>
    public static IndexTensor Of(params int[] values) => new(values, values.Length);

    /// <summary>
    /// The whole numbers of <paramref name="tensor"/> (e.g. indices that an older API returned as floating point) as an
    /// index tensor of the same shape; throws naming the first element that is not a whole number in int's range.
    /// </summary>
    public static IndexTensor FromTensor<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => FromTensor("IndexTensor", tensor);

    internal static IndexTensor FromTensor<T>(string op, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = tensor.ToArray();
        var result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            T v = values[i];
            if (!T.IsInteger(v) || T.Abs(v) > T.CreateChecked(int.MaxValue))
                throw new ArgumentException($"{op}: index value {v} at position {i} is not a whole number (index shape {Shapes.Format(tensor.Dims)})");
            result[i] = int.CreateChecked(v);
        }
        return Own(result, (int[])tensor.Dims.Clone());
    }

    /// <summary>The sizes of the dims.</summary>
    public IReadOnlyList<int> Shape => _shapeView ??= new ReadOnlyCollection<int>(Dims);

    /// <summary>Number of dims.</summary>
    public int Rank => Dims.Length;

    /// <summary>Number of elements, Π shape.</summary>
    public int NumElements => Values.Length;

    /// <summary>The element at <paramref name="index"/> (one coordinate per dim).</summary>
    public int this[params int[] index] => Values[Flat("IndexTensor", Dims, index)];

    /// <summary>A copy of the elements in row-major order.</summary>
    public int[] ToArray() => (int[])Values.Clone();

    /// <summary>The same elements with another shape (one size may be −1, inferred).</summary>
    public IndexTensor Reshape(params int[] shape) => Own(Values, Shapes.InferReshape("IndexTensor.Reshape", Dims, shape));

    /// <summary>The positions as whole numbers in <typeparamref name="T"/> (a tensor that requires no gradient).</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = new T[Values.Length];
        for (int i = 0; i < data.Length; i++) data[i] = T.CreateChecked(Values[i]);
        return Tensor.FromArrayNoCopy(data, (int[])Dims.Clone());
    }

    /// <inheritdoc />
    public override string ToString() => $"IndexTensor {Shapes.Format(Dims)} [{string.Join(", ", Values.Take(20))}{(Values.Length > 20 ? ", …" : "")}]";

    /// <summary>Row-major position of <paramref name="index"/> in <paramref name="dims"/>, checked.</summary>
    internal static int Flat(string type, int[] dims, int[] index)
    {
        if (index.Length != dims.Length)
            throw new ArgumentException($"{type}: {index.Length} coordinates for shape {Shapes.Format(dims)}");
        int flat = 0;
        for (int d = 0; d < dims.Length; d++)
        {
            if (index[d] < 0 || index[d] >= dims[d])
                throw new ArgumentOutOfRangeException(nameof(index), $"{type}: coordinate {index[d]} is out of range for dim {d} of shape {Shapes.Format(dims)}");
            flat = flat * dims[d] + index[d];
        }
        return flat;
    }

    /// <summary>Checks every value is a position in [0, <paramref name="size"/>) of dim <paramref name="d"/>.</summary>
    internal void CheckRange(string op, int d, int size, IReadOnlyList<int> inputShape)
    {
        foreach (int i in Values)
            if (i < 0 || i >= size)
                throw new ArgumentOutOfRangeException("index", $"{op}: index value {i} is not a valid position in dim {d} of size {size} (shape {Shapes.Format([.. inputShape])})");
    }
}

/// <summary>
/// A tensor of booleans, the typed form of masks (PyTorch's bool tensors): MaskedFill and Where take it, so masks are
/// never 0/1 values stored in floating point. Immutable; not differentiable.
/// </summary>
public sealed class BoolTensor
{
    internal readonly bool[] Values;
    internal readonly int[] Dims;
    private ReadOnlyCollection<int>? _shapeView;

    /// <summary>A mask of <paramref name="shape"/> holding a copy of <paramref name="values"/> (row-major).</summary>
    public BoolTensor(bool[] values, params int[] shape)
    {
        Shapes.CheckShape("BoolTensor", shape);
        if (values.Length != Shapes.Size(shape))
            throw new ArgumentException($"BoolTensor: {values.Length} values do not fill shape {Shapes.Format(shape)} ({Shapes.Size(shape)} elements)");
        Values = (bool[])values.Clone();
        Dims = (int[])shape.Clone();
    }

    /// <summary>The mask x ≠ 0 of <paramref name="tensor"/> (NaN counts as true, as a cast to bool does in PyTorch).</summary>
    public static BoolTensor FromTensor<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> =>
        new([.. tensor.ToArray().Select(static v => v != T.Zero)], (int[])tensor.Dims.Clone());

    /// <summary>The sizes of the dims.</summary>
    public IReadOnlyList<int> Shape => _shapeView ??= new ReadOnlyCollection<int>(Dims);

    /// <summary>Number of dims.</summary>
    public int Rank => Dims.Length;

    /// <summary>Number of elements, Π shape.</summary>
    public int NumElements => Values.Length;

    /// <summary>The element at <paramref name="index"/> (one coordinate per dim).</summary>
    public bool this[params int[] index] => Values[IndexTensor.Flat("BoolTensor", Dims, index)];

    /// <summary>A copy of the elements in row-major order.</summary>
    public bool[] ToArray() => (bool[])Values.Clone();

    /// <summary>The mask as 1 (true) and 0 (false) in <typeparamref name="T"/> (a tensor that requires no gradient).</summary>
    public Tensor<T> ToTensor<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor.FromArrayNoCopy([.. Values.Select(static b => b ? T.One : T.Zero)], (int[])Dims.Clone());

    /// <inheritdoc />
    public override string ToString() => $"BoolTensor {Shapes.Format(Dims)}";
}
