using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

/// <summary>
/// Deterministic fuzzing of the safetensors and IDX readers over mutated valid files (seeded <see cref="Random"/>,
/// a fixed number of cases per mutation kind). The laws checked on every case: the read ends within
/// <see cref="Limit"/> (no hang); it either succeeds or throws the documented format exception whose message starts
/// with the file path (never IndexOutOfRange, Overflow, OutOfMemory, …); it allocates less than
/// <see cref="MaxAllocated"/> bytes on its thread (so a header claiming terabytes is refused before allocation);
/// and a failed checkpoint load leaves the target model's values bit-identical. docs/reader-fuzzing.md lists the
/// inputs and the errors they get.
/// </summary>
public sealed partial class ReaderFuzzTests : IDisposable
{
    private const int Cases = 300;
    private const long MaxAllocated = 4 << 20;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    // ---- the laws ---------------------------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="read"/> on a worker thread within <see cref="Limit"/>; returns what it threw
    /// (null on success) after checking the bytes it allocated.</summary>
    private static async Task<Exception?> Bounded(Action read, string label)
    {
        Exception? error = null;
        long allocated = 0;
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try { read(); }
            catch (Exception e) { error = e; }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        try { await task.WaitAsync(Limit); }
        catch (TimeoutException) { Assert.Fail($"{label}: the read did not finish within {Limit.TotalSeconds} s (hang)"); }
        Assert.True(allocated < MaxAllocated, $"{label}: the read allocated {allocated} bytes, more than {MaxAllocated}");
        return error;
    }

    /// <summary>Checks that <paramref name="error"/> is null or a <typeparamref name="TDocumented"/> naming <paramref name="path"/>.</summary>
    private static void Documented<TDocumented>(Exception? error, string path, string label) where TDocumented : IOException
    {
        if (error is null) return;
        if (error is not TDocumented)
            Assert.Fail($"{label}: threw {error.GetType().Name} instead of {typeof(TDocumented).Name}: {error}");
        Assert.True(error.Message.StartsWith(path + ": ", StringComparison.Ordinal),
            $"{label}: the message does not start with the file path: {error.Message}");
    }

    private async Task<(Dictionary<string, SafeTensorEntry> Tensors, Dictionary<string, string> Metadata)?> LoadSafeTensors(byte[] file, string label)
    {
        string path = _dir.File("fuzz.safetensors");
        File.WriteAllBytes(path, file);
        (Dictionary<string, SafeTensorEntry>, Dictionary<string, string>)? result = null;
        var error = await Bounded(() => result = SafeTensorsFile.Load(path), label);
        Documented<SafeTensorsFormatException>(error, path, label);
        return result;
    }

    private async Task<IdxArray?> ReadIdx(byte[] file, string label)
    {
        string path = _dir.File("fuzz.idx");
        File.WriteAllBytes(path, file);
        IdxArray? result = null;
        var error = await Bounded(() => result = IdxReader.Read(path), label);
        Documented<IdxFormatException>(error, path, label);
        return result;
    }

    // ---- valid seeds ------------------------------------------------------------------------------------------------

    /// <summary>A valid file with every dtype size, a scalar, an empty tensor and metadata, written by <see cref="SafeTensorsFile.Save(string, IReadOnlyDictionary{string, SafeTensorEntry}, IReadOnlyDictionary{string, string}?)"/>.</summary>
    private byte[] ValidSafeTensors()
    {
        string path = _dir.File("valid.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, SafeTensorEntry>
        {
            ["w"] = SafeTensorEntry.FromSingle([1, 2, 3, 4, 5, 6], [2, 3]),
            ["b"] = SafeTensorEntry.FromDouble([0.5, -0.5], [2]),
            ["i"] = SafeTensorEntry.FromInt64([7, 8, 9], [3]),
            ["u"] = SafeTensorEntry.FromBytes([1, 2, 3, 4, 5], [5]),
            ["s"] = SafeTensorEntry.FromSingle([42], []),
            ["e"] = SafeTensorEntry.FromSingle([], [0, 3]),
        }, new Dictionary<string, string> { ["note"] = "fuzz seed" });
        return File.ReadAllBytes(path);
    }

