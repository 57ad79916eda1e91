using System.Text;

namespace Autograd;

/// <summary>Shape arithmetic shared by every op: sizes, strides, broadcasting, dim normalisation.</summary>
internal static class Shapes
{
    /// <summary>Number of elements of a shape (1 for a scalar shape []).</summary>
    public static int Size(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has more than {int.MaxValue} elements");
        return (int)n;
    }

    /// <summary>Row-major (C-order) strides of a shape.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 0) return [];
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    public static string Format(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(shape[i]);
        }
        return sb.Append(']').ToString();
    }

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);

    /// <summary>Normalises a possibly negative dim against a rank; throws naming the op.</summary>
    public static int NormalizeDim(string op, int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if (d < 0 || d >= rank)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank}");
        return d;
    }

    /// <summary>Whether <paramref name="shape"/> broadcasts to <paramref name="target"/> one way (it has no more dims, and
    /// each of its dims, aligned at the trailing end, is 1 or the target's).</summary>
    public static bool BroadcastsTo(ReadOnlySpan<int> shape, ReadOnlySpan<int> target)
    {
        if (shape.Length > target.Length) return false;
        for (int i = 1; i <= shape.Length; i++)
            if (shape[^i] != 1 && shape[^i] != target[^i]) return false;
        return true;
    }

    /// <summary>NumPy broadcasting of two shapes; throws naming the op and both shapes.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1;
            int db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dim {i}: {da} vs {db})");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Strides that read a tensor of <paramref name="shape"/>/<paramref name="strides"/> as if it had
    /// the (broadcast) shape <paramref name="target"/>: broadcast dims get stride 0.</summary>
    public static int[] BroadcastStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, ReadOnlySpan<int> target)
    {
        var result = new int[target.Length];
        int offset = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            result[i + offset] = shape[i] == 1 && target[i + offset] != 1 ? 0 : strides[i];
        return result;
    }

    /// <summary>Resolves a single -1 in a reshape target against the element count.</summary>
    public static int[] InferReshape(string op, ReadOnlySpan<int> from, int[] to)
    {
        int size = Size(from);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < to.Length; i++)
        {
            if (to[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension can be -1 in {Format(to)}");
                infer = i;
            }
            else if (to[i] < 0) throw new ArgumentException($"{op}: negative dimension in {Format(to)}");
            else known *= to[i];
        }
        var result = (int[])to.Clone();
        if (infer >= 0)
        {
            if (known == 0 || size % known != 0)
                throw new ArgumentException($"{op}: cannot reshape tensor of shape {Format(from)} ({size} elements) to {Format(to)}");
            result[infer] = (int)(size / known);
        }
        else if (known != size)
            throw new ArgumentException($"{op}: cannot reshape tensor of shape {Format(from)} ({size} elements) to {Format(to)} ({known} elements)");
        return result;
    }

    public static void CheckShape(string op, int[] shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ArgumentException($"{op}: negative dimension in shape {Format(shape)}");
    }
}
