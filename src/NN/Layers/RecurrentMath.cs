using System.Numerics;

namespace Autograd.NN;

/// <summary>The kind of recurrent cell: its gate count and its step.</summary>
internal enum CellKind
{
    /// <summary>Elman cell h' = tanh(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnTanh,
    /// <summary>Elman cell h' = relu(W_ih x + b_ih + W_hh h + b_hh).</summary>
    RnnRelu,
    /// <summary>LSTM, four gates in PyTorch's order i, f, g, o.</summary>
    Lstm,
    /// <summary>GRU, three gates in PyTorch's order r, z, n.</summary>
    Gru,
}

/// <summary>
/// One time step of each recurrent cell: the hidden projection, then the pointwise update (for LSTM and GRU the fused
/// ops <see cref="Tensor.LstmCell"/> and <see cref="Tensor.GruCell"/>, one pass forward and backward). A step takes the
/// input projection xp = x·W_ihᵀ + b_ih already computed (a layer computes it for all time steps in one GEMM) and adds
/// the hidden projection hp = h·W_hhᵀ + b_hh itself.
/// </summary>
internal static class RecurrentMath
{
    /// <summary>Rows of the weights per hidden unit: 1 for RNN, 4 for LSTM, 3 for GRU.</summary>
    public static int Gates(CellKind kind) => kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };

    /// <summary>
    /// One step from the input projection <paramref name="xp"/> [N, gates·H] and the state (h, c) [N, H] (c only for LSTM):
    /// <list type="bullet">
    /// <item>RNN: h' = act(xp + h·W_hhᵀ + b_hh), act = tanh or relu;</item>
    /// <item>LSTM: [i, f, g, o] = xp + h·W_hhᵀ + b_hh split in four; i, f, o through σ and g through tanh;
    /// c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c');</item>
    /// <item>GRU: with [x_r, x_z, x_n] = xp and [h_r, h_z, h_n] = h·W_hhᵀ + b_hh: r = σ(x_r + h_r), z = σ(x_z + h_z),
    /// n = tanh(x_n + r ⊙ h_n), h' = (1 − z) ⊙ n + z ⊙ h = n + z ⊙ (h − n).</item>
    /// </list>
    /// </summary>
    public static (Tensor<T> H, Tensor<T>? C) Step<T>(CellKind kind, Tensor<T> xp, Tensor<T> h, Tensor<T>? c,
        Tensor<T> weightHh, Tensor<T>? biasHh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var hp = h.Linear(weightHh, biasHh);
        switch (kind)
        {
            case CellKind.RnnTanh: return ((xp + hp).Tanh(), null);
            case CellKind.RnnRelu: return ((xp + hp).Relu(), null);
            case CellKind.Lstm: return Tensor.LstmCell(xp, hp, c!);
            default: return (Tensor.GruCell(xp, hp, h), null);
        }
    }

    /// <summary>U(−1/√H, 1/√H) for a new weight or bias, as PyTorch initialises every parameter of its recurrent layers.</summary>
    public static Tensor<T> Uniform<T>(Generator generator, int hidden, params int[] shape) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = 1 / Math.Sqrt(hidden);
        return Init.Uniform(Tensor.Zeros<T>(shape), generator, -bound, bound);
    }

    /// <summary>"tanh" → <see cref="CellKind.RnnTanh"/>, "relu" → <see cref="CellKind.RnnRelu"/>; anything else fails naming the layer.</summary>
    public static CellKind Nonlinearity(string nonlinearity, string layer)
    {
        ArgumentNullException.ThrowIfNull(nonlinearity);
        return nonlinearity switch
        {
            "tanh" => CellKind.RnnTanh,
            "relu" => CellKind.RnnRelu,
            _ => throw new ArgumentException($"{layer}: unknown nonlinearity '{nonlinearity}', expected \"tanh\" or \"relu\"", nameof(nonlinearity)),
        };
    }

    /// <summary>Checks the sizes of a new layer or cell.</summary>
    public static void CheckSizes(string layer, int inputSize, int hiddenSize)
    {
        if (inputSize <= 0 || hiddenSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(inputSize), $"{layer}: sizes must be positive, got inputSize={inputSize}, hiddenSize={hiddenSize}");
    }
}
