using System.IO.Compression;
using Autograd.NN.Data;

namespace Autograd.Tests.NN;

public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // Oracle, by hand from the format: 00 00 | 08 (ubyte) | 02 (rank), dims 2 and 3 as big-endian
    // int32, then the six elements.
    private static readonly byte[] Ubyte2x3 = [0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255];

    private static byte[] Gzip(byte[] raw)
    {
        var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(raw);
        return buffer.ToArray();
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Read_HandBuiltUbyteFile_GivesShapeAndElements()
    {
        IdxArray array = IdxReader.Read(WriteBytes("a.idx", Ubyte2x3));
        Assert.Equal([2, 3], array.Shape);
        Assert.Equal(IdxDataType.UnsignedByte, array.ElementType);
        Assert.Equal(6, array.Count);
        Assert.Equal([1, 2, 3, 4, 5, 255], array.AsBytes());
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 255f], array.ToSingle());
        Assert.Equal([1, 2, 3, 4, 5, 255], array.ToInt32());
    }

    [Fact]
    public void Read_DetectsGzipByContentNotExtension()
    {
        // Gzip content under a plain name, and raw content under a .gz name: both read the same.
        IdxArray zipped = IdxReader.Read(WriteBytes("plain-name", Gzip(Ubyte2x3)));
        IdxArray raw = IdxReader.Read(WriteBytes("looks-zipped.gz", Ubyte2x3));
        Assert.Equal([2, 3], zipped.Shape);
        Assert.Equal(raw.AsBytes(), zipped.AsBytes());
    }

    [Fact]
    public void Read_SignedIntegerTypes_DecodeBigEndianTwosComplement()
    {
        // sbyte 0xFF = -1; short FF FE = -2; int 00 01 00 00 = 65536 and 80 00 00 00 = int.MinValue.
        var sbyteFile = IdxReader.Read(WriteBytes("s8", [0, 0, 0x09, 1, 0, 0, 0, 2, 0xFF, 0x7F]));
        Assert.Equal([-1, 127], sbyteFile.ToInt32());
        var shortFile = IdxReader.Read(WriteBytes("s16", [0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00]));
        Assert.Equal([-2.0, 256.0], shortFile.ToDouble());
        var intFile = IdxReader.Read(WriteBytes("s32", [0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0x80, 0, 0, 0]));
        Assert.Equal([65536, int.MinValue], intFile.ToInt32());
    }

    [Fact]
    public void Write_Ubyte_ProducesTheHandBuiltBytes_RawAndGzip()
    {
        byte[] data = [1, 2, 3, 4, 5, 255];
        string raw = _dir.File("raw.idx");
        string zipped = _dir.File("zipped.idx.gz");
        IdxReader.Write(raw, data, [2, 3]);
        IdxReader.Write(zipped, data, [2, 3], gzip: true);
        Assert.Equal(Ubyte2x3, File.ReadAllBytes(raw));
        byte[] compressed = File.ReadAllBytes(zipped);
        Assert.Equal([0x1F, 0x8B], compressed[..2]);
        using var unzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        var decompressed = new MemoryStream();
        unzip.CopyTo(decompressed);
        Assert.Equal(Ubyte2x3, decompressed.ToArray());
        Assert.Equal(data, IdxReader.Read(zipped).AsBytes());
    }

    private static readonly float[] SpecialFloats =
    [
        1f, -0f, float.Epsilon, BitConverter.Int32BitsToSingle(0x007FFFFF), float.PositiveInfinity, float.MinValue,
        BitConverter.Int32BitsToSingle(0x7FC00001), BitConverter.Int32BitsToSingle(0x7F800001),
        BitConverter.Int32BitsToSingle(unchecked((int)0xFFC12345)),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Float_RoundTripsBitExact_IncludingNaNPayloadsNegativeZeroAndSubnormals(bool gzip)
    {
        string path = _dir.File("f.idx");
        IdxReader.Write(path, SpecialFloats, [3, 3], gzip);
        IdxArray array = IdxReader.Read(path);
        Assert.Equal(IdxDataType.Single, array.ElementType);
        Assert.Equal(SpecialFloats.Select(BitConverter.SingleToInt32Bits), array.ToSingle().Select(BitConverter.SingleToInt32Bits));
        if (!gzip)
        {
            // Big-endian on disk: 1.0f = 0x3F800000 follows the 12-byte header (magic + two dims).
            Assert.Equal([0x3F, 0x80, 0, 0], File.ReadAllBytes(path)[12..16]);
        }
    }

    [Fact]
    public void Double_RoundTripsBitExact()
    {
        double[] values =
        [
            -0.0, double.Epsilon, BitConverter.Int64BitsToDouble(0x000FFFFFFFFFFFFF), double.NegativeInfinity,
            BitConverter.Int64BitsToDouble(0x7FF8000000000ABC), BitConverter.Int64BitsToDouble(0x7FF0000000000001), Math.PI,
        ];
        string path = _dir.File("d.idx");
        IdxReader.Write(path, values, [7]);
        double[] back = IdxReader.Read(path).ToDouble();
        Assert.Equal(values.Select(BitConverter.DoubleToInt64Bits), back.Select(BitConverter.DoubleToInt64Bits));
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 8, 1, 0, 0, 0, 1, 7 }, "bad magic number 01 00 08 01")]
    [InlineData(new byte[] { 0, 0, 0x07, 1, 0, 0, 0, 1, 7 }, "unknown element type code 0x07")]
    [InlineData(new byte[] { 0, 0, 8 }, "truncated header (magic number): expected 4 bytes, got 3")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2, 0 }, "truncated 2 dimension sizes: expected 8 bytes, got 5")]
    [InlineData(new byte[] { 0, 0, 8, 0 }, "declares 0 dimensions")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 0 }, "dimension 1 has size 0")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF }, "dimension 0 has size -1")]
    [InlineData(new byte[] { 0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5 }, "truncated data: shape [2, 3] of UnsignedByte expects 6 bytes, got 5")]
    [InlineData(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0 }, "truncated data: shape [2] of Single expects 8 bytes, got 6")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3, 4 }, "trailing garbage: 2 bytes after the 2 data bytes")]
    public void Read_MalformedFile_RaisesIdxFormatExceptionNamingFileAndProblem(byte[] bytes, string problem)
    {
        foreach (bool gzip in new[] { false, true })
        {
            string path = WriteBytes(gzip ? "bad.gz" : "bad.idx", gzip ? Gzip(bytes) : bytes);
            var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Contains(problem, e.Message);
            Assert.Equal(path, e.FilePath);
        }
    }

    [Fact]
    public void Read_CorruptGzip_RaisesIdxFormatException()
    {
        byte[] zipped = Gzip(Ubyte2x3);
        zipped[12] ^= 0xFF; // damage the deflate stream
        zipped[^8] ^= 0xFF; // and the CRC, so the damage cannot go unnoticed
        string path = WriteBytes("corrupt.gz", zipped);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(path));
        Assert.StartsWith(path + ": ", e.Message);
    }

    [Fact]
    public void Accessors_RejectTheWrongElementType()
    {
        string path = _dir.File("f.idx");
        IdxReader.Write(path, [1f, 2f], [2]);
        IdxArray array = IdxReader.Read(path);
        Assert.Contains("Single", Assert.Throws<InvalidOperationException>(() => array.AsBytes()).Message);
        Assert.Throws<InvalidOperationException>(() => array.ToInt32());
    }

    [Fact]
    public void Write_ShapeMismatch_ThrowsAndLeavesExistingFileUntouched()
    {
        string path = WriteBytes("keep.idx", Ubyte2x3);
        var e = Assert.Throws<ArgumentException>(() => IdxReader.Write(path, [1, 2, 3], [2, 2]));
        Assert.Contains("shape [2, 2] holds 4 elements but data has 3", e.Message);
        Assert.Throws<ArgumentException>(() => IdxReader.Write(path, [1, 2, 3], [3, 0]));
        Assert.Equal(Ubyte2x3, File.ReadAllBytes(path));
        Assert.Equal(["keep.idx"], _dir.FileNames());
    }
}
