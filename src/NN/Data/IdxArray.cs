using System.Buffers.Binary;

namespace Autograd.NN.Data;

/// <summary>Element type codes of the IDX format (third byte of the magic number).</summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned 8-bit integer (0x08); MNIST images and labels use this.</summary>
    UnsignedByte = 0x08,
    /// <summary>Signed 8-bit integer (0x09).</summary>
    SignedByte = 0x09,
    /// <summary>Big-endian signed 16-bit integer (0x0B).</summary>
    Int16 = 0x0B,
    /// <summary>Big-endian signed 32-bit integer (0x0C).</summary>
    Int32 = 0x0C,
    /// <summary>Big-endian IEEE 754 binary32 (0x0D).</summary>
    Single = 0x0D,
    /// <summary>Big-endian IEEE 754 binary64 (0x0E).</summary>
    Double = 0x0E,
}

/// <summary>
/// A malformed IDX file. The message starts with the file path and names the problem.
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class IdxFormatException : IOException
{
    /// <summary>Creates the exception with the message "<paramref name="path"/>: <paramref name="problem"/>".</summary>
    public IdxFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file that failed to parse.</summary>
    public string FilePath { get; }
}

/// <summary>
/// The contents of an IDX file: a shape, an element type, and the elements in row-major order.
/// Elements are kept as the file's big-endian bytes and decoded by the accessors.
/// </summary>
public sealed class IdxArray
{
    private readonly byte[] _bigEndian;

    internal IdxArray(IdxDataType type, int[] shape, byte[] bigEndianData)
    {
        ElementType = type;
        Shape = shape;
        _bigEndian = bigEndianData;
        Count = bigEndianData.Length / ElementSize(type);
    }

    /// <summary>The dimensions, outermost first (for MNIST images: [count, rows, cols]).</summary>
    public int[] Shape { get; }

    /// <summary>The element type code stored in the file.</summary>
    public IdxDataType ElementType { get; }

    /// <summary>Number of elements: the product of <see cref="Shape"/>.</summary>
    public int Count { get; }

    /// <summary>Size in bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSize(IdxDataType type) => type switch
    {
        IdxDataType.UnsignedByte or IdxDataType.SignedByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Single => 4,
        IdxDataType.Double => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not an IDX element type"),
    };

    /// <summary>
    /// The elements of an <see cref="IdxDataType.UnsignedByte"/> array, without copying
    /// (the returned array is this object's storage).
    /// </summary>
    /// <exception cref="InvalidOperationException">The element type is not unsigned byte.</exception>
    public byte[] AsBytes()
    {
        if (ElementType != IdxDataType.UnsignedByte)
            throw new InvalidOperationException($"IdxArray.AsBytes: element type is {ElementType}, not UnsignedByte");
        return _bigEndian;
    }

    /// <summary>Every element converted to <see cref="float"/> (exact for bytes, shorts and floats).</summary>
    public float[] ToSingle()
    {
        var result = new float[Count];
        if (ElementType == IdxDataType.Double)
        {
            for (int i = 0; i < result.Length; i++) result[i] = (float)ReadDouble(i);
        }
        else if (ElementType == IdxDataType.Single)
        {
            for (int i = 0; i < result.Length; i++)
                result[i] = BinaryPrimitives.ReadSingleBigEndian(_bigEndian.AsSpan(4 * i));
        }
        else
        {
            for (int i = 0; i < result.Length; i++) result[i] = ReadInteger(i);
        }
        return result;
    }

    /// <summary>Every element converted to <see cref="double"/> (exact for every IDX type).</summary>
    public double[] ToDouble()
    {
        var result = new double[Count];
        for (int i = 0; i < result.Length; i++) result[i] = ReadDouble(i);
        return result;
    }

    /// <summary>Every element of an integer-typed array as <see cref="int"/> (for example class labels).</summary>
    /// <exception cref="InvalidOperationException">The element type is floating point.</exception>
    public int[] ToInt32()
    {
        if (ElementType is IdxDataType.Single or IdxDataType.Double)
            throw new InvalidOperationException($"IdxArray.ToInt32: element type is {ElementType}, not an integer type");
        var result = new int[Count];
        for (int i = 0; i < result.Length; i++) result[i] = ReadInteger(i);
        return result;
    }

    private double ReadDouble(int i) => ElementType switch
    {
        IdxDataType.Double => BinaryPrimitives.ReadDoubleBigEndian(_bigEndian.AsSpan(8 * i)),
        IdxDataType.Single => BinaryPrimitives.ReadSingleBigEndian(_bigEndian.AsSpan(4 * i)),
        _ => ReadInteger(i),
    };

    private int ReadInteger(int i) => ElementType switch
    {
        IdxDataType.UnsignedByte => _bigEndian[i],
        IdxDataType.SignedByte => (sbyte)_bigEndian[i],
        IdxDataType.Int16 => BinaryPrimitives.ReadInt16BigEndian(_bigEndian.AsSpan(2 * i)),
        IdxDataType.Int32 => BinaryPrimitives.ReadInt32BigEndian(_bigEndian.AsSpan(4 * i)),
        _ => throw new InvalidOperationException($"IdxArray: element type {ElementType} is not an integer type"),
    };
}
