using System.Buffers.Binary;
using System.Text;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Builds a file by hand per the spec: u64 LE header length, the header bytes, the buffer.</summary>
    private static byte[] Build(string header, byte[] buffer, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + buffer.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        buffer.CopyTo(file, 8 + json.Length);
        return file;
    }

    private string WriteFile(byte[] bytes, string name = "model.safetensors")
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Load_HandBuiltFile_GivesExpectedValues()
    {
        // Header written by hand, padded with spaces; the buffer bytes are little-endian encodings worked out by hand:
        // I64 1 = 01 00.., -2 = FE FF..; F32 1 = 0x3F800000, -2 = 0xC0000000, 0.5 = 0x3F000000, 3 = 0x40400000;
        // F16 1 = 0x3C00, -0.5 = 0xB800; BF16 1 = 0x3F80, -2 = 0xC000; U8 scalar 200 = C8; an empty F64 [0, 3].
        string header = ("{'__metadata__':{'format':'pt'},'b':{'dtype':'I64','shape':[2],'data_offsets':[0,16]},"
            + "'a':{'dtype':'F32','shape':[2,2],'data_offsets':[16,32]},'h':{'dtype':'F16','shape':[2],'data_offsets':[32,36]},"
            + "'g':{'dtype':'BF16','shape':[2],'data_offsets':[36,40]},'s':{'dtype':'U8','shape':[],'data_offsets':[40,41]},"
            + "'e':{'dtype':'F64','shape':[0,3],'data_offsets':[41,41]}}     ").Replace('\'', '"');
        byte[] buffer =
        [
            1, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F, 0, 0, 0x40, 0x40,
            0, 0x3C, 0, 0xB8,
            0x80, 0x3F, 0, 0xC0,
            0xC8,
        ];
        var (tensors, metadata) = SafeTensorsFile.Load(WriteFile(Build(header, buffer)));

        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, metadata);
        Assert.Equal(["a", "b", "e", "g", "h", "s"], tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("F32", tensors["a"].DType);
        Assert.Equal([2, 2], tensors["a"].Shape);
        Assert.Equal([1f, -2f, 0.5f, 3f], tensors["a"].ToSingle());
        Assert.Equal([1L, -2L], tensors["b"].ToInt64());
        Assert.Equal([1f, -0.5f], tensors["h"].ToSingle());
        Assert.Equal([1.0, -2.0], tensors["g"].ToDouble());
        Assert.Empty(tensors["s"].Shape);
        Assert.Equal(1L, tensors["s"].ElementCount);
        Assert.Equal([200L], tensors["s"].ToInt64());
        Assert.Equal([0, 3], tensors["e"].Shape);
        Assert.Empty(tensors["e"].Data);
    }

    [Fact]
    public void Save_WritesTheSpecByteLayout()
    {
        var tensors = new Dictionary<string, SafeTensorEntry>
        {
            ["w"] = SafeTensorEntry.FromSingle([1f, -2f], [2]),
            ["step"] = SafeTensorEntry.FromInt64([7L], []),
        };
        string path = _dir.File("out.safetensors");
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["a"] = "b" });
        byte[] file = File.ReadAllBytes(path);

        // Metadata first with sorted keys, then tensors by element size (I64 before F32), compact JSON.
        const string json = """{"__metadata__":{"a":"b","format":"pt"},"step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""";
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, (8 + n) % 8); // the buffer starts 8-byte aligned
        Assert.InRange(n - (ulong)json.Length, 0UL, 7UL);
        Assert.Equal(json + new string(' ', (int)n - json.Length), Encoding.UTF8.GetString(file, 8, (int)n));
        Assert.Equal([7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0], file[(8 + (int)n)..]);
    }

    [Fact]
    public void Save_EmptyDictionary_WritesPaddedEmptyObject()
    {
        string path = _dir.File("empty.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry>());
        // "{}" padded with six spaces: N = 8, file = 8 + 8 bytes.
        Assert.Equal(Build("{}      ", []), File.ReadAllBytes(path));
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        Assert.Empty(tensors);
        Assert.Empty(metadata);
    }

    [Fact]
    public void RoundTrip_IsBitExact_ForSpecialFloatsAndIntegerExtremes()
    {
        float[] singles =
        [
            -0f, float.Epsilon, BitConverter.Int32BitsToSingle(0x007FFFFF), float.NegativeInfinity, float.MaxValue,
            BitConverter.Int32BitsToSingle(0x7FC00001), BitConverter.Int32BitsToSingle(0x7F800001),
            BitConverter.Int32BitsToSingle(unchecked((int)0xFFC12345)),
        ];
        double[] doubles =
        [
            -0.0, double.Epsilon, BitConverter.Int64BitsToDouble(0x000FFFFFFFFFFFFF), double.PositiveInfinity,
            BitConverter.Int64BitsToDouble(0x7FF8000000000ABC), BitConverter.Int64BitsToDouble(0x7FF0000000000001),
        ];
        var tensors = new Dictionary<string, SafeTensorEntry>
        {
            ["f32"] = SafeTensorEntry.FromSingle(singles, [2, 4]),
            ["f64"] = SafeTensorEntry.FromDouble(doubles, [3, 2]),
            ["i32"] = SafeTensorEntry.FromInt32([int.MinValue, -1, 0, int.MaxValue], [4]),
            ["i64"] = SafeTensorEntry.FromInt64([long.MinValue, long.MaxValue], [2, 1]),
            ["u8"] = SafeTensorEntry.FromBytes([0, 128, 255], [3]),
            ["empty"] = SafeTensorEntry.FromSingle([], [2, 0]),
        };
        string path = _dir.File("rt.safetensors");
        SafeTensorsFile.Save(path, tensors);
        var (back, _) = SafeTensorsFile.Load(path);

        Assert.Equal(singles.Select(BitConverter.SingleToInt32Bits), back["f32"].ToSingle().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits), back["f64"].ToDouble().Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal([int.MinValue, -1L, 0L, int.MaxValue], back["i32"].ToInt64());
        Assert.Equal([long.MinValue, long.MaxValue], back["i64"].ToInt64());
        Assert.Equal([0f, 128f, 255f], back["u8"].ToSingle());
        foreach (var (name, entry) in tensors)
        {
            Assert.Equal(entry.DType, back[name].DType);
            Assert.Equal(entry.Shape, back[name].Shape);
            Assert.Equal(entry.Data, back[name].Data);
        }
    }

    [Fact]
    public void Save_IsDeterministic_RegardlessOfInsertionOrder()
    {
        var a = SafeTensorEntry.FromSingle([1f, 2f], [2]);
        var b = SafeTensorEntry.FromDouble([3.0], [1]);
        var c = SafeTensorEntry.FromBytes([4], [1]);
        string first = _dir.File("1.safetensors"), second = _dir.File("2.safetensors");
        SafeTensorsFile.Save(first, new Dictionary<string, SafeTensorEntry> { ["a"] = a, ["b"] = b, ["c"] = c },
            new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" });
        SafeTensorsFile.Save(second, new Dictionary<string, SafeTensorEntry> { ["c"] = c, ["b"] = b, ["a"] = a },
            new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" });
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Conversions_ToInt64_RejectsFloatingPointEntries()
    {
        var e = Assert.Throws<InvalidOperationException>(() => SafeTensorEntry.FromSingle([1f], [1]).ToInt64());
        Assert.Contains("F32", e.Message);
        Assert.Equal([1.0, 0.0], new SafeTensorEntry("BOOL", [2], [1, 0]).ToDouble());
        Assert.Equal([-3f, 1f], SafeTensorEntry.FromInt32([-3, 1], [2]).ToSingle());
        Assert.Throws<ArgumentException>(() => SafeTensorEntry.FromSingle([1f, 2f, 3f], [2, 2]));
    }
}
