using System.Buffers.Binary;
using System.Text;
using Autograd.NN;
using Autograd.NN.Serialization;

namespace Autograd.Tests.NN;

/// <summary>
/// Files laid out as PyTorch writes them (<c>safetensors.torch.save_file(model.state_dict(), path)</c>): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, "__metadata__" with
/// {"format": "pt"}, then the raw little-endian data; state-dict keys as nn.Sequential names them ("0.weight",
/// "1.running_mean"), BatchNorm's "num_batches_tracked" as a 0-d I64. The files are written here byte by byte from that
/// documented layout (huggingface.co/docs/safetensors, "Format"), not by this library's writer.
/// </summary>
public class PyTorchCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed record Entry(string Name, string DType, int[] Shape, byte[] Data);

    private static Entry F32(string name, int[] shape, params float[] values)
    {
        var data = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), values[i]);
        return new Entry(name, "F32", shape, data);
    }

    private static Entry I64(string name, long value)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, value);
        return new Entry(name, "I64", [], data);
    }

    /// <summary>IEEE half-precision bit patterns of whole numbers and halves: 1 = 0x3C00, 2 = 0x4000, −1 = 0xBC00, 0.5 = 0x3800.</summary>
    private static Entry F16(string name, int[] shape, params ushort[] bits)
    {
        var data = new byte[bits.Length * 2];
        for (int i = 0; i < bits.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), bits[i]);
        return new Entry(name, "F16", shape, data);
    }

    private string Write(params Entry[] entries)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        foreach (var e in entries)
        {
            header.Append($",\"{e.Name}\":{{\"dtype\":\"{e.DType}\",\"shape\":[{string.Join(",", e.Shape)}],\"data_offsets\":[{offset},{offset + e.Data.Length}]}}");
            offset += e.Data.Length;
        }
        header.Append('}');
        while (header.Length % 8 != 0) header.Append(' '); // the format pads the header with spaces to 8 bytes
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        foreach (var e in entries) stream.Write(e.Data);
        string path = _dir.File("model.safetensors");
        File.WriteAllBytes(path, stream.ToArray());
        return path;
    }

    /// <summary>nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2, 1)).</summary>
    private static Sequential<T> Model<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var g = new Generator(5);
        return new Sequential<T>(new Conv2d<T>(1, 2, 2, g), new BatchNorm2d<T>(2), new ReLU<T>(), new Flatten<T>(), new Linear<T>(2, 1, g));
    }

    private static Entry[] PyTorchState() =>
    [
        F32("0.weight", [2, 1, 2, 2], 1, 0, 0, 1, 0.5f, 0.5f, -1, 0), // Conv2d weight [out, in, kH, kW]
        F32("0.bias", [2], 0.25f, -1),
        F32("1.weight", [2], 2, 1),
        F32("1.bias", [2], 0, 0.5f),
        F32("1.running_mean", [2], 1, -2),
        F32("1.running_var", [2], 4, 1),
        I64("1.num_batches_tracked", 7),
        F32("4.weight", [1, 2], 1, -3), // Linear weight [out, in]
        F32("4.bias", [1], 0.5f),
    ];

    [Fact]
    public void A_PyTorch_sequential_state_dict_loads_strictly_and_computes_the_hand_derived_output()
    {
        string path = Write(PyTorchState());
        var model = Model<double>();
        var result = Checkpoint.LoadModel(path, model);
        model.Eval();
        Assert.Empty(result.RenamedKeys);
        Assert.Equal("pt", result.Metadata["format"]); // PyTorch's metadata is kept
        Assert.Equal(7.0, ((BatchNorm2d<double>)model[1]).NumBatchesTracked.Item());

        // x = [[1, 2], [3, 4]] (one image, one channel, 2×2); the 2×2 convolution gives one value per channel:
        // channel 0: 1·1 + 0·2 + 0·3 + 1·4 + 0.25 = 5.25; channel 1: 0.5·1 + 0.5·2 − 1·3 + 0·4 − 1 = −2.5.
        // BatchNorm (eval, ε = 1e-5): (5.25 − 1)/√(4 + ε)·2 + 0 = 4.25·2/√4.00001; (−2.5 + 2)/√(1 + ε)·1 + 0.5 = 0.5 − 0.5/√1.00001.
        // ReLU keeps both (both > 0); Linear: 1·h0 − 3·h1 + 0.5.
        var x = Tensor.FromArray([1.0, 2, 3, 4], [1, 1, 2, 2]);
        double h0 = 4.25 * 2 / Math.Sqrt(4.00001), h1 = 0.5 - 0.5 / Math.Sqrt(1.00001);
        double expected = h0 - 3 * h1 + 0.5;
        Assert.Equal(expected, model.Forward(x).Item(), 12);
    }

    [Fact]
    public void Half_precision_weights_from_PyTorch_are_converted_exactly()
    {
        // A model saved with model.half(): F16 entries (here every entry of the Linear), read into a float model.
        var state = PyTorchState().Where(e => !e.Name.StartsWith("4.", StringComparison.Ordinal))
            .Append(F16("4.weight", [1, 2], 0x3C00, 0xBC00)) // [1, −1]
            .Append(F16("4.bias", [1], 0x3800))              // [0.5]
            .ToArray();
        var model = Model<float>();
        Checkpoint.LoadModel(Write(state), model);
        var linear = (Linear<float>)model[4];
        Assert.Equal([1f, -1f], linear.Weight.ToArray());
        Assert.Equal([0.5f], linear.Bias!.ToArray());
    }

    [Fact]
    public void A_file_written_here_has_PyTorchs_keys_dtypes_and_shapes()
    {
        // Oracle: the keys, dtypes and shapes that the PyTorch model above has (model.state_dict() of float32 modules).
        var model = Model<float>();
        model.Forward(Tensor.Ones<float>(3, 1, 2, 2)); // one training batch: num_batches_tracked = 1
        string path = _dir.File("ours.safetensors");
        Checkpoint.SaveModel(path, model);
        var (tensors, _) = SafeTensorsFile.Load(path);
        var expected = PyTorchState().ToDictionary(e => e.Name);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, entry) in tensors)
        {
            Assert.Equal(expected[name].DType, entry.DType);
            Assert.Equal(expected[name].Shape, entry.Shape);
        }
        Assert.Equal([1L], tensors["1.num_batches_tracked"].ToInt64());
    }

    [Fact]
    public void A_PyTorch_LSTM_state_dict_loads_and_follows_PyTorchs_gate_order()
    {
        // nn.LSTM(input_size=1, hidden_size=1).state_dict(): weight_ih_l0 [4·H, in], weight_hh_l0 [4·H, H], bias_ih_l0 and
        // bias_hh_l0 [4·H], rows in PyTorch's gate order i, f, g, o.
        string path = Write(
            F32("weight_ih_l0", [4, 1], 0.5f, -1, 2, 0),
            F32("weight_hh_l0", [4, 1], 1, 1, 1, 1),
            F32("bias_ih_l0", [4], 0, 0, 0, 1),
            F32("bias_hh_l0", [4], 0.5f, 0, -1, 0));
        var lstm = new LSTM<double>(1, 1, new Generator(3));
        Checkpoint.LoadModel(path, lstm);

        // One step, x = 1, h₀ = c₀ = 0 (so W_hh does not matter): i = σ(0.5 + 0.5) = σ(1), f = σ(−1),
        // g = tanh(2 − 1) = tanh(1), o = σ(0 + 1) = σ(1); c₁ = f·0 + i·g = σ(1)·tanh(1); h₁ = o·tanh(c₁).
        static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double c1 = Sigmoid(1) * Math.Tanh(1), h1 = Sigmoid(1) * Math.Tanh(c1);
        var (output, (hN, cN)) = lstm.Forward(Tensor.FromArray([1.0], [1, 1, 1])); // [L, N, in]
        Assert.Equal(h1, output.Item(), 12); // the float32 values in the file are exact, and the model computes in double
        Assert.Equal(h1, hN.Item(), 12);
        Assert.Equal(c1, cN.Item(), 12);
    }
}
