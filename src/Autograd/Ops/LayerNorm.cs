using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Layer normalisation, fused: one kernel normalises each row and applies γ and β (instead of the batch-norm primitive
// on a [1, rows, D] view followed by a Mul and an Add, three passes and three nodes). As batch norm, its derivative has
// a fused kernel for a plain backward and the same formula in differentiable ops for createGraph.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo LayerNormOp = new("LayerNorm", Saved.Input0 | Saved.Input1,
        "∂ln/∂x = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per row, ĝ = g·γ, x̂ = (x − μ)·r, r = 1/√(σ² + ε)", "∂ln/∂γ = Σ_rows g·x̂", "∂ln/∂β = Σ_rows g");

    /// <summary>
    /// Layer normalisation (torch.nn.functional.layer_norm) over the trailing dims <paramref name="normalizedShape"/>:
    /// y = (x − μ)/√(σ² + ε)·γ + β, with μ and the biased variance σ² of each row (the D = Π normalizedShape trailing
    /// values), γ and β shaped normalizedShape (absent: 1 and 0). With x̂ = (x − μ)·r, r = 1/√(σ² + ε), ĝ = g·γ:
    /// ∂/∂x = r·(ĝ − Σĝ/D − x̂·Σ(ĝ·x̂)/D), ∂/∂γ = Σ_rows g·x̂, ∂/∂β = Σ_rows g.
    /// </summary>
    public Tensor<T> LayerNorm(int[] normalizedShape, Tensor<T>? weight = null, Tensor<T>? bias = null, double eps = 1e-5)
    {
        int k = normalizedShape.Length;
        if (k == 0 || Rank < k || !Shapes.Equal(Dims.AsSpan(Rank - k), normalizedShape))
            throw new ArgumentException($"LayerNorm: input shape {Shapes.Format(Dims)} does not end with the normalized shape {Shapes.Format(normalizedShape)}");
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
            if (t is not null && !Shapes.Equal(t.Dims, normalizedShape))
                throw new ArgumentException($"LayerNorm: {name} has shape {Shapes.Format(t.Dims)}, expected {Shapes.Format(normalizedShape)}");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"LayerNorm: eps must be non-negative, got {eps}");
        int size = Shapes.Size(normalizedShape), rows = size == 0 ? 0 : NumElements / size;
        var x = IsContiguous ? this : ContiguousCopy();
        var mean = new double[rows];
        var invStd = new double[rows];
        var y = Buffers.Rent<T>(clear: false, length: NumElements);
        Kernels.LayerNorm.Forward(x.Storage, x.Offset, rows, size, Values(weight), Values(bias), eps, y, mean, invStd);
        var result = new Tensor<T>(y, (int[])Dims.Clone());
        Tensor<T>[] inputs = [this, .. weight is null ? Array.Empty<Tensor<T>>() : [weight], .. bias is null ? Array.Empty<Tensor<T>>() : [bias]];
        bool hasWeight = weight is not null, hasBias = bias is not null;
        return Graph.Record(result, LayerNormOp, inputs,
            (g, _, xs) => Grads(LayerNormGradComposite(g, xs[0], hasWeight ? xs[1] : null, k, eps)),
            fused: (g, _, xs) => Grads(LayerNormGradFused(g, xs[0], hasWeight ? xs[1] : null, k, mean, invStd, hasWeight, hasBias)));

        Tensor<T>?[] Grads((Tensor<T> Dx, Tensor<T>? Dw, Tensor<T>? Db) d) =>
            [d.Dx, .. hasWeight ? [d.Dw] : Array.Empty<Tensor<T>?>(), .. hasBias ? [d.Db] : Array.Empty<Tensor<T>?>()];
    }

    private static T[]? Values(Tensor<T>? t) => t is null ? null : t.IsContiguous && t.Offset == 0 && t.Storage.Length == t.NumElements ? t.Storage : t.ToArray();

    /// <summary>The backward as one kernel (<see cref="Kernels.LayerNorm.Backward{T}"/>), for a plain backward; the composite
    /// form makes about ten passes over the activations. Both forms agree to rounding (RuleProperties).</summary>
    private static (Tensor<T>, Tensor<T>?, Tensor<T>?) LayerNormGradFused(Tensor<T> g, Tensor<T> input, Tensor<T>? weight, int k,
        double[] mean, double[] invStd, bool hasWeight, bool hasBias)
    {
        var gc = g.IsContiguous && Shapes.Equal(g.Dims, input.Dims) ? g : g.Expand(input.Dims).ContiguousCopy();
        var xc = input.IsContiguous ? input : input.ContiguousCopy();
        int[] normalized = input.Dims[(input.Rank - k)..];
        int size = Shapes.Size(normalized);
        var dx = Buffers.Rent<T>(clear: false, length: xc.NumElements);
        T[]? dw = hasWeight ? Buffers.Rent<T>(size) : null, db = hasBias ? Buffers.Rent<T>(size) : null;
        Kernels.LayerNorm.Backward(gc.Storage, gc.Offset, xc.Storage, xc.Offset, mean.Length, size, mean, invStd, Values(weight), dx, dw, db);
        return (new Tensor<T>(dx, (int[])input.Dims.Clone()), dw is null ? null : new Tensor<T>(dw, normalized),
            db is null ? null : new Tensor<T>(db, (int[])normalized.Clone()));
    }

    /// <summary>The same backward as differentiable ops of g, x and γ (statistics recomputed from x), for createGraph.</summary>
    private static (Tensor<T>, Tensor<T>?, Tensor<T>?) LayerNormGradComposite(Tensor<T> g, Tensor<T> x, Tensor<T>? weight, int k, double eps)
    {
        int[] dims = [.. Enumerable.Range(x.Rank - k, k)], rowDims = [.. Enumerable.Range(0, x.Rank - k)];
        var centered = x - x.Mean(dims, keepDim: true);
        var invStd = ((centered * centered).Mean(dims, keepDim: true) + T.CreateChecked(eps)).Sqrt().Reciprocal();
        var xHat = centered * invStd;
        var gHat = weight is null ? g : g * weight;
        var dx = (gHat - gHat.Mean(dims, keepDim: true) - xHat * (gHat * xHat).Mean(dims, keepDim: true)) * invStd;
        Tensor<T> OverRows(Tensor<T> t) => rowDims.Length == 0 ? t : t.Sum(rowDims);
        return (dx, OverRows(g * xHat), OverRows(g));
    }
}
