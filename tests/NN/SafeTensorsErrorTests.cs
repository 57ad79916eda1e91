using System.Buffers.Binary;
using System.Text;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

public sealed class SafeTensorsErrorTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteFile(byte[] bytes)
    {
        string path = _dir.File("model.safetensors");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Build(byte[] header, int bufferLength, ulong? declaredLength = null)
    {
        var file = new byte[8 + header.Length + bufferLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)header.Length);
        header.CopyTo(file, 8);
        return file;
    }

    private SafeTensorsFormatException LoadFails(byte[] file, string problem)
    {
        string path = WriteFile(file);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Load(path));
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Equal(path, e.FilePath);
        Assert.Contains(problem, e.Message);
        return e;
    }

    // Headers use ' for " to stay readable here; the helper swaps them back.
    [Theory]
    [InlineData("{'fc1.weight':{'dtype':'F32','shape':[10,5],'data_offsets':[0,100]}}", 100,
        "tensor 'fc1.weight' has data_offsets [0, 100] but shape [10, 5] of F32 needs 200 bytes")]
    [InlineData("{'a':{'shape':[1],'data_offsets':[0,4]}}", 4, "tensor 'a' is missing \"dtype\"")]
    [InlineData("{'a':{'dtype':'F32','data_offsets':[0,4]}}", 4, "tensor 'a' is missing \"shape\"")]
    [InlineData("{'a':{'dtype':'F32','shape':[1]}}", 4, "tensor 'a' is missing \"data_offsets\"")]
    [InlineData("{'a':{'dtype':'F128','shape':[1],'data_offsets':[0,16]}}", 16, "tensor 'a' has unknown dtype 'F128'")]
    [InlineData("{'a':{'dtype':32,'shape':[1],'data_offsets':[0,4]}}", 4, "tensor 'a' has a non-string dtype 32")]
    [InlineData("{'a':{'dtype':'F32','dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 4, "tensor 'a' has duplicate field \"dtype\"")]
    [InlineData("{'a':3}", 0, "tensor 'a' must be an object, got Number")]
    [InlineData("{'a':{'dtype':'F32','shape':[-1],'data_offsets':[0,4]}}", 4, "tensor 'a' has \"shape\" element -1; expected an integer in 0..2147483647")]
    [InlineData("{'a':{'dtype':'F32','shape':[1.5],'data_offsets':[0,4]}}", 4, "tensor 'a' has \"shape\" element 1.5")]
    [InlineData("{'a':{'dtype':'F32','shape':3,'data_offsets':[0,4]}}", 4, "tensor 'a' has \"shape\" 3; expected an array of integers")]
    [InlineData("{'a':{'dtype':'F32','shape':[1],'data_offsets':[4,0]}}", 4, "data_offsets [4, 0]; expected [begin, end] with begin <= end")]
    [InlineData("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4,8]}}", 8, "data_offsets [0, 4, 8]; expected [begin, end]")]
    [InlineData("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]}}", 4, "tensor 'a' has data_offsets [0, 8] past the end of the 4-byte data buffer")]
    [InlineData("{'a':{'dtype':'F32','shape':[2],'data_offsets':[0,8]},'b':{'dtype':'F32','shape':[2],'data_offsets':[4,12]}}", 12,
        "tensor 'b' data_offsets [4, 12] overlap tensor 'a' data_offsets [0, 8]")]
    [InlineData("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]},'b':{'dtype':'F32','shape':[1],'data_offsets':[8,12]}}", 12,
        "hole in data buffer: bytes [4, 8) belong to no tensor (next is 'b')")]
    [InlineData("{'b':{'dtype':'F32','shape':[1],'data_offsets':[4,8]}}", 8, "hole in data buffer: bytes [0, 4)")]
    [InlineData("{'a':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 8, "data buffer is 8 bytes but tensors cover only 4: 4 trailing bytes")]
    [InlineData("{'a':{'dtype':'U8','shape':[1],'data_offsets':[0,1]},'a':{'dtype':'U8','shape':[1],'data_offsets':[1,2]}}", 2, "duplicate key 'a' in header")]
    [InlineData("{'__metadata__':{'k':1}}", 0, "'__metadata__' value for 'k' must be a string, got Number")]
    [InlineData("{'__metadata__':['k']}", 0, "'__metadata__' must be an object of strings, got Array")]
    [InlineData("{'__metadata__':{'k':'v','k':'w'}}", 0, "duplicate key 'k' in '__metadata__'")]
    [InlineData("{'a':", 0, "header is not valid JSON")]
    [InlineData("{'a':{'dtype':'U8','shape':[0],'data_offsets':[0,0]},}", 0, "header is not valid JSON")]
    [InlineData(" {}", 0, "header must start with '{', found byte 0x20")]
    public void Load_InvalidHeader_NamesFileAndProblem(string header, int bufferLength, string problem)
        => LoadFails(Build(Encoding.UTF8.GetBytes(header.Replace('\'', '"')), bufferLength), problem);

    [Fact]
    public void Load_FileShorterThanLengthPrefix()
        => LoadFails([1, 0, 0], "file is 3 bytes, shorter than the 8-byte header length prefix");

    [Fact]
    public void Load_HeaderLengthOverLimit()
        => LoadFails(Build("{}"u8.ToArray(), 0, declaredLength: 100_000_001), "header length 100000001 exceeds the limit of 100000000 bytes");

    [Fact]
    public void Load_HeaderLengthPastEndOfFile()
        => LoadFails(Build("{}"u8.ToArray(), 0, declaredLength: 3), "header length 3 exceeds the 2 bytes after the length prefix");

    [Fact]
    public void Load_HugeHeaderLength_DoesNotWrapAround()
        => LoadFails(Build("{}"u8.ToArray(), 0, declaredLength: ulong.MaxValue), "exceeds the limit");

    [Fact]
    public void Load_InvalidUtf8Header()
        => LoadFails(Build([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], 0), "header is not valid UTF-8");

    [Fact]
    public void Load_OverflowingShape_IsReportedNotWrapped()
        => LoadFails(Build(Encoding.UTF8.GetBytes("""{"a":{"dtype":"F64","shape":[2147483647,2147483647,2147483647],"data_offsets":[0,8]}}"""), 8),
            "shape [2147483647, 2147483647, 2147483647] of F64 needs more than 1099511627776 bytes");

    [Theory]
    [InlineData("F128", 4, "tensor 'bad' has unknown dtype 'F128'")]
    [InlineData("F32", 7, "tensor 'bad' shape [2] of F32 needs 8 bytes but Data has 7")]
    public void Save_InvalidEntry_ThrowsBeforeWriting_AndLeavesOldFileUntouched(string dtype, int bytes, string problem)
    {
        string path = _dir.File("model.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry> { ["w"] = SafeTensorEntry.FromSingle([1f, 2f], [2]) });
        byte[] before = File.ReadAllBytes(path);

        var tensors = new Dictionary<string, SafeTensorEntry>
        {
            ["good"] = SafeTensorEntry.FromSingle([5f], [1]),
            ["bad"] = new SafeTensorEntry(dtype, [2], new byte[bytes]),
        };
        var e = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(path, tensors));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], _dir.FileNames());
    }

    [Fact]
    public void Save_ReservedMetadataName_IsRejected()
    {
        var tensors = new Dictionary<string, SafeTensorEntry> { ["__metadata__"] = SafeTensorEntry.FromBytes([1], [1]) };
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafeTensorsFile.Save(_dir.File("m"), tensors)).Message);
        Assert.Empty(_dir.FileNames());
    }

    [Theory]
    [InlineData(0)]   // fails on the length prefix
    [InlineData(20)]  // fails inside the header
    [InlineData(150)] // fails inside the data
    public void Save_FailingMidWrite_DeletesTempFile_AndLeavesOldFileUntouched(int failAfterBytes)
    {
        string path = _dir.File("model.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry> { ["w"] = SafeTensorEntry.FromSingle([1f, 2f], [2]) });
        byte[] before = File.ReadAllBytes(path);

        var big = new Dictionary<string, SafeTensorEntry> { ["big"] = SafeTensorEntry.FromDouble(new double[100], [10, 10]) };
        var e = Assert.Throws<IOException>(() => SafeTensorsFile.Save(path, big, null, wrap: s => new FailingStream(s, failAfterBytes)));
        Assert.Contains("simulated failure", e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], _dir.FileNames());
        Assert.Equal([1f, 2f], SafeTensorsFile.Load(path).Tensors["w"].ToSingle());
    }

    [Fact]
    public void Save_Overwrites_ExistingFileAtomically()
    {
        string path = _dir.File("model.safetensors");
        File.WriteAllText(path, "old contents");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry> { ["w"] = SafeTensorEntry.FromInt32([42], [1]) });
        Assert.Equal([42L], SafeTensorsFile.Load(path).Tensors["w"].ToInt64());
        Assert.Equal(["model.safetensors"], _dir.FileNames());
    }
}
