using System.Numerics;
using System.Runtime.InteropServices;

namespace Autograd.NN.Serialization;

/// <summary>
/// One tensor of a safetensors file: its dtype name (<c>"F32"</c>, <c>"I64"</c>, ...), its shape,
/// and its elements as little-endian bytes in row-major order.
/// Equality is record equality, so arrays compare by reference.
/// </summary>
/// <param name="DType">Safetensors dtype name, e.g. <c>F32</c>; see <see cref="DTypeSize"/> for the known ones.</param>
/// <param name="Shape">Dimensions, outermost first; <c>[]</c> is a scalar (one element).</param>
/// <param name="Data">Little-endian element bytes; length = product(<paramref name="Shape"/>) · size of <paramref name="DType"/>.</param>
public sealed record SafeTensorEntry(string DType, int[] Shape, byte[] Data)
{
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    /// <summary>Bytes per element of a safetensors dtype, or 0 when the name is not a known dtype.</summary>
    public static int DTypeSize(string dtype) => dtype is not null && Sizes.TryGetValue(dtype, out int size) ? size : 0;

    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int d in Shape) count *= d;
            return count;
        }
    }

    /// <summary>An <c>F32</c> entry holding a bit-exact copy of <paramref name="data"/>.</summary>
    public static SafeTensorEntry FromSingle(ReadOnlySpan<float> data, int[] shape) => Create("F32", data, shape);

    /// <summary>An <c>F64</c> entry holding a bit-exact copy of <paramref name="data"/>.</summary>
    public static SafeTensorEntry FromDouble(ReadOnlySpan<double> data, int[] shape) => Create("F64", data, shape);

    /// <summary>An <c>I32</c> entry holding a copy of <paramref name="data"/>.</summary>
    public static SafeTensorEntry FromInt32(ReadOnlySpan<int> data, int[] shape) => Create("I32", data, shape);

    /// <summary>An <c>I64</c> entry holding a copy of <paramref name="data"/>.</summary>
    public static SafeTensorEntry FromInt64(ReadOnlySpan<long> data, int[] shape) => Create("I64", data, shape);

    /// <summary>A <c>U8</c> entry holding a copy of <paramref name="data"/>.</summary>
    public static SafeTensorEntry FromBytes(ReadOnlySpan<byte> data, int[] shape) => Create("U8", data, shape);

    /// <summary>
    /// The elements as <see cref="float"/>: bit-exact for F32, rounded for F64/I32/I64/U32/U64,
    /// exact for F16, BF16 and the small integer types; BOOL gives 0 or 1.
    /// </summary>
    /// <exception cref="NotSupportedException">The dtype is an 8-bit float format.</exception>
    public float[] ToSingle() => DType switch
    {
        "F32" => Decode<float>(),
        "BF16" => Map<ushort, float>(bits => BitConverter.Int32BitsToSingle(bits << 16)),
        _ => Convert<float>(),
    };

    /// <summary>The elements as <see cref="double"/>: bit-exact for F64, exact for every other dtype except I64/U64 beyond 2^53.</summary>
    /// <exception cref="NotSupportedException">The dtype is an 8-bit float format.</exception>
    public double[] ToDouble() => DType switch
    {
        "F64" => Decode<double>(),
        "BF16" => Map<ushort, double>(bits => BitConverter.Int32BitsToSingle(bits << 16)),
        _ => Convert<double>(),
    };

    /// <summary>The elements of an integer or BOOL entry as <see cref="long"/>.</summary>
    /// <exception cref="InvalidOperationException">The dtype is floating point.</exception>
    /// <exception cref="OverflowException">A U64 element exceeds <see cref="long.MaxValue"/>.</exception>
    public long[] ToInt64() => DType switch
    {
        "I64" => Decode<long>(),
        "F16" or "BF16" or "F32" or "F64" or "F8_E5M2" or "F8_E4M3" => throw new InvalidOperationException(
            $"SafeTensorEntry.ToInt64: dtype {DType} is floating point; use ToSingle or ToDouble"),
        _ => Convert<long>(),
    };

    /// <summary>What is wrong with this entry (unknown dtype, negative dimension, wrong byte count), or null if nothing.</summary>
    internal string? Problem()
    {
        if (DType is null || Shape is null || Data is null) return "has a null DType, Shape or Data";
        int size = DTypeSize(DType);
        if (size == 0) return $"has unknown dtype '{DType}'";
        long count = 1;
        foreach (int d in Shape)
        {
            if (d < 0) return $"has negative dimension in shape {ShapeText(Shape)}";
            count *= d; // Shape dims are ints and Data is one array, so a mismatch is caught before overflow matters.
            if (count > Array.MaxLength) return $"shape {ShapeText(Shape)} is too large";
        }
        if (count * size != Data.Length)
            return $"shape {ShapeText(Shape)} of {DType} needs {count * size} bytes but Data has {Data.Length}";
        return null;
    }

    internal static string ShapeText(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    internal static string ShapeText(int[] shape) => $"[{string.Join(", ", shape)}]";

    private static SafeTensorEntry Create<T>(string dtype, ReadOnlySpan<T> data, int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(shape);
        var entry = new SafeTensorEntry(dtype, (int[])shape.Clone(), ToLittleEndian(data));
        if (entry.Problem() is string problem)
            throw new ArgumentException($"SafeTensorEntry.From: {problem} (data has {data.Length} elements)", nameof(shape));
        return entry;
    }

    private static unsafe byte[] ToLittleEndian<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        byte[] bytes = MemoryMarshal.AsBytes(data).ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += sizeof(T)) bytes.AsSpan(i, sizeof(T)).Reverse();
        return bytes;
    }

    /// <summary>Reinterprets <see cref="Data"/> as little-endian elements of <typeparamref name="T"/>.</summary>
    private unsafe T[] Decode<T>() where T : unmanaged
    {
        var result = new T[Data.Length / sizeof(T)];
        Span<byte> target = MemoryMarshal.AsBytes(result.AsSpan());
        Data.AsSpan(0, target.Length).CopyTo(target);
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < target.Length; i += sizeof(T)) target.Slice(i, sizeof(T)).Reverse();
        return result;
    }

    private TOut[] Map<TIn, TOut>(Func<TIn, TOut> convert) where TIn : unmanaged
    {
        TIn[] source = Decode<TIn>();
        var result = new TOut[source.Length];
        for (int i = 0; i < source.Length; i++) result[i] = convert(source[i]);
        return result;
    }

    /// <summary>Numeric conversion from any standard dtype: checked for integer targets, rounding for floating ones.</summary>
    private TOut[] Convert<TOut>() where TOut : INumberBase<TOut> => DType switch
    {
        "F64" => Map<double, TOut>(TOut.CreateChecked),
        "F32" => Map<float, TOut>(TOut.CreateChecked),
        "F16" => Map<Half, TOut>(TOut.CreateChecked),
        "I64" => Map<long, TOut>(TOut.CreateChecked),
        "U64" => Map<ulong, TOut>(TOut.CreateChecked),
        "I32" => Map<int, TOut>(TOut.CreateChecked),
        "U32" => Map<uint, TOut>(TOut.CreateChecked),
        "I16" => Map<short, TOut>(TOut.CreateChecked),
        "U16" => Map<ushort, TOut>(TOut.CreateChecked),
        "I8" => Map<sbyte, TOut>(TOut.CreateChecked),
        "U8" => Map<byte, TOut>(TOut.CreateChecked),
        "BOOL" => Map<byte, TOut>(b => b != 0 ? TOut.One : TOut.Zero),
        _ => throw new NotSupportedException($"SafeTensorEntry: conversion from dtype {DType} is not supported"),
    };
}
