using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Autograd.NN.Serialization;

/// <summary>
/// A malformed safetensors file. The message starts with the file path and names the problem.
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed.
/// </summary>
public sealed class SafeTensorsFormatException : IOException
{
    /// <summary>Creates the exception with the message "<paramref name="path"/>: <paramref name="problem"/>".</summary>
    public SafeTensorsFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file that failed to parse.</summary>
    public string FilePath { get; }
}

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
/// an 8-byte little-endian u64 <c>N</c>; <c>N</c> bytes of UTF-8 JSON mapping each tensor name to
/// <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> plus an optional <c>"__metadata__"</c>
/// string-to-string map; then the data buffer, with offsets relative to its start, little-endian, row-major.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The largest header accepted, as in the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The reserved header key holding free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically: a temporary file in the same
    /// directory is written and flushed to disk, then moved over <paramref name="path"/>. On failure the temporary
    /// file is deleted and an existing file is left untouched.
    /// The output is deterministic: tensors are laid out by element size (largest first, so each tensor is
    /// aligned to its element size) and then by ordinal name; metadata keys are sorted; the header is compact
    /// JSON padded with spaces so the data buffer starts at a multiple of 8 bytes.
    /// </summary>
    /// <exception cref="ArgumentException">An entry is invalid (unknown dtype, data length ≠ product(shape)·size)
    /// or a tensor is named <c>__metadata__</c>.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, SafeTensorEntry> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
        => Save(path, tensors, metadata, wrap: null);

    /// <summary><see cref="Save(string, IReadOnlyDictionary{string, SafeTensorEntry}, IReadOnlyDictionary{string, string}?)"/>
    /// with a test seam that wraps the output stream (to inject a failure mid-write).</summary>
    internal static void Save(string path, IReadOnlyDictionary<string, SafeTensorEntry> tensors,
        IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream>? wrap)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var ordered = new List<KeyValuePair<string, SafeTensorEntry>>(tensors.Count);
        foreach (var (name, entry) in tensors)
        {
            if (name == MetadataKey)
                throw new ArgumentException($"SafeTensorsFile.Save: {path}: '{MetadataKey}' is reserved and cannot name a tensor", nameof(tensors));
            string? problem = entry is null ? "is null" : entry.Problem();
            if (problem is not null)
                throw new ArgumentException($"SafeTensorsFile.Save: {path}: tensor '{name}' {problem}", nameof(tensors));
            ordered.Add(new(name, entry!));
        }
        ordered.Sort((a, b) =>
        {
            int bySize = SafeTensorEntry.DTypeSize(b.Value.DType).CompareTo(SafeTensorEntry.DTypeSize(a.Value.DType));
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Key, b.Key);
        });

        byte[] header = BuildHeader(ordered, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var (_, entry) in ordered) stream.Write(entry.Data);
        }, wrap);
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, SafeTensorEntry>> ordered,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new MemoryStream();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };
        using (var writer = new Utf8JsonWriter(json, options))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (string key in metadata.Keys.Order(StringComparer.Ordinal))
                    writer.WriteString(key, metadata[key] ?? throw new ArgumentException($"SafeTensorsFile.Save: metadata '{key}' is null"));
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, entry) in ordered)
            {
                writer.WriteStartObject(name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (int d in entry.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset += entry.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        // Pad with spaces (valid trailing JSON whitespace) so that 8 + N is a multiple of 8.
        int padding = (int)((8 - json.Length % 8) % 8);
        for (int i = 0; i < padding; i++) json.WriteByte((byte)' ');
        return json.ToArray();
    }

    /// <summary>
    /// Reads a safetensors file, validating everything before returning anything: the header length
    /// (at most <see cref="MaxHeaderLength"/> and within the file), the JSON, every entry's dtype, shape and
    /// data_offsets, that each byte range matches product(shape)·size(dtype), and that the ranges tile the
    /// data buffer exactly (no overlap, no hole, nothing past the end, nothing left over).
    /// </summary>
    /// <returns>The tensors by name and the <c>__metadata__</c> map (empty when absent).</returns>
    /// <exception cref="SafeTensorsFormatException">The file is malformed; the message names the file and the problem.</exception>
    public static (Dictionary<string, SafeTensorEntry> Tensors, Dictionary<string, string> Metadata) Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long length = file.Length;
        if (length < 8)
            throw new SafeTensorsFormatException(path, $"file is {length} bytes, shorter than the 8-byte header length prefix");
        Span<byte> prefix = stackalloc byte[8];
        file.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
        if (headerLength > (ulong)(length - 8))
            throw new SafeTensorsFormatException(path, $"header length {headerLength} exceeds the {length - 8} bytes after the length prefix");
        if (headerLength < 2)
            throw new SafeTensorsFormatException(path, $"header length {headerLength} is too small to hold a JSON object");

        var header = new byte[(int)headerLength];
        file.ReadExactly(header);
        long bufferLength = length - 8 - (long)headerLength;
        var (infos, metadata) = ParseHeader(path, header, bufferLength);

        // Everything is validated; now read the buffer, which the ranges tile in order.
        var tensors = new Dictionary<string, SafeTensorEntry>(infos.Count, StringComparer.Ordinal);
        foreach (var info in infos)
        {
            var data = new byte[info.End - info.Begin];
            try { file.ReadExactly(data); }
            catch (EndOfStreamException e)
            {
                throw new SafeTensorsFormatException(path, $"file shrank while reading tensor '{info.Name}'", e);
            }
            tensors.Add(info.Name, new SafeTensorEntry(info.DType, info.Shape, data));
        }
        return (tensors, metadata);
    }

    /// <summary>A validated header entry; offsets are relative to the data buffer.</summary>
    private sealed record TensorInfo(string Name, string DType, int[] Shape, long Begin, long End);

    /// <summary>Parses and validates the header; returns the entries sorted by offset and the metadata.</summary>
    private static (List<TensorInfo> Infos, Dictionary<string, string> Metadata) ParseHeader(
        string path, byte[] header, long bufferLength)
    {
        if (header[0] != (byte)'{')
            throw new SafeTensorsFormatException(path, $"header must start with '{{', found byte 0x{header[0]:X2}");
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw new SafeTensorsFormatException(path, "header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(path, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw new SafeTensorsFormatException(path, "header must be a JSON object");
            var infos = new List<TensorInfo>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (JsonProperty property in document.RootElement.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                        throw new SafeTensorsFormatException(path, $"duplicate key '{property.Name}' in header");
                    if (property.Name == MetadataKey)
                        ReadMetadata(path, property.Value, metadata);
                    else
                        infos.Add(ReadTensorInfo(path, property.Name, property.Value));
                }
            }
            catch (InvalidOperationException e)
            {
                // JsonProperty.Name and JsonElement.GetString throw this for an escape that is valid JSON but not
                // valid UTF-16, such as a lone surrogate "\ud800" (found by ReaderFuzzTests).
                throw new SafeTensorsFormatException(path, $"header has a string that is not valid UTF-16: {e.Message}", e);
            }
            CheckLayout(path, infos, bufferLength);
            return (infos, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(path, $"'{MetadataKey}' must be an object of strings, got {value.ValueKind}");
        foreach (JsonProperty item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new SafeTensorsFormatException(path, $"'{MetadataKey}' value for '{item.Name}' must be a string, got {item.Value.ValueKind}");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw new SafeTensorsFormatException(path, $"duplicate key '{item.Name}' in '{MetadataKey}'");
        }
    }

    private static TensorInfo ReadTensorInfo(string path, string name, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' must be an object, got {value.ValueKind}");
        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            ref JsonElement? slot = ref dtypeElement;
            if (field.Name == "shape") slot = ref shapeElement;
            else if (field.Name == "data_offsets") slot = ref offsetsElement;
            else if (field.Name != "dtype") continue; // unknown fields are ignored, as by the reference reader
            if (slot is not null)
                throw new SafeTensorsFormatException(path, $"tensor '{name}' has duplicate field \"{field.Name}\"");
            slot = field.Value;
        }
        if (dtypeElement is not { } dtypeJson || shapeElement is not { } shapeJson || offsetsElement is not { } offsetsJson)
        {
            string missing = dtypeElement is null ? "dtype" : shapeElement is null ? "shape" : "data_offsets";
            throw new SafeTensorsFormatException(path, $"tensor '{name}' is missing \"{missing}\"");
        }

        string dtype = dtypeJson.ValueKind == JsonValueKind.String ? dtypeJson.GetString()! :
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has a non-string dtype {dtypeJson.GetRawText()}");
        int size = SafeTensorEntry.DTypeSize(dtype);
        if (size == 0)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has unknown dtype '{dtype}'");

        long[] shape = ReadIntegers(path, name, "shape", shapeJson, int.MaxValue);
        long[] offsets = ReadIntegers(path, name, "data_offsets", offsetsJson, long.MaxValue);
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' has data_offsets {SafeTensorEntry.ShapeText(offsets)}; expected [begin, end] with begin <= end");

        // Saturating product: past 2^40 bytes the exact value no longer matters (it exceeds any array).
        const long Cap = 1L << 40;
        long needed = size;
        foreach (long d in shape) needed = needed > Cap / Math.Max(d, 1) ? Cap : needed * d;
        if (shape.Contains(0)) needed = 0;
        string neededText = needed >= Cap ? $"more than {Cap}" : $"{needed}";
        if (needed != offsets[1] - offsets[0])
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' has data_offsets {SafeTensorEntry.ShapeText(offsets)} but shape {SafeTensorEntry.ShapeText(shape)} of {dtype} needs {neededText} bytes");
        if (needed > Array.MaxLength)
            throw new SafeTensorsFormatException(path,
                $"tensor '{name}' holds {needed} bytes, more than one array can hold ({Array.MaxLength})");
        return new TensorInfo(name, dtype, Array.ConvertAll(shape, d => (int)d), offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string path, string name, string field, JsonElement array, long max)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw new SafeTensorsFormatException(path, $"tensor '{name}' has \"{field}\" {array.GetRawText()}; expected an array of integers");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0 || v > max)
                throw new SafeTensorsFormatException(path,
                    $"tensor '{name}' has \"{field}\" element {item.GetRawText()}; expected an integer in 0..{max}");
            values[i++] = v;
        }
        return values;
    }

    /// <summary>Checks that the byte ranges tile [0, bufferLength) exactly, and sorts them by offset.</summary>
    private static void CheckLayout(string path, List<TensorInfo> infos, long bufferLength)
    {
        foreach (var info in infos)
            if (info.End > bufferLength)
                throw new SafeTensorsFormatException(path,
                    $"tensor '{info.Name}' has data_offsets [{info.Begin}, {info.End}] past the end of the {bufferLength}-byte data buffer");
        infos.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End) : string.CompareOrdinal(a.Name, b.Name));
        long covered = 0;
        TensorInfo? previous = null;
        foreach (var info in infos)
        {
            if (info.Begin < covered)
                throw new SafeTensorsFormatException(path,
                    $"tensor '{info.Name}' data_offsets [{info.Begin}, {info.End}] overlap tensor '{previous!.Name}' data_offsets [{previous.Begin}, {previous.End}]");
            if (info.Begin > covered)
                throw new SafeTensorsFormatException(path,
                    $"hole in data buffer: bytes [{covered}, {info.Begin}) belong to no tensor (next is '{info.Name}')");
            covered = info.End;
            previous = info;
        }
        if (covered != bufferLength)
            throw new SafeTensorsFormatException(path,
                $"data buffer is {bufferLength} bytes but tensors cover only {covered}: {bufferLength - covered} trailing bytes belong to no tensor");
    }
}