    private static int HeaderEnd(byte[] file) => 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);

    private static byte[] SafeTensorsWith(string header, int bufferLength, ulong? declared = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + bufferLength];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declared ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    private static byte[] Idx(byte type, int[] shape, int dataLength)
    {
        var file = new byte[4 + 4 * shape.Length + dataLength];
        file[2] = type;
        file[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++) BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), shape[i]);
        for (int i = 4 + 4 * shape.Length; i < file.Length; i++) file[i] = (byte)i;
        return file;
    }

    private static byte[] Gzip(byte[] raw)
    {
        var output = new MemoryStream();
        using (var zip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true)) zip.Write(raw);
        return output.ToArray();
    }

    private static byte[] Flip(byte[] file, int position, byte xor)
    {
        var copy = (byte[])file.Clone();
        copy[position] ^= xor;
        return copy;
    }

    // ---- safetensors ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task SafeTensors_Fuzz_TruncationAtEveryLength_IsRefused()
    {
        byte[] valid = ValidSafeTensors();
        Assert.NotNull(await LoadSafeTensors(valid, "the valid seed"));
        for (int length = 0; length < valid.Length; length++)
        {
            string label = $"safetensors truncated to {length} of {valid.Length} bytes (header ends at {HeaderEnd(valid)})";
            // Oracle: every byte of a Save output belongs to the prefix, the header or a tensor, so any cut is detectable.
            Assert.True(await LoadSafeTensors(valid[..length], label) is null, $"{label}: loaded a truncated file");
        }
    }

    [Fact]
    public async Task SafeTensors_Fuzz_LengthPrefixFlips_AreRefused()
    {
        byte[] valid = ValidSafeTensors();
        var random = new Random(14_01);
        for (int c = 0; c < Cases; c++)
        {
            int position = random.Next(8);
            byte xor = (byte)random.Next(1, 256);
            string label = $"safetensors case {c}: length prefix byte {position} ^= 0x{xor:X2}";
            // Oracle: the prefix must equal the header length exactly; any other value cuts JSON or data.
            Assert.True(await LoadSafeTensors(Flip(valid, position, xor), label) is null, $"{label}: loaded a wrong header length");
        }
    }

    [Fact]
    public async Task SafeTensors_Fuzz_HeaderFlips_LoadOrAreRefused()
    {
        byte[] valid = ValidSafeTensors();
        int end = HeaderEnd(valid);
        var random = new Random(14_02);
        for (int c = 0; c < Cases; c++)
        {
            int position = random.Next(8, end);
            byte xor = (byte)random.Next(1, 256);
            await LoadSafeTensors(Flip(valid, position, xor), $"safetensors case {c}: header byte {position} ^= 0x{xor:X2}");
        }
    }

    [Fact]
    public async Task SafeTensors_Fuzz_DataFlips_LoadWithExactlyThatByteChanged()
    {
        byte[] valid = ValidSafeTensors();
        int end = HeaderEnd(valid);
        var original = (await LoadSafeTensors(valid, "the valid seed"))!.Value.Tensors;
        var random = new Random(14_03);
        for (int c = 0; c < Cases; c++)
        {
            int position = random.Next(end, valid.Length);
            byte xor = (byte)random.Next(1, 256);
            string label = $"safetensors case {c}: data byte {position} ^= 0x{xor:X2}";
            var loaded = (await LoadSafeTensors(Flip(valid, position, xor), label))?.Tensors;
            Assert.True(loaded is not null, $"{label}: the data buffer is free-form, yet the load failed");
            // Oracle: the data buffer is the tensors' bytes back to back, so exactly one byte of one tensor differs, by xor.
            var differences = original.SelectMany(kv => kv.Value.Data.Zip(loaded![kv.Key].Data, (a, b) => (byte)(a ^ b)))
                .Where(d => d != 0).ToArray();
            Assert.True(differences is [var d] && d == xor, $"{label}: differences {string.Join(",", differences)}, expected one of 0x{xor:X2}");
        }
    }

    /// <summary>Hostile headers and the problem each must be refused with (listed in docs/reader-fuzzing.md).</summary>
    public static TheoryData<string, string, int, string> HostileHeaders => new()
    {
        { "deep nesting", "{'a':" + new string('[', 10_000) + new string(']', 10_000) + "}", 0, "header is not valid JSON" },
        { "nesting past MaxDepth 8", "{'a':{'b':{'c':{'d':{'e':{'f':{'g':{'h':{'i':{}}}}}}}}}}", 0, "header is not valid JSON" },
        { "not JSON", "{'a' 'b'}", 0, "header is not valid JSON" },
        { "JSON array", "[1, 2]", 0, "header must start with '{'" },
        { "lone surrogate in a name", "{'\\ud800':{'dtype':'F32','shape':[1],'data_offsets':[0,4]}}", 4, "not valid UTF-16" },
        { "lone surrogate in a dtype", "{'a':{'dtype':'\\udc00','shape':[1],'data_offsets':[0,4]}}", 4, "not valid UTF-16" },
        { "lone surrogate in metadata", "{'__metadata__':{'k':'\\ud800x'}}", 0, "not valid UTF-16" },
        { "duplicate tensor key", "{'a':{'dtype':'U8','shape':[1],'data_offsets':[0,1]},'a':{'dtype':'U8','shape':[1],'data_offsets':[0,1]}}", 1, "duplicate key 'a' in header" },
        { "duplicate metadata key", "{'__metadata__':{'k':'v','k':'w'}}", 0, "duplicate key 'k' in '__metadata__'" },
        { "metadata not an object", "{'__metadata__':[1]}", 0, "'__metadata__' must be an object of strings, got Array" },
        { "metadata value not a string", "{'__metadata__':{'k':1}}", 0, "'__metadata__' value for 'k' must be a string, got Number" },
        { "unknown dtype", "{'a':{'dtype':'F128','shape':[1],'data_offsets':[0,16]}}", 16, "unknown dtype 'F128'" },
        { "lower-case dtype", "{'a':{'dtype':'f32','shape':[1],'data_offsets':[0,4]}}", 4, "unknown dtype 'f32'" },
        { "null dtype", "{'a':{'dtype':null,'shape':[1],'data_offsets':[0,4]}}", 4, "non-string dtype null" },
        { "huge number in shape", "{'a':{'dtype':'U8','shape':[1e400],'data_offsets':[0,1]}}", 1, "\"shape\" element 1e400" },
        { "2^64 in data_offsets", "{'a':{'dtype':'U8','shape':[1],'data_offsets':[0,18446744073709551616]}}", 1, "\"data_offsets\" element 18446744073709551616" },
        { "negative dim", "{'a':{'dtype':'U8','shape':[-1],'data_offsets':[0,1]}}", 1, "\"shape\" element -1" },
        { "dim past int.MaxValue", "{'a':{'dtype':'U8','shape':[2147483648],'data_offsets':[0,2147483648]}}", 1, "\"shape\" element 2147483648" },
        { "negative offset", "{'a':{'dtype':'U8','shape':[1],'data_offsets':[-1,0]}}", 1, "\"data_offsets\" element -1" },
        { "fractional offset", "{'a':{'dtype':'U8','shape':[1],'data_offsets':[0.0,1]}}", 1, "\"data_offsets\" element 0.0" },
        { "dims whose product overflows int64", "{'a':{'dtype':'F64','shape':[2147483647,2147483647,2147483647],'data_offsets':[0,8]}}", 8, "needs more than 1099511627776 bytes" },
        { "shape/offset mismatch", "{'a':{'dtype':'F32','shape':[2,3],'data_offsets':[0,20]}}", 20, "shape [2, 3] of F32 needs 24 bytes" },
        { "offsets reversed", "{'a':{'dtype':'U8','shape':[0],'data_offsets':[4,0]}}", 4, "expected [begin, end] with begin <= end" },
        { "offsets past the buffer", "{'a':{'dtype':'U8','shape':[4],'data_offsets':[4,8]}}", 4, "past the end of the 4-byte data buffer" },
        { "overlapping offsets", "{'a':{'dtype':'U8','shape':[4],'data_offsets':[0,4]},'b':{'dtype':'U8','shape':[4],'data_offsets':[2,6]}}", 6, "overlap tensor 'a'" },
        { "terabyte tensor, small file", "{'a':{'dtype':'F32','shape':[1048576,1048576],'data_offsets':[0,4398046511104]}}", 16, "needs more than 1099511627776 bytes" },
        { "int64.MaxValue offsets", "{'a':{'dtype':'U8','shape':[0],'data_offsets':[9223372036854775807,9223372036854775807]}}", 0, "past the end of the 0-byte data buffer" },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public async Task SafeTensors_Fuzz_HostileJson_IsRefusedWithItsProblem(string kind, string header, int bufferLength, string problem)
    {
        string label = $"safetensors hostile header ({kind})";
        string path = _dir.File("fuzz.safetensors");
        File.WriteAllBytes(path, SafeTensorsWith(header.Replace('\'', '"'), bufferLength));
        var error = await Bounded(() => SafeTensorsFile.Load(path), label);
        Assert.True(error is not null, $"{label}: loaded");
        Documented<SafeTensorsFormatException>(error, path, label);
        Assert.True(error!.Message.Contains(problem, StringComparison.Ordinal), $"{label}: message lacks \"{problem}\": {error.Message}");
    }

    [Fact]
    public async Task SafeTensors_Fuzz_RandomHostileHeaders_OnlyDocumentedErrors()
    {
        string[] names = ["a", "b", "a", "__metadata__", "\\ud800", "", "\\u0000"];
        string[] dtypes = ["'F32'", "'F64'", "'U8'", "'I64'", "'BOOL'", "'F128'", "''", "1", "null", "[]"];
        string[] shapes = ["[]", "[0]", "[1]", "[2,3]", "[-1]", "[1.5]", "[2147483648]", "[1e400]", "[4294967296,4294967296]",
            "[1048576,1048576,1048576]", "[2147483647,2147483647]", "'x'", "{}", "[[1]]", "null"];
        string[] offsets = ["[0,0]", "[0,4]", "[0,24]", "[4,8]", "[4,0]", "[0]", "[0,1,2]", "[-4,0]", "[0,18446744073709551616]",
            "[0,9223372036854775807]", "[9223372036854775807,9223372036854775807]", "[0,4398046511104]", "'0,4'", "[0.0,4]"];
        string[] metadata = ["{'k':'v'}", "{'k':1}", "[]", "'x'", "{'k':'\\udc00'}", "{'k':'v','k':'v'}"];
        var random = new Random(14_04);
        for (int c = 0; c < Cases; c++)
        {
            var parts = new List<string>();
            if (random.Next(4) == 0) parts.Add($"'__metadata__':{metadata[random.Next(metadata.Length)]}");
            for (int n = random.Next(1, 4); n > 0; n--)
                parts.Add($"'{names[random.Next(names.Length)]}':{{'dtype':{dtypes[random.Next(dtypes.Length)]}," +
                    $"'shape':{shapes[random.Next(shapes.Length)]},'data_offsets':{offsets[random.Next(offsets.Length)]}}}");
            string header = ("{" + string.Join(",", parts) + "}").Replace('\'', '"');
            int[] bufferLengths = [0, 4, 24, 100];
            await LoadSafeTensors(SafeTensorsWith(header, bufferLengths[random.Next(4)]), $"safetensors random header case {c}: {header}");
        }
    }

    [Fact]
    public async Task SafeTensors_Fuzz_HeaderClaimingTerabytes_IsRefusedBeforeAllocation()
    {
        // A 3 GiB sparse file whose header is consistent with its size: every size check passes, and only the
        // one-array limit stands between the reader and a 3 GiB allocation. 3·2^30 / 4 = 805306368 F32 elements.
        string path = _dir.File("huge.safetensors");
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[805306368],\"data_offsets\":[0,3221225472]}}";
        byte[] start = SafeTensorsWith(header, 0);
        using (var stream = new FileStream(path, FileMode.Create))
        {
            stream.Write(start);
            stream.SetLength(start.Length + 3221225472L);
        }
        var error = await Bounded(() => SafeTensorsFile.Load(path), "safetensors 3 GiB sparse file");
        Assert.True(error is SafeTensorsFormatException && error.Message.Contains("more than one array can hold", StringComparison.Ordinal),
            $"safetensors 3 GiB sparse file: expected the one-array limit, got {error}");

        // Length prefixes claiming terabytes of header, and a 99 MB header in a tiny file.
        foreach (ulong declared in new[] { ulong.MaxValue, 1UL << 40, 99_999_999UL })
        {
            var failure = await Bounded(() => SafeTensorsFile.Load(WriteTo("prefix.safetensors", SafeTensorsWith("{}", 0, declared))),
                $"safetensors length prefix {declared}");
            Assert.True(failure is SafeTensorsFormatException && failure.Message.Contains($"header length {declared} exceeds", StringComparison.Ordinal),
                $"safetensors length prefix {declared}: got {failure}");
        }
    }

    private string WriteTo(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Checkpoint_Fuzz_FailedLoad_LeavesTheModelUnchanged()
    {
        string source = _dir.File("source.safetensors");
        Checkpoint.SaveModel(source, new Sequential<float>(new Linear<float>(3, 4, new Generator(1)), new Linear<float>(4, 2, new Generator(2))));
        byte[] valid = File.ReadAllBytes(source);
        int end = HeaderEnd(valid);
        var target = new Sequential<float>(new Linear<float>(3, 4, new Generator(3)), new Linear<float>(4, 2, new Generator(4)));
        string path = _dir.File("checkpoint.safetensors");
        var random = new Random(14_05);
        int failures = 0;
        for (int c = 0; c < Cases; c++)
        {
            byte[] file = c % 2 == 0 ? valid[..random.Next(valid.Length)] : Flip(valid, random.Next(end), (byte)random.Next(1, 256));
            string label = $"checkpoint case {c} ({(c % 2 == 0 ? $"truncated to {file.Length}" : "header flip")})";
            File.WriteAllBytes(path, file);
            var before = target.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray());
            var error = await Bounded(() => Checkpoint.LoadModel(path, target), label);
            if (error is null) continue; // a flip that keeps the file valid (e.g. in padding) may load; truncations never do
            failures++;
            if (error is not CheckpointException) Documented<SafeTensorsFormatException>(error, path, label);
            // Oracle: the values just before this load, compared bit for bit.
            foreach (var (key, tensor) in target.StateDict())
                Assert.True(before[key].AsSpan().SequenceEqual(tensor.ToArray()), $"{label}: '{key}' changed after a failed load");
        }
        Assert.True(failures >= Cases / 2, $"checkpoint fuzz: only {failures} of {Cases} mutated files failed; every truncation must");
    }
}
