using System.Numerics;
using static Autograd.Testing.Naive;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

// The ops of issue 10 added for sequence models (scans, padding modes, rolling, elementwise functions, norms, einsum,
// typed index and mask arguments), with their references in Naive.Sequence.cs.
public static partial class OpCatalog
{
    private static OpInfo<T>[] SequenceRows<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
    [
        // Cumprod: any values, and lanes holding exact zeros (one or two), where a division-based rule would fail.
        new("Cumprod(0)", "Cumprod(int)", x => x[0].Cumprod(0), Uni(RankAtLeast(1)), Lanes(0, Cumprod)),
        new("Cumprod(-1)", "Cumprod(int)", x => x[0].Cumprod(-1), Uni(RankAtLeast(2)), Lanes(-1, Cumprod)),
        new("Cumprod(-1) with zeros", "Cumprod(int)", x => x[0].Cumprod(-1), g => [WithZeros(g, [Dim(g), 2 + g.NextInt(4)])], Lanes(-1, Cumprod)),
        new("Cumprod of a transposed view", "Cumprod(int)", x => x[0].MT.Cumprod(0), Uni(RankAtLeast(2)), x => Along(x[0].MT, 0, Cumprod)),

        // Elementwise functions (rounding away from its jumps, where the derivative is 0 on both sides).
        new("Log1p", "Log1p()", x => x[0].Log1p(), Uni(Any, -0.7, 2), Elementwise(v => Math.Log(1 + v))),
        new("Expm1", "Expm1()", x => x[0].Expm1(), Uni(Any), Elementwise(v => Math.Exp(v) - 1)),
        new("Round", "Round()", x => x[0].Round(), Away([-1.5, -0.5, 0.5, 1.5]), Elementwise(v => Math.Round(v, MidpointRounding.ToEven))),
        new("Floor", "Floor()", x => x[0].Floor(), Away([-1, 0, 1]), Elementwise(Math.Floor)),
        new("Ceil", "Ceil()", x => x[0].Ceil(), Away([-1, 0, 1]), Elementwise(Math.Ceiling)),
        // Strided inputs are gathered into the output and transformed in place: kernels must allow x and d to alias.
        new("Log1p of a transposed view", "Log1p()", x => x[0].MT.Log1p(), Uni(RankAtLeast(2), -0.7, 2), x => Map(x[0].MT, v => Math.Log(1 + v))),
        new("Expm1 of a transposed view", "Expm1()", x => x[0].MT.Expm1(), Uni(RankAtLeast(2)), x => Map(x[0].MT, v => Math.Exp(v) - 1)),
        new("Erf of a transposed view", "Erf()", x => x[0].MT.Erf(), Uni(RankAtLeast(2), -3.5, 3.5), x => Map(x[0].MT, Erf)),
        new("Gelu of a transposed view", "Gelu(bool)", x => x[0].MT.Gelu(), Uni(RankAtLeast(2), -3, 3), x => Map(x[0].MT, Gelu)),

        // Padding modes (amounts below the padded sizes, which are at least 3) and rolling.
        new("Pad(reflect, last dim)", "Pad(int[], PaddingMode, T)", x => x[0].Pad([2, 1], PaddingMode.Reflect),
            g => [Uniform(g, [.. Shape(g, 0, 2), 3 + g.NextInt(2)])], x => PadMode(x[0], [2, 1], PaddingMode.Reflect)),
        new("Pad(reflect, two dims) of a transposed view", "Pad(int[], PaddingMode, T)", x => x[0].MT.Pad([1, 0, 2, 2], PaddingMode.Reflect),
            g => [Uniform(g, [3, 3 + g.NextInt(2)])], x => PadMode(x[0].MT, [1, 0, 2, 2], PaddingMode.Reflect)),
        new("Pad(replicate)", "Pad(int[], PaddingMode, T)", x => x[0].Pad([3, 1, 0, 2], PaddingMode.Replicate),
            Uni(RankAtLeast(2)), x => PadMode(x[0], [3, 1, 0, 2], PaddingMode.Replicate)),
        new("Pad(circular, crop)", "Pad(int[], PaddingMode, T)", x => x[0].Pad([1, -1, 2, 0], PaddingMode.Circular),
            g => [Uniform(g, [.. Shape(g, 0, 1), 2 + g.NextInt(2), 2 + g.NextInt(2)])], x => PadMode(x[0], [1, -1, 2, 0], PaddingMode.Circular)),
        new("Pad(constant mode)", "Pad(int[], PaddingMode, T)", x => x[0].Pad([1, 1], PaddingMode.Constant, C<T>(0.5)),
            Uni(RankAtLeast(1)), x => PadMode(x[0], [1, 1], PaddingMode.Constant, 0.5)),
        new("Roll(shifts, dims)", "Roll(int[], int[])", x => x[0].Roll([1, -4], [0, -1]), Uni(RankAtLeast(2)), x => Roll(x[0], [1, -4], [0, -1])),
        new("Roll(flattened)", "Roll(int[], int[])", x => x[0].Roll([2]), Uni(Any), x => Roll(x[0].Reshape(-1), [2], [0]).Reshape(x[0].Shape)),
        new("Roll(shift, dim) of a transposed view", "Roll(int, int)", x => x[0].MT.Roll(5, 1), Uni(RankAtLeast(2)), x => Roll(x[0].MT, [5], [1])),

        // Norms (the ∞-norm on distinct |x|, so its maximum is untied; 1-norm away from the kink at 0).
        new("Norm()", "Norm(T, int[], bool)", x => x[0].Norm(), Uni(Any), Reduction(null, L2)),
        new("Norm(2, dim, keepDim)", "Norm(T, int[], bool)", x => x[0].Norm(2, [1], keepDim: true), Uni(RankAtLeast(2)), Reduction([1], L2, keepDim: true)),
        new("Norm(1, dims)", "Norm(T, int[], bool)", x => x[0].Norm(1, [0, -1]), g => [AwayFrom(g, Shape(g, 2), [0])], Reduction([0, -1], L1)),
        new("Norm(∞, dims, keepDim)", "Norm(T, int[], bool)", x => x[0].Norm(double.PositiveInfinity, [-1, 0], keepDim: true), g => [SignedDistinct(g, Shape(g, 2))],
            Reduction([-1, 0], LInf, keepDim: true)),
        new("Norm(∞) of a transposed view", "Norm(T, int[], bool)", x => x[0].MT.Norm(double.PositiveInfinity, [1]), g => [SignedDistinct(g, Shape(g, 2))],
            x => Reduce(x[0].MT, [1], false, LInf)),
        new("FrobeniusNorm", "FrobeniusNorm(int, int, bool)", x => x[0].FrobeniusNorm(), Uni(RankAtLeast(2)), Reduction([-2, -1], L2)),
        new("FrobeniusNorm(0, 2, keepDim)", "FrobeniusNorm(int, int, bool)", x => x[0].FrobeniusNorm(0, 2, keepDim: true), Uni(RankAtLeast(3)), Reduction([0, 2], L2, keepDim: true)),

        // Einsum: two-operand products (batch, contracted, left and right letters), one-operand trace, diagonal,
        // transpose and sums, and the implicit output; shapes follow the letters (sizes 1 to 3, shared letters agree).
        Einsum<T>("ij,jk->ik"), Einsum<T>("bij,bjk->bik"), Einsum<T>("bhqd,bhkd->bhqk"), Einsum<T>("i,i->"), Einsum<T>("i,j->ij"),
        Einsum<T>("ij,ij->i"), Einsum<T>("ijk,ik->ji"), Einsum<T>("ij,jk"), Einsum<T>("ii,ij->j"), Einsum<T>("ii->"), Einsum<T>("ii->i"),
        Einsum<T>("ij->ji"), Einsum<T>("ijk->"), Einsum<T>("ijk->kj"),

        // Layer normalisation (fused; rows of at least two values, so the variance is not 0).
        new("LayerNorm", "LayerNorm(int[], Tensor, Tensor, T)", x => x[0].LayerNorm([x[0].Shape[^1]], x[1], x[2]), LayerNormCase(1),
            x => LayerNorm(x[0], 1, x[1], x[2]), FloatTol: Normalising),
        new("LayerNorm(no affine, two dims)", "LayerNorm(int[], Tensor, Tensor, T)", x => x[0].LayerNorm([.. x[0].Shape.Skip(x[0].Rank - 2)]),
            g => LayerNormCase(2)(g)[..1], x => LayerNorm(x[0], 2), FloatTol: Normalising),
        new("LayerNorm(bias only) of a transposed view", "LayerNorm(int[], Tensor, Tensor, T)", x => x[0].MT.LayerNorm([x[0].Shape[^2]], null, x[1], 1e-3),
            g => { int d = 2 + g.NextInt(3); return [Uniform(g, [d, 1 + g.NextInt(3)]), Uniform(g, [d])]; }, x => LayerNorm(x[0].MT, 1, null, x[1], 1e-3),
            FloatTol: Normalising),

        // Typed index and mask arguments: the same cases as the rows of the older forms, positions as an IndexTensor and
        // masks as a BoolTensor.
        new("Gather(typed index)", "Gather(int, IndexTensor)", x => x[0].Gather(1, IndexTensor.FromTensor(x[1])), g => GatherCase(g, 1, scatter: false), x => Gather(x[0], 1, x[1])),
        new("ScatterAdd(typed index)", "ScatterAdd(int, IndexTensor, Tensor)", x => x[0].ScatterAdd(0, IndexTensor.FromTensor(x[1]), x[2]), g => GatherCase(g, 0, scatter: true),
            x => ScatterAdd(x[0], 0, x[1], x[2])),
        new("IndexSelect(typed index)", "IndexSelect(int, IndexTensor)", x => x[0].IndexSelect(1, IndexTensor.FromTensor(x[1])), g => IndexCase(g, add: false), x => IndexSelect(x[0], 1, x[1])),
        new("IndexAdd(typed index)", "IndexAdd(int, IndexTensor, Tensor)", x => x[0].IndexAdd(1, IndexTensor.FromTensor(x[1]), x[2]), g => IndexCase(g, add: true),
            x => IndexAdd(x[0], 1, x[1], x[2])),
        new("MaskedFill(bool mask)", "MaskedFill(BoolTensor, T)", x => x[1].MaskedFill(BoolTensor.FromTensor(x[0]), C<T>(-3)), MaskedFillCase,
            x => Broadcast(x, v => v[0] != 0 ? -3 : v[1], x[1].Shape)),
        new("Where(bool mask)", "Where(BoolTensor, Tensor, Tensor)", x => Tensor.Where(BoolTensor.FromTensor(x[0]), x[1], x[2]), WhereCase, x => Broadcast(x, v => v[0] != 0 ? v[1] : v[2])),
        new("Where(bool mask, tensor, scalar)", "Where(BoolTensor, Tensor, T)", x => Tensor.Where(BoolTensor.FromTensor(x[0]), x[1], C<T>(0.25)), g => WhereCase(g)[..2],
            x => Broadcast(x, v => v[0] != 0 ? v[1] : 0.25)),
    ];

