using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Normalisation with batch statistics, fused: the forward computes per-channel moments and the normalised, scaled
// output in a few passes instead of a dozen composite ones. Its derivative has two forms with the same value:
// a fused kernel for a plain backward (nothing to record), and the formula in differentiable ops when the backward
// itself is recorded (createGraph), so second and higher derivatives stay exact.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo BatchNormOp = new("BatchNorm", Saved.Input0 | Saved.Input1,
        "∂bn/∂x = (γ/σ)·(g − mean(g) − x̂·mean(g·x̂)) with x̂ = (x − μ)/σ", "∂bn/∂γ = Σ g·x̂", "∂bn/∂β = Σ g");

    /// <summary>
    /// Batch normalisation with batch statistics over every dim but the channel dim 1 of x [N, C, *]:
    /// y = (x − μ_c) / √(σ²_c + ε) · γ_c + β_c, with μ_c and σ²_c the mean and biased variance of the M = N·Π* values of
    /// channel c, and γ, β [C] (absent: 1 and 0). With x̂ = (x − μ)/√(σ² + ε) and g the upstream gradient:
    /// ∂/∂x = γ/√(σ² + ε) · (g − Σg/M − x̂ · Σ(g·x̂)/M), ∂/∂γ = Σ g·x̂, ∂/∂β = Σ g (sums per channel).
    /// </summary>
    public Tensor<T> BatchNorm(Tensor<T>? weight = null, Tensor<T>? bias = null, double eps = 1e-5) =>
        BatchNorm(weight, bias, eps, out _, out _);

    /// <summary><see cref="BatchNorm(Tensor{T}?, Tensor{T}?, double)"/> that also hands back the batch mean and biased
    /// variance per channel (in double), for running estimates.</summary>
    internal Tensor<T> BatchNorm(Tensor<T>? weight, Tensor<T>? bias, double eps, out double[] mean, out double[] variance)
    {
        if (Rank < 2) throw new ArgumentException($"BatchNorm: input must be [N, C, *], got shape {Shapes.Format(Dims)}");
        int batch = Dims[0], channels = Dims[1];
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
            if (t is not null && (t.Rank != 1 || t.Dims[0] != channels))
                throw new ArgumentException($"BatchNorm: {name} has shape {Shapes.Format(t.Dims)} but the input has {channels} channels (input shape {Shapes.Format(Dims)})");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"BatchNorm: eps must be non-negative, got {eps}");
        int size = batch * channels == 0 ? 0 : NumElements / (batch * channels);
        var x = IsContiguous ? this : ContiguousCopy();
        mean = new double[channels];
        variance = new double[channels];
        var y = Buffers.Rent<T>(clear: false, length: NumElements);
        Kernels.BatchNorm.Forward(x.Storage, x.Offset, batch, channels, size, weight?.ToArray(), bias?.ToArray(), eps, y, mean, variance);
        var stats = new ChannelStats(mean, variance, eps, batch, channels, size);
        var result = new Tensor<T>(y, (int[])Dims.Clone());
        Tensor<T>[] inputs = [this, .. weight is null ? Array.Empty<Tensor<T>>() : [weight], .. bias is null ? Array.Empty<Tensor<T>>() : [bias]];
        bool hasWeight = weight is not null, hasBias = bias is not null;
        return Graph.Record(result, BatchNormOp, inputs,
            (g, _, xs) => Grads(BatchNormGradComposite(g, xs[0], hasWeight ? xs[1] : null, eps)),
            fused: (g, _, xs) => Grads(BatchNormGradFused(g, xs[0], hasWeight ? xs[1] : null, stats)));

        Tensor<T>?[] Grads((Tensor<T> Dx, Tensor<T> Dw, Tensor<T> Db) d) =>
            [d.Dx, .. hasWeight ? [d.Dw] : Array.Empty<Tensor<T>?>(), .. hasBias ? [d.Db] : Array.Empty<Tensor<T>?>()];
    }

    /// <summary>Per-channel statistics kept for the fused backward: mean, 1/√(σ² + ε), and the [N, C, S] layout.</summary>
    private sealed class ChannelStats(double[] mean, double[] variance, double eps, int batch, int channels, int size)
    {
        public double[] Mean { get; } = mean;
        public double[] InvStd { get; } = [.. variance.Select(v => 1 / Math.Sqrt(v + eps))];
        public int Batch { get; } = batch;
        public int Channels { get; } = channels;
        public int Size { get; } = size;
    }

    /// <summary>
    /// The backward as one kernel (<see cref="Kernels.BatchNorm.Backward{T}"/>), for a plain (unrecorded) backward. Fused
    /// because the composite form makes about eight full passes over the activations; the two forms agree to rounding (tested).
    /// </summary>
    private static (Tensor<T>, Tensor<T>, Tensor<T>) BatchNormGradFused(Tensor<T> g, Tensor<T> input, Tensor<T>? weight, ChannelStats s)
    {
        var gc = g.IsContiguous ? g : g.ContiguousCopy();
        var xc = input.IsContiguous ? input : input.ContiguousCopy();
        int channels = s.Channels;
        T[] dx = Buffers.Rent<T>(clear: false, length: xc.NumElements), dw = Buffers.Rent<T>(channels), db = Buffers.Rent<T>(channels);
        Kernels.BatchNorm.Backward(gc.Storage, gc.Offset, xc.Storage, xc.Offset, s.Batch, channels, s.Size, s.Mean, s.InvStd,
            weight?.ToArray(), dx, dw, db);
        return (new Tensor<T>(dx, (int[])input.Dims.Clone()), new Tensor<T>(dw, [channels]), new Tensor<T>(db, [channels]));
    }

    /// <summary>The same backward as differentiable ops of g, x and γ (statistics recomputed from x), for createGraph.</summary>
    private static (Tensor<T>, Tensor<T>, Tensor<T>) BatchNormGradComposite(Tensor<T> g, Tensor<T> x, Tensor<T>? weight, double eps)
    {
        int[] dims = [0, .. Enumerable.Range(2, x.Rank - 2)];
        int channels = x.Dims[1];
        var statShape = new int[x.Rank];
        Array.Fill(statShape, 1);
        statShape[1] = channels;
        T count = T.CreateChecked(Math.Max(1, x.NumElements / Math.Max(channels, 1)));
        var centered = x - x.Mean(dims, keepDim: true);
        var invStd = ((centered * centered).Mean(dims, keepDim: true) + T.CreateChecked(eps)).Sqrt().Reciprocal();
        var xHat = centered * invStd;
        var sumG = g.Sum(dims, keepDim: true);
        var sumGXHat = (g * xHat).Sum(dims, keepDim: true);
        var scale = weight is null ? invStd : invStd * weight.Reshape(statShape);
        var dx = (g - sumG / count - xHat * (sumGXHat / count)) * scale;
        return (dx, sumGXHat.Reshape(channels), sumG.Reshape(channels));
    }
}
