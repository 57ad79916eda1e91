using System.Buffers.Binary;
using System.IO.Compression;
using Autograd.NN.Serialization;

namespace Autograd.NN.Data;

/// <summary>
/// Reads and writes the IDX format of MNIST and Fashion-MNIST:
/// <c>00 00 TT RR</c> (two zero bytes, element type code TT, rank RR), then RR big-endian int32
/// dimensions, then the elements big-endian in row-major order. Gzip-compressed files are
/// recognised by their content (magic <c>1F 8B</c>), not by their extension.
/// </summary>
public static class IdxReader
{
    private const int ReadChunk = 1 << 20;

    /// <summary>The first data buffer when the length is not known in advance (gzip): small, so that a header
    /// lying about the size costs little (it was 64 MB, which ReaderFuzzTests caught); it doubles as data arrives.</summary>
    private const int InitialBuffer = 1 << 16;

    /// <summary>Reads the IDX file at <paramref name="path"/>, decompressing it first if it is gzip.</summary>
    /// <exception cref="IdxFormatException">The file is not a well-formed IDX file (bad magic, unknown
    /// type code, non-positive dimension, truncated data, trailing bytes, corrupt or truncated gzip).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> probe = stackalloc byte[2];
        int probed = file.ReadAtLeast(probe, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = probed == 2 && probe[0] == 0x1F && probe[1] == 0x8B;
        if (!gzip) return Parse(file, path, file.Length);
        try
        {
            IdxArray array;
            using (var unzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true))
                array = Parse(unzip, path, knownLength: null);
            CheckGzipTrailer(file, path, 4 + 4L * array.Shape.Length + (long)array.Count * IdxArray.ElementSize(array.ElementType));
            return array;
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"corrupt gzip data: {e.Message}", e);
        }
    }

    /// <summary>
    /// GZipStream ends quietly when the file is cut inside the last deflate block or the 8-byte trailer, after all
    /// the data has come out, so a truncated file would read as whole (found by ReaderFuzzTests). The trailer ends with
    /// ISIZE, the decompressed length mod 2^32 (RFC 1952); a cut leaves other bytes there. This assumes one gzip member,
    /// as gzip writes and as MNIST ships; a file of several concatenated members is refused.
    /// </summary>
    private static void CheckGzipTrailer(FileStream file, string path, long decompressed)
    {
        const int MinimumGzip = 18; // the 10-byte header and the 8-byte trailer
        if (file.Length < MinimumGzip)
            throw new IdxFormatException(path, $"truncated gzip: {file.Length} bytes, shorter than the smallest gzip file ({MinimumGzip})");
        Span<byte> isize = stackalloc byte[4];
        file.Position = file.Length - 4;
        file.ReadExactly(isize);
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(isize);
        if (declared != (uint)decompressed)
            throw new IdxFormatException(path,
                $"truncated or corrupt gzip: the trailer's ISIZE is {declared} but the data decompressed to {decompressed} bytes (mod 2^32: {(uint)decompressed})");
    }

    /// <summary>Writes unsigned bytes as an IDX file (type 0x08), atomically.</summary>
    /// <param name="path">Destination; replaced only once the new file is complete.</param>
    /// <param name="data">Elements in row-major order; the length must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">Dimensions, 1 to 255 of them, each positive.</param>
    /// <param name="gzip">Compress the file with gzip.</param>
    public static void Write(string path, ReadOnlySpan<byte> data, ReadOnlySpan<int> shape, bool gzip = false)
    {
        byte[] payload = data.ToArray();
        WriteEncoded(path, IdxDataType.UnsignedByte, shape, data.Length, payload, gzip);
    }

    /// <summary>Writes binary32 floats as an IDX file (type 0x0D, big-endian, bit-exact), atomically.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{byte}, ReadOnlySpan{int}, bool)" path="/param"/>
    public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape, bool gzip = false)
    {
        var payload = new byte[checked(data.Length * sizeof(float))];
        for (int i = 0; i < data.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(4 * i), BitConverter.SingleToInt32Bits(data[i]));
        WriteEncoded(path, IdxDataType.Single, shape, data.Length, payload, gzip);
    }

    /// <summary>Writes binary64 doubles as an IDX file (type 0x0E, big-endian, bit-exact), atomically.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{byte}, ReadOnlySpan{int}, bool)" path="/param"/>
    public static void Write(string path, ReadOnlySpan<double> data, ReadOnlySpan<int> shape, bool gzip = false)
    {
        var payload = new byte[checked(data.Length * sizeof(double))];
        for (int i = 0; i < data.Length; i++)
            BinaryPrimitives.WriteInt64BigEndian(payload.AsSpan(8 * i), BitConverter.DoubleToInt64Bits(data[i]));
        WriteEncoded(path, IdxDataType.Double, shape, data.Length, payload, gzip);
    }

    private static void WriteEncoded(string path, IdxDataType type, ReadOnlySpan<int> shape, int count, byte[] payload, bool gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (shape.Length is 0 or > 255)
            throw new ArgumentException($"IdxReader.Write: {path}: an IDX file has 1 to 255 dimensions, got {shape.Length}", nameof(shape));
        long product = 1;
        foreach (int d in shape)
        {
            if (d <= 0)
                throw new ArgumentException($"IdxReader.Write: {path}: dimensions must be positive, got shape [{string.Join(", ", shape.ToArray())}]", nameof(shape));
            product *= d;
            if (product > int.MaxValue) break;
        }
        if (product != count)
            throw new ArgumentException($"IdxReader.Write: {path}: shape [{string.Join(", ", shape.ToArray())}] holds {product} elements but data has {count}", nameof(shape));

        var header = new byte[4 + 4 * shape.Length];
        header[2] = (byte)type;
        header[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), shape[i]);

        AtomicFile.Write(path, stream =>
        {
            if (!gzip)
            {
                stream.Write(header);
                stream.Write(payload);
                return;
            }
            using var zip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true);
            zip.Write(header);
            zip.Write(payload);
        });
    }

    /// <summary>Parses an uncompressed IDX stream. <paramref name="knownLength"/> is the stream length when known (raw files).</summary>
    private static IdxArray Parse(Stream stream, string path, long? knownLength)
    {
        var magic = new byte[4];
        ReadExpected(stream, magic, path, "header (magic number)");
        if (magic[0] != 0 || magic[1] != 0)
            throw new IdxFormatException(path, $"bad magic number {Hex(magic)}: an IDX file starts with two zero bytes");
        var type = (IdxDataType)magic[2];
        if (!Enum.IsDefined(type))
            throw new IdxFormatException(path,
                $"unknown element type code 0x{magic[2]:X2} (known: 0x08 ubyte, 0x09 sbyte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)");
        int rank = magic[3];
        if (rank == 0)
            throw new IdxFormatException(path, "declares 0 dimensions; an IDX file needs at least one");

        var dimBytes = new byte[4 * rank];
        ReadExpected(stream, dimBytes, path, $"{rank} dimension sizes");
        var shape = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (shape[i] <= 0)
                throw new IdxFormatException(path, $"dimension {i} has size {shape[i]}; every dimension must be positive");
            elements = Math.Min(elements * shape[i], Array.MaxLength + 1L); // saturate: both factors < 2^31
        }
        string shapeText = $"[{string.Join(", ", shape)}]";
        int size = IdxArray.ElementSize(type);
        long expected = elements * size;
        if (expected > Array.MaxLength)
            throw new IdxFormatException(path, $"shape {shapeText} of {type} needs more than {Array.MaxLength} bytes, the most one array can hold");

        long headerLength = 4 + 4L * rank;
        if (knownLength is long length)
        {
            // Raw file: check the size before allocating anything.
            long available = length - headerLength;
            if (available < expected)
                throw new IdxFormatException(path, $"truncated data: shape {shapeText} of {type} expects {expected} bytes, got {available}");
            if (available > expected)
                throw new IdxFormatException(path, $"trailing garbage: {available - expected} bytes after the {expected} data bytes of shape {shapeText}");
        }

        // A raw file's size is checked above, so its buffer is allocated once; a gzip stream's grows as data arrives.
        byte[] data = ReadData(stream, (int)expected, knownLength is null ? InitialBuffer : (int)expected, path, shapeText, type);
        long trailing = CountRemaining(stream);
        if (trailing > 0)
            throw new IdxFormatException(path, $"trailing garbage: {trailing} bytes after the {expected} data bytes of shape {shapeText}");
        return new IdxArray(type, shape, data);
    }

    /// <summary>Reads exactly <paramref name="expected"/> bytes, growing the buffer as data arrives so a
    /// lying header in a small compressed file cannot force a huge allocation.</summary>
    private static byte[] ReadData(Stream stream, int expected, int initial, string path, string shapeText, IdxDataType type)
    {
        var buffer = new byte[Math.Min(expected, initial)];
        int got = 0;
        while (got < expected)
        {
            if (got == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(expected, 2L * buffer.Length));
            int n = stream.Read(buffer, got, Math.Min(buffer.Length - got, ReadChunk));
            if (n == 0)
                throw new IdxFormatException(path, $"truncated data: shape {shapeText} of {type} expects {expected} bytes, got {got}");
            got += n;
        }
        return buffer;
    }

    private static void ReadExpected(Stream stream, byte[] buffer, string path, string what)
    {
        int got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < buffer.Length)
            throw new IdxFormatException(path, $"truncated {what}: expected {buffer.Length} bytes, got {got}");
    }

    private static long CountRemaining(Stream stream)
    {
        var scratch = new byte[8192];
        long total = 0;
        int n;
        while ((n = stream.Read(scratch)) > 0) total += n;
        return total;
    }

    private static string Hex(byte[] bytes) => string.Join(" ", bytes.Select(b => b.ToString("X2")));
}