    /// <summary>A row for Einsum(<paramref name="equation"/>): each letter gets one random size, shared by every use.</summary>
    private static OpInfo<T> Einsum<T>(string equation) where T : unmanaged, IFloatingPointIeee754<T> =>
        new($"Einsum({equation})", "Einsum(String, Tensor[])", x => Tensor.Einsum(equation, x), g =>
        {
            var size = new Dictionary<char, int>();
            var terms = equation.Split("->")[0].Split(',');
            return [.. terms.Select(term => Uniform(g, [.. term.Select(c => size.TryGetValue(c, out int s) ? s : size[c] = Dim(g))]))];
        }, x => Naive.Einsum(equation, x));

    /// <summary>x [.., D] with D ≥ 2 values per row over its last <paramref name="k"/> dims, then γ and β shaped like
    /// those dims.</summary>
    private static Func<Choices, Tensor<double>[]> LayerNormCase(int k) => g =>
    {
        int[] normalized = k == 1 ? [2 + g.NextInt(3)] : [1 + g.NextInt(2), 2 + g.NextInt(2)];
        return [Uniform(g, [.. Shape(g, 0, 2), .. normalized]), Uniform(g, normalized), Uniform(g, normalized)];
    };

    private static T C<T>(double v) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateChecked(v);

    /// <summary>Values whose magnitudes are pairwise distinct (gaps ≥ 0.15) and ≥ 0.3, with random signs.</summary>
    private static Tensor<double> SignedDistinct(Choices g, int[] shape)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = 0.3 + 0.25 * i + 0.1 * g.NextDouble();
        g.Shuffle(data.AsSpan());
        for (int i = 0; i < data.Length; i++) if (g.NextInt(2) == 0) data[i] = -data[i];
        return Tensor.FromArray(data, shape, requiresGrad: true);
    }

    /// <summary>Uniform values with one or two exact zeros in each lane along the last dim (at random places).</summary>
    private static Tensor<double> WithZeros(Choices g, int[] shape)
    {
        var values = Uniform(g, shape).ToArray();
        int n = shape[^1];
        for (int lane = 0; lane < values.Length / n; lane++)
            for (int z = 0; z < 1 + g.NextInt(2); z++) values[lane * n + g.NextInt(n)] = 0;
        return Tensor.FromArray(values, shape, requiresGrad: true);
    }
}
