using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// What <see cref="RNN{T}"/>, <see cref="LSTM{T}"/> and <see cref="GRU{T}"/> share, as PyTorch's RNNBase: a stack of
/// <see cref="NumLayers"/> recurrent layers, each run over the whole sequence in one or two directions, with dropout
/// between layers in training. Layer k (k ≥ 1) reads the output of layer k − 1, of D·H features (D = 2 when bidirectional).
/// <para>Parameters, as PyTorch names and lays them out, for each layer k and direction (suffix "_reverse" for the
/// backward one): weight_ih_l{k} [gates·H, in_k] (in_0 = <see cref="InputSize"/>, else D·H), weight_hh_l{k} [gates·H, H],
/// bias_ih_l{k} and bias_hh_l{k} [gates·H], all U(−1/√H, 1/√H); gates = 1 (RNN), 4 (LSTM, order i, f, g, o) or
/// 3 (GRU, order r, z, n).</para>
/// <para>Shapes: input [L, N, in] ([N, L, in] with <see cref="BatchFirst"/>, [L, in] unbatched); output [L, N, D·H]
/// ([N, L, D·H] with BatchFirst), the forward direction's features first; h_n and c_n [numLayers·D, N, H] whatever
/// BatchFirst is, ordered layer 0 forward, layer 0 reverse, layer 1 forward, …</para>
/// <para>Variable lengths (the role of PyTorch's packed sequences): with lengths[n] = ℓ, sequence n is x[0..ℓ) only; its
/// outputs at t ≥ ℓ are zero, its final state is the one after step ℓ − 1, and the reverse direction starts at its own
/// last element ℓ − 1. Steps past a sequence's end leave its state unchanged, which gives all three. The output keeps
/// all L steps (PyTorch's pad_packed_sequence pads to the longest length instead). Lengths need not be sorted.</para>
/// <para>The input projections x·W_ihᵀ + b_ih of all time steps of a layer are one GEMM over [L·N, in]; each step then
/// adds h·W_hhᵀ + b_hh.</para>
/// </summary>
public abstract class RecurrentBase<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CellKind _kind;
    private readonly Generator _generator;
    private readonly DirectionWeights[] _weights;

    /// <summary>The parameters of one layer and direction.</summary>
    private sealed record DirectionWeights(Tensor<T> WeightIh, Tensor<T> WeightHh, Tensor<T>? BiasIh, Tensor<T>? BiasHh);

    /// <summary>Features of the input x.</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state h (per direction).</summary>
    public int HiddenSize { get; }

    /// <summary>Number of stacked layers.</summary>
    public int NumLayers { get; }

    /// <summary>True when the batch comes first in the input and output: [N, L, features] instead of [L, N, features].</summary>
    public bool BatchFirst { get; }

    /// <summary>True when each layer also runs from the last step to the first (D = 2).</summary>
    public bool Bidirectional { get; }

    /// <summary>Dropout probability on the output of every layer but the last, in training.</summary>
    public double Dropout { get; }

    /// <summary>False when the layer was made without the biases b_ih and b_hh.</summary>
    public bool HasBias { get; }

    /// <summary>
    /// The parameters as PyTorch's all_weights: one list per layer and direction (index layer·D + direction), each holding
    /// weight_ih, weight_hh and, with bias, bias_ih and bias_hh.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<Tensor<T>>> AllWeights =>
        [.. _weights.Select(w => (IReadOnlyList<Tensor<T>>)(w.BiasIh is null ? [w.WeightIh, w.WeightHh] : [w.WeightIh, w.WeightHh, w.BiasIh, w.BiasHh!]))];

    private int Directions => Bidirectional ? 2 : 1;

    private protected RecurrentBase(CellKind kind, int inputSize, int hiddenSize, Generator generator, int numLayers,
        bool bias, bool batchFirst, double dropout, bool bidirectional)
    {
        ArgumentNullException.ThrowIfNull(generator);
        RecurrentMath.CheckSizes(TypeName, inputSize, hiddenSize);
        if (numLayers <= 0)
            throw new ArgumentOutOfRangeException(nameof(numLayers), $"{TypeName}: numLayers must be positive, got {numLayers}");
        if (!(dropout >= 0 && dropout <= 1))
            throw new ArgumentOutOfRangeException(nameof(dropout), $"{TypeName}: dropout must be in [0, 1], got {dropout}");
        _kind = kind;
        _generator = generator;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        BatchFirst = batchFirst;
        Bidirectional = bidirectional;
        Dropout = dropout;
        HasBias = bias;
        int rows = RecurrentMath.Gates(kind) * hiddenSize;
        _weights = new DirectionWeights[numLayers * Directions];
        for (int layer = 0; layer < numLayers; layer++)
            for (int dir = 0; dir < Directions; dir++)
            {
                int inputs = layer == 0 ? inputSize : Directions * hiddenSize;
                string suffix = $"_l{layer.ToString(CultureInfo.InvariantCulture)}{(dir == 1 ? "_reverse" : "")}";
                var w = new DirectionWeights(
                    AddParameter("weight_ih" + suffix, RecurrentMath.Uniform<T>(generator, hiddenSize, rows, inputs)),
                    AddParameter("weight_hh" + suffix, RecurrentMath.Uniform<T>(generator, hiddenSize, rows, hiddenSize)),
                    bias ? AddParameter("bias_ih" + suffix, RecurrentMath.Uniform<T>(generator, hiddenSize, rows)) : null,
                    bias ? AddParameter("bias_hh" + suffix, RecurrentMath.Uniform<T>(generator, hiddenSize, rows)) : null);
                _weights[layer * Directions + dir] = w;
            }
    }

    /// <summary>Makes <paramref name="tensor"/> the parameter named <paramref name="name"/> and returns it.</summary>
    private Tensor<T> AddParameter(string name, Tensor<T> tensor)
    {
        RegisterParameter(name, tensor);
        return tensor;
    }

    /// <summary>
    /// Runs every layer over the sequence: (output, h_n, c_n) in PyTorch's layouts (c_n only for LSTM). States and lengths
    /// may be null (zeros; every sequence full length).
    /// </summary>
    private protected (Tensor<T> Output, Tensor<T> H, Tensor<T>? C) Run(Tensor<T> input, Tensor<T>? h0, Tensor<T>? c0, int[]? lengths)
    {
        ArgumentNullException.ThrowIfNull(input);
        string expected = BatchFirst ? $"[N, L, {InputSize}]" : $"[L, N, {InputSize}]";
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"{TypeName}: input must be {expected} or [L, {InputSize}] (unbatched), got shape {TensorShape.Format(input.Shape)}");
        if (input.Shape[^1] != InputSize)
            throw new ArgumentException($"{TypeName}: input has {input.Shape[^1]} features, expected {InputSize} (input shape {TensorShape.Format(input.Shape)})");
        bool batched = input.Rank == 3;
        // Time-first [L, N, in] from here on; an unbatched sequence is a batch of one.
        var x = !batched ? input.Unsqueeze(1) : BatchFirst ? input.Transpose(0, 1) : input;
        int steps = x.Shape[0], batch = x.Shape[1], d = Directions;
        var h = States("h0", h0, batched, batch, input);
        var c = _kind == CellKind.Lstm ? States("c0", c0, batched, batch, input) : null;
        var masks = lengths is null ? null : Masks(lengths, steps, batch, input);
        var hn = new Tensor<T>[NumLayers * d];
        var cn = new Tensor<T>[NumLayers * d];
        for (int layer = 0; layer < NumLayers; layer++)
        {
            var outputs = new Tensor<T>[d];
            for (int dir = 0; dir < d; dir++)
            {
                int k = layer * d + dir;
                (outputs[dir], hn[k], cn[k]) = RunDirection(x, _weights[k], h?[k], c?[k], masks, reverse: dir == 1);
            }
            x = d == 1 ? outputs[0] : Tensor.Concat(outputs, 2);
            if (layer < NumLayers - 1) x = Functional.Dropout(x, Dropout, IsTraining, _generator);
        }
        var hN = Tensor.Stack(hn, 0);
        var cN = _kind == CellKind.Lstm ? Tensor.Stack(cn, 0) : null;
        if (!batched) return (x.Squeeze(1), hN.Squeeze(1), cN?.Squeeze(1));
        return (BatchFirst ? x.Transpose(0, 1) : x, hN, cN);
    }

    /// <summary>One layer in one direction over x [L, N, in]: its outputs [L, N, H] in time order and its last state.</summary>
    private (Tensor<T> Output, Tensor<T> H, Tensor<T> C) RunDirection(Tensor<T> x, DirectionWeights w, Tensor<T>? h0,
        Tensor<T>? c0, Tensor<T>?[]? masks, bool reverse)
    {
        int steps = x.Shape[0], batch = x.Shape[1];
        Tensor<T> h = h0 ?? Tensor.Zeros<T>(batch, HiddenSize), c = c0 ?? Tensor.Zeros<T>(batch, HiddenSize);
        // Full-length LSTM and GRU layers run as one op over the whole sequence (the same maths, one node). An LSTM's
        // gates add the two biases anyway (a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh), so b_ih joins b_hh, a vector of 4H:
        // the input projection of every step, [L·N, 4H], then costs no bias pass forward and no column sum backward.
        if (masks is null && _kind == CellKind.Lstm)
        {
            var bias = w.BiasIh is null ? w.BiasHh : w.BiasHh is null ? w.BiasIh : w.BiasIh + w.BiasHh;
            return Tensor.LstmSequence(x.Linear(w.WeightIh, null), h, c, w.WeightHh, bias, reverse);
        }
        // One GEMM for the input projections of every step: [L·N, in]·W_ihᵀ + b_ih.
        var xp = x.Linear(w.WeightIh, w.BiasIh);
        if (masks is null && _kind == CellKind.Gru)
        {
            var (output, last) = Tensor.GruSequence(xp, h, w.WeightHh, w.BiasHh, reverse);
            return (output, last, c);
        }
        var outputs = new Tensor<T>[steps];
        for (int s = 0; s < steps; s++)
        {
            int t = reverse ? steps - 1 - s : s;
            var (hNext, cNext) = RecurrentMath.Step(_kind, xp.Select(0, t), h, _kind == CellKind.Lstm ? c : null, w.WeightHh, w.BiasHh);
            if (masks?[t] is { } mask)
            {
                // Past its length a sequence keeps its state and outputs zero.
                outputs[t] = Tensor.Where(mask, hNext, T.Zero);
                h = Tensor.Where(mask, hNext, h);
                if (cNext is not null) c = Tensor.Where(mask, cNext, c);
            }
            else
            {
                outputs[t] = hNext;
                h = hNext;
                if (cNext is not null) c = cNext;
            }
        }
        return (Tensor.Stack(outputs, 0), h, c);
    }

    /// <summary>The initial state split per layer and direction, [N, H] each, after checking its shape; null when not given.</summary>
    private Tensor<T>[]? States(string name, Tensor<T>? state, bool batched, int batch, Tensor<T> input)
    {
        if (state is null) return null;
        int[] expected = batched ? [NumLayers * Directions, batch, HiddenSize] : [NumLayers * Directions, HiddenSize];
        if (!state.Shape.SequenceEqual(expected))
            throw new ArgumentException($"{TypeName}: {name} has shape {TensorShape.Format(state.Shape)}, expected {TensorShape.Format(expected)} (numLayers·directions, batch, hidden; input shape {TensorShape.Format(input.Shape)})");
        return [.. Enumerable.Range(0, expected[0]).Select(k => batched ? state.Select(0, k) : state.Select(0, k).Unsqueeze(0))];
    }

    /// <summary>Per time step t, a [N, 1] mask of the sequences still running (t &lt; lengths[n]), or null when all are;
    /// null altogether when every sequence is full length.</summary>
    private Tensor<T>?[]? Masks(int[] lengths, int steps, int batch, Tensor<T> input)
    {
        if (lengths.Length != batch)
            throw new ArgumentException($"{TypeName}: {lengths.Length} lengths given for a batch of {batch} (input shape {TensorShape.Format(input.Shape)})");
        for (int n = 0; n < batch; n++)
            if (lengths[n] < 1 || lengths[n] > steps)
                throw new ArgumentOutOfRangeException(nameof(lengths), $"{TypeName}: lengths[{n}] = {lengths[n]} is out of range 1..{steps} (sequence length {steps}, input shape {TensorShape.Format(input.Shape)})");
        var masks = new Tensor<T>?[steps];
        for (int t = 0; t < steps; t++)
        {
            if (lengths.All(l => t < l)) continue;
            masks[t] = Tensor.FromArray([.. lengths.Select(l => t < l ? T.One : T.Zero)], [batch, 1]);
        }
        return lengths.All(l => l == steps) ? null : masks;
    }

    /// <summary>The output of the last layer for <paramref name="input"/> with zero initial states.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) => Run(input, null, null, null).Output;

    /// <inheritdoc />
    protected override string ExtraRepr()
    {
        var parts = new List<string> { $"{InputSize}", $"{HiddenSize}" };
        if (NumLayers != 1) parts.Add($"numLayers={NumLayers}");
        if (!HasBias) parts.Add("bias=false");
        if (BatchFirst) parts.Add("batchFirst=true");
        if (Dropout != 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"dropout={Dropout}"));
        if (Bidirectional) parts.Add("bidirectional=true");
        return string.Join(", ", parts);
    }
}
