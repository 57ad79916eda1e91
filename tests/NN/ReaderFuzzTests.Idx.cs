using System.Buffers.Binary;
using Autograd.NN.Data;

namespace Autograd.Tests.NN;

/// <summary>The IDX half of <see cref="ReaderFuzzTests"/>: the same laws over mutated IDX files, raw and gzipped.</summary>
public sealed partial class ReaderFuzzTests
{
    // ---- IDX --------------------------------------------------------------------------------------------------------

    private static readonly byte[][] ValidIdx = [Idx(0x08, [3, 4, 5], 60), Idx(0x0D, [2, 3], 24), Idx(0x0E, [4], 32), Idx(0x0B, [2, 2], 8)];

    [Fact]
    public async Task Idx_Fuzz_TruncationAtEveryLength_IsRefused()
    {
        foreach (byte[] valid in ValidIdx)
            foreach (bool gzip in new[] { false, true })
            {
                byte[] file = gzip ? Gzip(valid) : valid;
                Assert.NotNull(await ReadIdx(file, $"valid IDX type 0x{valid[2]:X2} gzip={gzip}"));
                for (int length = 0; length < file.Length; length++)
                {
                    string label = $"IDX type 0x{valid[2]:X2} gzip={gzip} truncated to {length} of {file.Length} bytes";
                    // Oracle: the size is implied by the header (raw) or checked by the gzip trailer, so every cut is detectable.
                    Assert.True(await ReadIdx(file[..length], label) is null, $"{label}: read a truncated file");
                }
            }
    }

    [Fact]
    public async Task Idx_Fuzz_HeaderMutations_AreRefusedOrReadConsistently()
    {
        var random = new Random(14_06);
        for (int c = 0; c < Cases; c++)
        {
            byte[] file = (byte[])ValidIdx[random.Next(ValidIdx.Length)].Clone();
            int rank = file[3];
            string mutation;
            switch (c % 4)
            {
                case 0: file[random.Next(2)] = (byte)random.Next(1, 256); mutation = "wrong magic"; break;
                case 1: file[2] = (byte)random.Next(256); mutation = $"type code 0x{file[2]:X2}"; break;
                case 2: file[3] = (byte)random.Next(256); mutation = $"rank {file[3]}"; break;
                default:
                    int[] hostile = [0, -1, int.MinValue, int.MaxValue, 1 << 16, 1 << 30, random.Next(), -random.Next(), random.Next(1, 100)];
                    int dim = random.Next(rank), value = hostile[random.Next(hostile.Length)];
                    BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * dim), value);
                    mutation = $"dimension {dim} = {value}";
                    break;
            }
            bool gzip = random.Next(2) == 0;
            string label = $"IDX case {c}: {mutation}, gzip={gzip}";
            var read = await ReadIdx(gzip ? Gzip(file) : file, label);
            // Oracle: a file that still reads must have a shape whose product times the element size is its data length.
            if (read is not null)
                Assert.True(read.Shape.Aggregate(1L, (p, d) => p * d) * IdxArray.ElementSize(read.ElementType) == file.Length - 4 - 4 * read.Shape.Length,
                    $"{label}: read shape [{string.Join(", ", read.Shape)}] that does not match the data");
        }
    }

    [Fact]
    public async Task Idx_Fuzz_GzipCorruption_OnlyDocumentedErrors()
    {
        var random = new Random(14_07);
        for (int c = 0; c < Cases; c++)
        {
            byte[] gz = Gzip(ValidIdx[random.Next(ValidIdx.Length)]);
            int position = random.Next(2, gz.Length); // keep the 1F 8B magic so the gzip path is taken
            byte xor = (byte)random.Next(1, 256);
            await ReadIdx(Flip(gz, position, xor), $"IDX gzip case {c}: byte {position} of {gz.Length} ^= 0x{xor:X2}");
        }
    }

    [Fact]
    public async Task Idx_Fuzz_LyingHeaderInSmallGzip_IsRefusedWithoutAHugeAllocation()
    {
        // ubyte [46000, 46000] = 2.116e9 bytes, just under the one-array limit, declared by a 50-byte gzip file.
        foreach (int[] shape in new[] { new[] { 46000, 46000 }, new[] { 60000, 28, 28 }, new[] { 1 << 20 } })
        {
            string label = $"IDX gzip claiming shape [{string.Join(", ", shape)}] with 16 data bytes";
            var error = await Bounded(() => IdxReader.Read(WriteTo("lying.idx.gz", Gzip(Idx(0x08, shape, 16)))), label);
            Assert.True(error is IdxFormatException && error.Message.Contains("truncated data", StringComparison.Ordinal), $"{label}: got {error}");
        }
    }

    /// <summary>Hostile IDX files (built from raw bytes, optionally gzipped) and the problem each must be refused
    /// with (listed in docs/reader-fuzzing.md).</summary>
    public static TheoryData<string, byte[], string> HostileIdx => new()
    {
        { "empty file", [], "truncated header (magic number): expected 4 bytes, got 0" },
        { "wrong magic", [0x01, 0x00, 0x08, 0x01, 0, 0, 0, 1, 7], "bad magic number 01 00 08 01" },
        { "unknown type code", [0, 0, 0x0A, 1, 0, 0, 0, 1, 7], "unknown element type code 0x0A" },
        { "rank 0", [0, 0, 0x08, 0], "declares 0 dimensions" },
        { "zero dimension", Idx(0x08, [0], 0), "dimension 0 has size 0" },
        { "negative dimension", Idx(0x08, [2, -3], 0), "dimension 1 has size -3" },
        { "dims whose product overflows", Idx(0x0E, [int.MaxValue, int.MaxValue, int.MaxValue], 8), "needs more than 2147483591 bytes" },
        { "dims exceeding the file", Idx(0x0C, [1000, 1000], 16), "truncated data: shape [1000, 1000] of Int32 expects 4000000 bytes, got 16" },
        { "rank larger than the file", [0, 0, 0x08, 200, 0, 0, 0, 1], "truncated 200 dimension sizes: expected 800 bytes, got 4" },
        { "trailing garbage", Idx(0x08, [2], 3), "trailing garbage: 1 bytes after the 2 data bytes" },
        { "gzip, lying header", Gzip(Idx(0x08, [60000, 28, 28], 16)), "truncated data: shape [60000, 28, 28] of UnsignedByte expects 47040000 bytes, got 16" },
        { "gzip, trailing garbage", Gzip(Idx(0x08, [2], 3)), "trailing garbage: 1 bytes after the 2 data bytes" },
        { "gzip, cut in the trailer", Gzip(Idx(0x08, [2], 2))[..^2], "truncated or corrupt gzip" },
        { "gzip, CRC flipped", Flip(Gzip(Idx(0x08, [2], 2)), Gzip(Idx(0x08, [2], 2)).Length - 6, 0xFF), "corrupt gzip data" },
        { "gzip magic only", [0x1F, 0x8B], "truncated header (magic number): expected 4 bytes, got 0" },
    };

    [Theory]
    [MemberData(nameof(HostileIdx))]
    public async Task Idx_Fuzz_HostileFiles_AreRefusedWithTheirProblem(string kind, byte[] file, string problem)
    {
        string label = $"IDX hostile file ({kind})";
        string path = WriteTo("hostile.idx", file);
        var error = await Bounded(() => IdxReader.Read(path), label);
        Assert.True(error is not null, $"{label}: read");
        Documented<IdxFormatException>(error, path, label);
        Assert.True(error!.Message.Contains(problem, StringComparison.Ordinal), $"{label}: message lacks \"{problem}\": {error.Message}");
    }
}
