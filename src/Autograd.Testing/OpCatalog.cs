using System.Numerics;
using static Autograd.Testing.Naive;
using static Autograd.Testing.TensorGen;

namespace Autograd.Testing;

/// <summary>
/// Every differentiable public op of <see cref="Tensor{T}"/> and <see cref="Tensor"/>, once per behaviourally distinct
/// variant (as PyTorch's OpInfo). Adding an op means adding a row here; the completeness test fails otherwise.
/// The rows are written once, generic over the element type, and instantiated per type (<see cref="Rows{T}"/>), so
/// float and double run the same definition.
/// </summary>
public static partial class OpCatalog
{
    /// <summary>Default <see cref="OpInfo{T}.FloatTol"/>, in units of float's machine epsilon ε = 2⁻²³: float rounds each
    /// step to a relative ε/2, and these small ops (at most a few dozen O(1) terms per output) stay within a few ε (the
    /// largest seen over 300 cases per row is 3.2ε, for Conv2d).</summary>
    public const double FloatTol = 16;

    /// <summary>Float tolerance of batch normalisation, which is ill-conditioned when a channel's values lie close together:
    /// x − μ carries an absolute rounding error of about ε·|x| ≤ 2ε, then is divided by √(σ² + 10⁻⁵) ≥ 3.2·10⁻³ and
    /// multiplied by |γ| ≤ 2, so the output error can reach 2ε·2/3.2·10⁻³ ≈ 1250ε (seen: 58ε over 300 cases).</summary>
    private const double Normalising = 4096;

    /// <summary>The registry in double, the element type of the gradient checks.</summary>
    public static IReadOnlyList<OpInfo<double>> All => Table<double>.Rows;

    /// <summary>The same rows (same order, names and generators) with their functions in element type <typeparamref name="T"/>.</summary>
    public static IReadOnlyList<OpInfo<T>> Rows<T>() where T : unmanaged, IFloatingPointIeee754<T> => Table<T>.Rows;

    private static class Table<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly OpInfo<T>[] Rows = Build<T>();
    }

    // Input generators: shape presets, then value presets (uniform, away from kinks, distinct, paired).
    private static Func<Choices, int[]> Any => g => Shape(g);
    private static Func<Choices, int[]> RankAtLeast(int r) => g => Shape(g, r, Math.Max(r, 3));
    private static Func<Choices, Tensor<double>[]> Uni(Func<Choices, int[]> shape, double lo = -2, double hi = 2) =>
        g => [Uniform(g, shape(g), lo, hi)];
    private static Func<Choices, Tensor<double>[]> Away(double[] kinks, double lo = -2, double hi = 2) =>
        g => [AwayFrom(g, Shape(g), kinks, lo, hi)];
    private static Func<Choices, Tensor<double>[]> Pair() =>
        g => { var (a, b) = BroadcastPair(g); return [Uniform(g, a), Uniform(g, b)]; };
    private static Func<Choices, Tensor<double>[]> Dist(Func<Choices, int[]> shape) => g => [Distinct(g, shape(g))];
    // Two operands whose shapes share an inner size k (drawn first), for the matrix products.
    private static Func<Choices, Tensor<double>[]> Two(Func<Choices, int, (int[], int[])> shapes) =>
        g => { var (a, b) = shapes(g, Dim(g)); return [Uniform(g, a), Uniform(g, b)]; };
    private static int[] Batch(Choices g) => Shape(g, 1, 2);
    private static Tensor<T> Weighted<T>(Tensor<T>[] parts, int dim) where T : unmanaged, IFloatingPointIeee754<T> =>
        Tensor.Concat([.. parts.Select((p, i) => p * T.CreateChecked(i + 1))], dim);

    // References used by several rows.
    private static Func<Nd[], Nd> Elementwise(Func<double, double> f) => x => Map(x[0], f);
    private static Func<Nd[], Nd> Pairwise(Func<double, double, double> f) => x => Zip(x[0], x[1], f);
    private static Func<Nd[], Nd> Reduction(int[]? dims, Func<double[], double> f, bool keepDim = false) => x => Reduce(x[0], dims, keepDim, f);
    private static Func<Nd[], Nd> Lanes(int dim, Func<double[], double[]> f) => x => Along(x[0], dim, f);
    private static readonly Func<Nd[], Nd> Same = x => x[0];
    private static readonly Func<Nd[], Nd> Product = x => MatMul(x[0], x[1]);
    private static readonly Func<Nd[], Nd> Affine = x => Linear(x[0], x[1], x.Length > 2 ? x[2] : null);

    /// <summary>The registry, one row per op variant, for element type <typeparamref name="T"/>.</summary>
    private static OpInfo<T>[] Build<T>() where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A constant of the row, written once in double and converted to T.
        static T C(double v) => T.CreateChecked(v);
        return
        [
            // Arithmetic (broadcasting pairs, scalar on either side).
            new("Add", "op_Addition(Tensor, Tensor)", x => x[0] + x[1], Pair(), Pairwise((a, b) => a + b)),
            new("Add(tensor, scalar)", "op_Addition(Tensor, T)", x => x[0] + C(1.5), Uni(Any), Elementwise(v => v + 1.5)),
            new("Add(scalar, tensor)", "op_Addition(T, Tensor)", x => C(1.5) + x[0], Uni(Any), Elementwise(v => 1.5 + v)),
            new("Sub", "op_Subtraction(Tensor, Tensor)", x => x[0] - x[1], Pair(), Pairwise((a, b) => a - b)),
            new("Sub(tensor, scalar)", "op_Subtraction(Tensor, T)", x => x[0] - C(0.7), Uni(Any), Elementwise(v => v - 0.7)),
            new("Sub(scalar, tensor)", "op_Subtraction(T, Tensor)", x => C(0.7) - x[0], Uni(Any), Elementwise(v => 0.7 - v)),
            new("Mul", "op_Multiply(Tensor, Tensor)", x => x[0] * x[1], Pair(), Pairwise((a, b) => a * b)),
            new("Mul(tensor, scalar)", "op_Multiply(Tensor, T)", x => x[0] * C(-1.3), Uni(Any), Elementwise(v => v * -1.3)),
            new("Mul(scalar, tensor)", "op_Multiply(T, Tensor)", x => C(2.5) * x[0], Uni(Any), Elementwise(v => 2.5 * v)),
            new("Div", "op_Division(Tensor, Tensor)", x => x[0] / x[1], g => { var (a, b) = BroadcastPair(g); return [Uniform(g, a), NonZero(g, b)]; }, Pairwise((a, b) => a / b)),
            new("Div(tensor, scalar)", "op_Division(Tensor, T)", x => x[0] / C(-0.8), Uni(Any), Elementwise(v => v / -0.8)),
            new("Div(scalar, tensor)", "op_Division(T, Tensor)", x => C(1.7) / x[0], g => [NonZero(g, Shape(g))], Elementwise(v => 1.7 / v)),
            new("Neg(operator)", "op_UnaryNegation(Tensor)", x => -x[0], Uni(Any), Elementwise(v => -v)),
            new("Neg", "Neg()", x => x[0].Neg(), Uni(Any), Elementwise(v => -v)),
            new("Pow(scalar exponent)", "Pow(T)", x => x[0].Pow(C(2.5)), Uni(Any, 0.3, 2.5), Elementwise(v => Math.Pow(v, 2.5))),
            new("Pow(integer exponent, negative base)", "Pow(T)", x => x[0].Pow(C(3)), Uni(Any), Elementwise(v => v * v * v)),
            new("Pow(tensor exponent)", "Pow(Tensor)", x => x[0].Pow(x[1]), g => { var (a, b) = BroadcastPair(g); return [Uniform(g, a, 0.3, 2.5), Uniform(g, b)]; }, Pairwise(Math.Pow)),
            new("Square", "Square()", x => x[0].Square(), Uni(Any), Elementwise(v => v * v)),
            new("Reciprocal", "Reciprocal()", x => x[0].Reciprocal(), g => [NonZero(g, Shape(g))], Elementwise(v => 1 / v)),
            new("Maximum", "Maximum(Tensor)", x => x[0].Maximum(x[1]), Untied, Pairwise(Math.Max)),
            new("Minimum", "Minimum(Tensor)", x => x[0].Minimum(x[1]), Untied, Pairwise(Math.Min)),

            // Elementwise functions (domains: Log/Sqrt positive, Abs away from 0).
            new("Exp", "Exp()", x => x[0].Exp(), Uni(Any), Elementwise(Math.Exp)),
            new("Log", "Log()", x => x[0].Log(), Uni(Any, 0.3, 3), Elementwise(Math.Log)),
            new("Sqrt", "Sqrt()", x => x[0].Sqrt(), Uni(Any, 0.3, 3), Elementwise(Math.Sqrt)),
            new("Abs", "Abs()", x => x[0].Abs(), Away([0]), Elementwise(Math.Abs)),
            new("Sin", "Sin()", x => x[0].Sin(), Uni(Any, -4, 4), Elementwise(Math.Sin)),
            new("Cos", "Cos()", x => x[0].Cos(), Uni(Any, -4, 4), Elementwise(Math.Cos)),
            new("Tanh", "Tanh()", x => x[0].Tanh(), Uni(Any), Elementwise(Math.Tanh)),
            new("Sigmoid", "Sigmoid()", x => x[0].Sigmoid(), Uni(Any, -4, 4), Elementwise(Sigmoid)),
            new("Erf", "Erf()", x => x[0].Erf(), Uni(Any, -3.5, 3.5), Elementwise(Erf)),

            // Activations (kinks avoided by TensorGen.Margin).
            new("Relu", "Relu()", x => x[0].Relu(), Away([0]), Elementwise(v => Math.Max(v, 0))),
            new("LeakyRelu", "LeakyRelu()", x => x[0].LeakyRelu(), Away([0]), Elementwise(LeakyRelu())),
            new("LeakyRelu(slope)", "LeakyRelu(T)", x => x[0].LeakyRelu(C(0.2)), Away([0]), Elementwise(LeakyRelu(0.2))),
            new("Clamp", "Clamp(T, T)", x => x[0].Clamp(C(-0.5), C(1)), Away([-0.5, 1.0]), Elementwise(v => Math.Min(Math.Max(v, -0.5), 1))),
            new("Softplus", "Softplus(T?, T?)", x => x[0].Softplus(), Uni(Any, -4, 4), Elementwise(Softplus())),
            new("Softplus(beta, threshold)", "Softplus(T?, T?)", x => x[0].Softplus(C(2), C(3)), Away([1.5], -3, 3), Elementwise(Softplus(2, 3))),
            new("Gelu", "Gelu(bool)", x => x[0].Gelu(), Uni(Any, -3, 3), Elementwise(Gelu)),
            new("Gelu(tanh approximation)", "Gelu(bool)", x => x[0].Gelu(tanhApproximation: true), Uni(Any, -3, 3), Elementwise(GeluTanh)),
            new("Silu", "Silu()", x => x[0].Silu(), Uni(Any, -3, 3), Elementwise(v => v * Sigmoid(v))),
            new("Elu", "Elu(T?)", x => x[0].Elu(), Away([0]), Elementwise(Elu())),
            new("Elu(alpha)", "Elu(T?)", x => x[0].Elu(C(0.5)), Away([0]), Elementwise(Elu(0.5))),

            // Reductions.
            new("Sum()", "Sum()", x => x[0].Sum(), Uni(Any), Reduction(null, Sum)),
            new("Sum(dim)", "Sum(int, bool)", x => x[0].Sum(0), Uni(RankAtLeast(1)), Reduction([0], Sum)),
            new("Sum(-1, keepDim)", "Sum(int, bool)", x => x[0].Sum(-1, keepDim: true), Uni(RankAtLeast(1)), Reduction([-1], Sum, keepDim: true)),
            new("Sum(dims)", "Sum(int[], bool)", x => x[0].Sum([-1, 0]), Uni(RankAtLeast(2)), Reduction([-1, 0], Sum)),
            new("Sum(dims, keepDim)", "Sum(int[], bool)", x => x[0].Sum([0, 2], keepDim: true), Uni(RankAtLeast(3)), Reduction([0, 2], Sum, keepDim: true)),
            new("Mean()", "Mean()", x => x[0].Mean(), Uni(Any), Reduction(null, Mean)),
            new("Mean(dim, keepDim)", "Mean(int, bool)", x => x[0].Mean(1, keepDim: true), Uni(RankAtLeast(2)), Reduction([1], Mean, keepDim: true)),
            new("Mean(dims)", "Mean(int[], bool)", x => x[0].Mean([0, 1]), Uni(RankAtLeast(2)), Reduction([0, 1], Mean)),
            new("Var()", "Var()", x => x[0].Var(), g => [Distinct(g, ShapeWithCount(g, 2, 0))], Reduction(null, Var())),
            new("Var(dim)", "Var(int, bool, int)", x => x[0].Var(dim: -1), g => [Distinct(g, With(Shape(g, 1), -1, 2 + g.NextInt(2)))], Reduction([-1], Var())),
            new("Var(dims, keepDim, correction 0)", "Var(int[], bool, int)", x => x[0].Var([0, 1], keepDim: true, correction: 0), Dist(RankAtLeast(2)), Reduction([0, 1], Var(0), keepDim: true)),
            new("Std()", "Std()", x => x[0].Std(), g => [Distinct(g, ShapeWithCount(g, 2, 0))], Reduction(null, Std())),
            new("Std(dim, keepDim)", "Std(int, bool, int)", x => x[0].Std(dim: 0, keepDim: true), g => [Distinct(g, With(Shape(g, 1), 0, 2 + g.NextInt(2)))], Reduction([0], Std(), keepDim: true)),
            new("Max()", "Max()", x => x[0].Max(), Dist(Any), Reduction(null, Max)),
            new("Min()", "Min()", x => x[0].Min(), Dist(Any), Reduction(null, Min)),
            new("Max(dim)", "Max(int, bool)", x => x[0].Max(-1), Dist(RankAtLeast(1)), Reduction([-1], Max)),
            new("Max(dim, keepDim)", "Max(int, bool)", x => x[0].Max(0, keepDim: true), Dist(RankAtLeast(1)), Reduction([0], Max, keepDim: true)),
            new("Min(dim)", "Min(int, bool)", x => x[0].Min(1), Dist(RankAtLeast(2)), Reduction([1], Min)),
            new("LogSumExp()", "LogSumExp()", x => x[0].LogSumExp(), Uni(Any), Reduction(null, LogSumExp)),
            new("LogSumExp(dim, keepDim)", "LogSumExp(int, bool)", x => x[0].LogSumExp(-1, keepDim: true), Uni(RankAtLeast(1)), Reduction([-1], LogSumExp, keepDim: true)),
            new("LogSumExp(dim)", "LogSumExp(int, bool)", x => x[0].LogSumExp(0), Uni(RankAtLeast(2), -3, 3), Reduction([0], LogSumExp)),
            new("Softmax(-1)", "Softmax(int)", x => x[0].Softmax(-1), Uni(RankAtLeast(1)), Lanes(-1, Softmax)),
            new("Softmax(0)", "Softmax(int)", x => x[0].Softmax(0), Uni(RankAtLeast(2)), Lanes(0, Softmax)),
            new("LogSoftmax(-1)", "LogSoftmax(int)", x => x[0].LogSoftmax(-1), Uni(RankAtLeast(1)), Lanes(-1, LogSoftmax)),
            new("LogSoftmax(1)", "LogSoftmax(int)", x => x[0].LogSoftmax(1), Uni(RankAtLeast(3)), Lanes(1, LogSoftmax)),
            new("BatchNorm", "BatchNorm(Tensor, Tensor, T)", x => x[0].BatchNorm(x[1], x[2]), BatchNormCase, x => BatchNorm(x[0], x[1], x[2]), FloatTol: Normalising),
            new("BatchNorm(no affine, [N, C])", "BatchNorm(Tensor, Tensor, T)", x => x[0].BatchNorm(), g => [Uniform(g, [2 + g.NextInt(3), Dim(g)])], x => BatchNorm(x[0]),
                FloatTol: Normalising),
            new("Cumsum(0)", "Cumsum(int)", x => x[0].Cumsum(0), Uni(RankAtLeast(1)), Lanes(0, Cumsum)),
            new("Cumsum(-1)", "Cumsum(int)", x => x[0].Cumsum(-1), Uni(RankAtLeast(2)), Lanes(-1, Cumsum)),
            new("Cumsum of a transposed view", "Cumsum(int)", x => x[0].MT.Cumsum(0), Uni(RankAtLeast(2)), x => Along(x[0].MT, 0, Cumsum)),
            // Sort and TopK return (Values, Indices) tuples; these rows check .Values (x gathered at the sorted positions).
            // Distinct values: no ties.
            new("Sort(-1).Values", "Sort(int, bool)", x => x[0].Sort().Values, Dist(RankAtLeast(1)), Lanes(-1, v => Sorted(v, false))),
            new("Sort(0, descending).Values", "Sort(int, bool)", x => x[0].Sort(0, descending: true).Values, Dist(RankAtLeast(2)), Lanes(0, v => Sorted(v, true))),
            new("TopK(2).Values", "TopK(int, int, bool, bool)", x => x[0].TopK(2).Values, g => [Distinct(g, With(Shape(g, 1), -1, 2 + g.NextInt(3)))],
                x => TopK(x[0], -1, 2, largest: true)),
            new("TopK(1, dim 0, smallest).Values", "TopK(int, int, bool, bool)", x => x[0].TopK(1, 0, largest: false).Values, Dist(RankAtLeast(2)),
                x => TopK(x[0], 0, 1, largest: false)),

            // Matrix products (PyTorch's rules for 1-D operands, broadcast batch dims, strided operands).
            new("MatMul 1-D·1-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([k], [k])), Product),
            new("MatMul 1-D·2-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([k], [k, Dim(g)])), Product),
            new("MatMul 2-D·1-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([Dim(g), k], [k])), Product),
            new("MatMul 2-D·2-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([Dim(g), k], [k, Dim(g)])), Product),
            new("MatMul batched, broadcast batch dims", "MatMul(Tensor)", x => x[0].MatMul(x[1]),
                Two((g, k) => { var (ba, bb) = BroadcastPair(g, 1, 2); return ([.. ba, Dim(g), k], [.. bb, k, Dim(g)]); }), Product),
            new("MatMul batched·2-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([.. Batch(g), Dim(g), k], [k, Dim(g)])), Product),
            new("MatMul 2-D·batched", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([Dim(g), k], [.. Batch(g), k, Dim(g)])), Product),
            new("MatMul 1-D·batched", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([k], [.. Batch(g), k, Dim(g)])), Product),
            new("MatMul batched·1-D", "MatMul(Tensor)", x => x[0].MatMul(x[1]), Two((g, k) => ([.. Batch(g), Dim(g), k], [k])), Product),
            new("MatMul transposed left view", "MatMul(Tensor)", x => x[0].MT.MatMul(x[1]), Two((g, k) => ([.. Shape(g, 0, 1), k, Dim(g)], [k, Dim(g)])), x => MatMul(x[0].MT, x[1])),
            new("MatMul transposed right view", "MatMul(Tensor)", x => x[0].MatMul(x[1].MT), Two((g, k) => ([Dim(g), k], [.. Shape(g, 0, 1), Dim(g), k])), x => MatMul(x[0], x[1].MT)),
            new("MatMul both transposed", "MatMul(Tensor)", x => x[0].MT.MatMul(x[1].MT), Two((g, k) => ([k, Dim(g)], [Dim(g), k])), x => MatMul(x[0].MT, x[1].MT)),
            new("MatMul expanded and narrowed views", "MatMul(Tensor)", x => x[0].Expand(3, -1).MatMul(x[1].Narrow(1, 1, 2)),
                Two((g, k) => ([1, k], [k, 3])), x => MatMul(Expand(x[0], 3, -1), x[1].Narrow(1, 1, 2))),

            // Fused affine map y = x·Wᵀ + b (x [*, in], W [out, in], b [out]); views of x and W take the strided paths.
            new("Linear", "Linear(Tensor, Tensor)", x => x[0].Linear(x[1], x[2]), g => LinearCase(g, [Dim(g)]), Affine),
            new("Linear(no bias)", "Linear(Tensor, Tensor)", x => x[0].Linear(x[1]), g => LinearCase(g, [Dim(g)])[..2], Affine),
            new("Linear(leading batch dims)", "Linear(Tensor, Tensor)", x => x[0].Linear(x[1], x[2]), g => LinearCase(g, [.. Batch(g), Dim(g)]), Affine),
            new("Linear(1-D input)", "Linear(Tensor, Tensor)", x => x[0].Linear(x[1], x[2]), g => LinearCase(g, []), Affine),
            new("Linear of transposed input and weight views", "Linear(Tensor, Tensor)", x => x[0].MT.Linear(x[1].MT, x[2]),
                g => LinearCase(g, [Dim(g)], transposed: true), x => Linear(x[0].MT, x[1].MT, x[2])),
            new("Linear of a permuted batched input", "Linear(Tensor, Tensor)", x => x[0].Transpose(0, 1).Linear(x[1], x[2]),
                g => LinearCase(g, [Dim(g), 2]), x => Linear(x[0].Transpose(0, 1), x[1], x[2])),

            // Views and shape ops (references reorder plain arrays by coordinates). Split and Chunk weight piece i by i + 1
            // and join the pieces again, so their references scale each slice by its piece's weight.
            new("Reshape(-1)", "Reshape(int[])", x => x[0].Reshape(-1), Uni(Any), x => x[0].Reshape(-1)),
            new("Reshape(2, -1)", "Reshape(int[])", x => x[0].Reshape(2, -1), g => [Uniform(g, [.. Shape(g, 0, 2), 2])], x => x[0].Reshape(2, -1)),
            new("Reshape of a transposed view", "Reshape(int[])", x => x[0].MT.Reshape(-1), Uni(RankAtLeast(2)), x => x[0].MT.Reshape(-1)),
            new("View", "View(int[])", x => x[0].View(-1, 1), Uni(Any), x => x[0].Reshape(-1, 1)),
            new("View of a transposed view (splits a dim in place)", "View(int[])", x => x[0].MT.View(x[0].Shape[1], 2, -1),
                g => [Uniform(g, [2 * Dim(g), Dim(g)])], x => x[0].MT.Reshape(x[0].Shape[1], 2, -1)),
            new("Flatten()", "Flatten(int, int)", x => x[0].Flatten(), Uni(Any), x => x[0].Reshape(-1)),
            new("Flatten(1, 2)", "Flatten(int, int)", x => x[0].Flatten(1, 2), Uni(RankAtLeast(3)),
                x => x[0].Reshape([x[0].Shape[0], x[0].Shape[1] * x[0].Shape[2], .. x[0].Shape[3..]])),
            new("Permute", "Permute(int[])", x => x[0].Permute(2, 0, 1), Uni(RankAtLeast(3)), x => x[0].Permute(2, 0, 1)),
            new("Transpose", "Transpose(int, int)", x => x[0].Transpose(0, -1), Uni(RankAtLeast(1)), x => x[0].Transpose(0, -1)),
            new("MT", "get_MT()", x => x[0].MT, Uni(RankAtLeast(2)), x => x[0].MT),
            new("Expand", "Expand(int[])", x => x[0].Expand(2, -1, 3), g => [Uniform(g, [Dim(g), 1])], x => Expand(x[0], 2, -1, 3)),
            new("SumTo", "SumTo(int[])", x => x[0].SumTo(1, 3), g => [Uniform(g, [.. Shape(g, 0, 1), Dim(g), 3])],
                x => Reduce(x[0], [.. Enumerable.Range(0, x[0].Shape.Length - 1)], false, Sum).Reshape(1, 3)),
            new("Narrow", "Narrow(int, int, int)", x => x[0].Narrow(1, 1, 2), g => [Uniform(g, [Dim(g), 3 + g.NextInt(2), .. Shape(g, 0, 1)])], x => x[0].Narrow(1, 1, 2)),
            new("Narrow(negative start)", "Narrow(int, int, int)", x => x[0].Narrow(-1, -2, 1), g => [Uniform(g, [.. Shape(g, 0, 2), 2 + g.NextInt(2)])], x => x[0].Narrow(-1, -2, 1)),
            new("Select", "Select(int, int)", x => x[0].Select(0, -1), Uni(RankAtLeast(1)), x => x[0].Select(0, x[0].Shape[0] - 1)),
            new("Select(1, 1)", "Select(int, int)", x => x[0].Select(1, 1), g => [Uniform(g, [Dim(g), 2 + g.NextInt(2), .. Shape(g, 0, 1)])], x => x[0].Select(1, 1)),
            new("Squeeze(dim)", "Squeeze(int)", x => x[0].Squeeze(1), g => [Uniform(g, [Dim(g), 1, .. Shape(g, 0, 1)])], x => x[0].Select(1, 0)),
            new("Squeeze()", "Squeeze()", x => x[0].Squeeze(), Uni(Any), x => x[0].Reshape([.. x[0].Shape.Where(d => d != 1)])),
            new("Unsqueeze", "Unsqueeze(int)", x => x[0].Unsqueeze(1), Uni(RankAtLeast(1)), x => x[0].Reshape([x[0].Shape[0], 1, .. x[0].Shape[1..]])),
            new("Unsqueeze(-1)", "Unsqueeze(int)", x => x[0].Unsqueeze(-1), Uni(Any), x => x[0].Reshape([.. x[0].Shape, 1])),
            new("Contiguous", "Contiguous()", x => x[0].MT.Contiguous(), Uni(RankAtLeast(2)), x => x[0].MT),
            new("Clone", "Clone()", x => x[0].Clone(), Uni(Any), Same),
            new("Split(size)", "Split(int, int)", x => Weighted(x[0].Split(2, 1), 1), g => [Uniform(g, [Dim(g), 1 + g.NextInt(5)])],
                x => Scaled(x[0], 1, j => j / 2 + 1)),
            new("Split(sizes)", "Split(int[], int)", x => Weighted(x[0].Split([1, 0, 2], -1), -1), g => [Uniform(g, [.. Shape(g, 0, 2), 3])],
                x => Scaled(x[0], -1, j => j == 0 ? 1 : 3)),
            new("Chunk", "Chunk(int, int)", x => Weighted(x[0].Chunk(2, 0), 0), g => [Uniform(g, [1 + g.NextInt(4), .. Shape(g, 0, 2)])],
                x => Scaled(x[0], 0, j => j / ((x[0].Shape[0] + 1) / 2) + 1)),
            new("Concat", "Concat(IReadOnlyList<Tensor>, int)", x => Tensor.Concat(x, 1), ConcatCase, x => Concat(x, 1)),
            new("Stack", "Stack(IReadOnlyList<Tensor>, int)", x => Tensor.Stack(x, -1), StackCase, x => Concat([.. x.Select(p => p.Reshape([.. p.Shape, 1]))], -1)),
            new("Where", "Where(Tensor, Tensor, Tensor)", x => Tensor.Where(x[0], x[1], x[2]), WhereCase, x => Broadcast(x, v => v[0] != 0 ? v[1] : v[2])),
            new("Where(mask, tensor, scalar)", "Where(Tensor, Tensor, T)", x => Tensor.Where(x[0], x[1], C(0.5)), g => WhereCase(g)[..2], x => Broadcast(x, v => v[0] != 0 ? v[1] : 0.5)),
            new("Tril", "Tril(int)", x => x[0].Tril(), Uni(RankAtLeast(2)), x => Triangle(x[0], 0, lower: true)),
            new("Tril(-1) batched", "Tril(int)", x => x[0].Tril(-1), g => [Uniform(g, [.. Batch(g), Dim(g), Dim(g)])], x => Triangle(x[0], -1, lower: true)),
            new("Triu", "Triu(int)", x => x[0].Triu(), Uni(RankAtLeast(2)), x => Triangle(x[0], 0, lower: false)),
            new("Triu(1) of a transposed view", "Triu(int)", x => x[0].MT.Triu(1), Uni(RankAtLeast(2)), x => Triangle(x[0].MT, 1, lower: false)),
            new("MaskedFill", "MaskedFill(Tensor, T)", x => x[1].MaskedFill(x[0], C(0.5)), MaskedFillCase, x => Broadcast(x, v => v[0] != 0 ? 0.5 : v[1], x[1].Shape)),
            new("Flip", "Flip(int[])", x => x[0].Flip(0, -1), Uni(RankAtLeast(2)), x => Flip(x[0], 0, -1)),
            new("Flip of a transposed view", "Flip(int[])", x => x[0].MT.Flip(-1), Uni(RankAtLeast(2)), x => Flip(x[0].MT, -1)),
            new("Repeat", "Repeat(int[])", x => x[0].Repeat(2, 3), g => [Uniform(g, Shape(g, 2, 2))], x => Repeat(x[0], 2, 3)),
            new("Repeat(more repeats than dims)", "Repeat(int[])", x => x[0].Repeat(2, 1, 2), g => [Uniform(g, Shape(g, 0, 2))], x => Repeat(x[0], 2, 1, 2)),
            new("Pad(last dim)", "Pad(int[], T)", x => x[0].Pad([1, 2]), Uni(RankAtLeast(1)), x => Pad(x[0], [1, 2], 0)),
            new("Pad(two dims, value, cropping)", "Pad(int[], T)", x => x[0].Pad([0, 1, -1, 2], C(0.5)),
                g => [Uniform(g, [.. Shape(g, 0, 1), 2 + g.NextInt(2), Dim(g)])], x => Pad(x[0], [0, 1, -1, 2], 0.5)),
            new("Pad(crop and pad one dim) of a transposed view", "Pad(int[], T)", x => x[0].MT.Pad([-1, 1, 1, 0, 0, 1]),
                g => [Uniform(g, [Dim(g), 2 + g.NextInt(2), Dim(g)])], x => Pad(x[0].MT, [-1, 1, 1, 0, 0, 1], 0)),

            .. ConvolutionRows<T>(),

            // Strided (non-contiguous) operands take other kernel paths: the same ops on transposed and expanded views.
            new("Mul of a transposed view and a broadcast operand", "op_Multiply(Tensor, Tensor)", x => x[0].MT * x[1],
                g => { int[] s = [Dim(g), Dim(g), Dim(g)]; return [Uniform(g, s), Uniform(g, Reduced(g, [s[0], s[2], s[1]]))]; }, x => Zip(x[0].MT, x[1], (a, b) => a * b)),
            new("Exp of a transposed view", "Exp()", x => x[0].MT.Exp(), Uni(RankAtLeast(2)), x => Map(x[0].MT, Math.Exp)),
            new("Sum(dims) of a permuted view", "Sum(int[], bool)", x => x[0].Permute(1, 2, 0).Sum([0, 2]), Uni(RankAtLeast(3)), x => Reduce(x[0].Permute(1, 2, 0), [0, 2], false, Sum)),
            new("Softmax of a transposed view", "Softmax(int)", x => x[0].MT.Softmax(-1), Uni(RankAtLeast(2)), x => Along(x[0].MT, -1, Softmax)),
            new("Max(dim) of a transposed view", "Max(int, bool)", x => x[0].MT.Max(-1), Dist(RankAtLeast(2)), x => Reduce(x[0].MT, [-1], false, Max)),
            new("Gather from a transposed view", "Gather(int, Tensor)", x => x[0].MT.Gather(1, x[1]), g => GatherCase(g, 1, scatter: false, transposed: true), x => Gather(x[0].MT, 1, x[1])),
            new("IndexSelect of a transposed view", "IndexSelect(int, int[])", x => x[0].MT.IndexSelect(1, Ints(x[1])), g => IndexCase(g, add: false, transposed: true),
                x => IndexSelect(x[0].MT, 1, x[1])),

            // Indexing (index tensors and int[] indices are drawn in range, with repeats).
            new("Gather(dim 1)", "Gather(int, Tensor)", x => x[0].Gather(1, x[1]), g => GatherCase(g, 1, scatter: false), x => Gather(x[0], 1, x[1])),
            new("Gather(dim 0)", "Gather(int, Tensor)", x => x[0].Gather(0, x[1]), g => GatherCase(g, 0, scatter: false), x => Gather(x[0], 0, x[1])),
            new("ScatterAdd", "ScatterAdd(int, Tensor, Tensor)", x => x[0].ScatterAdd(1, x[1], x[2]), g => GatherCase(g, 1, scatter: true), x => ScatterAdd(x[0], 1, x[1], x[2])),
            new("IndexSelect", "IndexSelect(int, int[])", x => x[0].IndexSelect(1, Ints(x[1])), g => IndexCase(g, add: false), x => IndexSelect(x[0], 1, x[1])),
            new("IndexAdd", "IndexAdd(int, int[], Tensor)", x => x[0].IndexAdd(1, Ints(x[1]), x[2]), g => IndexCase(g, add: true), x => IndexAdd(x[0], 1, x[1], x[2])),
            .. RecurrentRows<T>(),
            .. SequenceRows<T>(),
            .. AttentionRows<T>(),
            .. FeedForwardRows<T>(),
        ];
    }

    /// <summary>x [N, C, *] with at least two values per channel, and γ, β [C].</summary>
    private static Tensor<double>[] BatchNormCase(Choices g)
    {
        int c = Dim(g);
        return [Uniform(g, [1 + g.NextInt(2), c, 2 + g.NextInt(2), .. Shape(g, 0, 1)]), Uniform(g, [c]), Uniform(g, [c])];
    }

    /// <summary>x [.. <paramref name="leading"/>, in], W [out, in] and b [out]; when <paramref name="transposed"/>, x and W
    /// are stored as [in, n] and [in, out] (leading is [n]) for rows that read them through MT.</summary>
    private static Tensor<double>[] LinearCase(Choices g, int[] leading, bool transposed = false)
    {
        int i = Dim(g), o = Dim(g);
        int[] x = transposed ? [i, .. leading] : [.. leading, i], w = transposed ? [i, o] : [o, i];
        return [Uniform(g, x), Uniform(g, w), Uniform(g, [o])];
    }

    /// <summary>Members that return tensors but are deliberately not in the registry, each with its reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> Exceptions = new Dictionary<string, string>
    {
        ["Detach()"] = "cuts the graph by definition: no derivative to check",
        ["AddInPlace"] = "in-place change: not recorded (refused on tensors that require grad under grad mode); tested in InPlaceTests",
        ["SubInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["MulInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["DivInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["ClampInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["FillInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["ZeroInPlace()"] = "in-place change: not recorded; tested in InPlaceTests",
        ["CopyFrom"] = "in-place change: not recorded; tested in InPlaceTests",
        ["Keep()"] = "returns the same tensor (it only exempts its storage from TensorScope recycling): not an op",
        ["Sign()"] = "piecewise constant (derivative 0 almost everywhere); records nothing",
        ["Eq"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Ne"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Gt"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Ge"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Lt"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Le"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Argmax"] = "index-valued: piecewise constant, records nothing",
        ["Argmin"] = "index-valued: piecewise constant, records nothing",
        ["get_Grad()"] = "accessor of the accumulated gradient, not an op",
        ["Scalar"] = "creation function: a leaf, no tensor input to differentiate",
        ["FromArray"] = "creation function: a leaf, no tensor input to differentiate",
        ["Wrap"] = "creation function: a leaf over the caller's array, no tensor input to differentiate",
        ["BatchNorm(Tensor, Tensor, Tensor, Tensor, bool, T, T)"] = "composite: training is the BatchNorm row's op plus an unrecorded update of the running statistics, evaluation is Mul and Add rows; tested in tests/NN",
        ["Full"] = "creation function: a leaf, no tensor input to differentiate",
        ["Zeros"] = "creation function: a leaf, no tensor input to differentiate",
        ["CausalMask"] = "creation function: a constant mask of 0 and −∞, no tensor input to differentiate",
        ["Ones"] = "creation function: a leaf, no tensor input to differentiate",
        ["ZerosLike"] = "creation function: reads only the shape of its argument",
        ["OnesLike"] = "creation function: reads only the shape of its argument",
        ["Arange"] = "creation function: a leaf, no tensor input to differentiate",
        ["Linspace"] = "creation function: a leaf, no tensor input to differentiate",
        ["Rand"] = "creation function: random leaf",
        ["Randn"] = "creation function: random leaf",
        ["Grad"] = "the gradient function itself; every second-order row differentiates through it",
        ["Jacobian"] = "functional transform built on Tensor.Grad; tested in FunctionalTransformTests",
        ["Hessian"] = "functional transform built on Tensor.Grad; tested in FunctionalTransformTests",
        ["Vjp"] = "functional transform built on Tensor.Grad (returns a tuple of tensors); tested in FunctionalTransformTests",
        ["Jvp"] = "functional transform built on Tensor.Grad (returns a tuple of tensors); tested in FunctionalTransformTests",
        ["Vhp"] = "functional transform built on Tensor.Grad (returns a tuple of tensors); tested in FunctionalTransformTests",
        ["Hvp"] = "functional transform built on Tensor.Grad (returns a tuple of tensors); tested in FunctionalTransformTests",
        ["ParametersToVector"] = "composite of the Reshape and Concat rows (flattening for the functional transforms); tested in FunctionalTransformTests",
        ["VectorToParameters"] = "composite of the Narrow and Reshape rows (unflattening for the functional transforms); tested in FunctionalTransformTests",
    };

    /// <summary>The row called <paramref name="name"/>.</summary>
    public static OpInfo<double> Get(string name) => All.Single(o => o.Name == name);

    private static Tensor<double>[] ConcatCase(Choices g)
    {
        int a = Dim(g), c = Dim(g), count = 2 + g.NextInt(2);
        return [.. Enumerable.Range(0, count).Select(_ => Uniform(g, [a, g.NextInt(3), c]))];
    }

    private static Tensor<double>[] StackCase(Choices g)
    {
        var shape = Shape(g, 0, 2);
        return [.. Enumerable.Range(0, 2 + g.NextInt(2)).Select(_ => Uniform(g, shape))];
    }

    /// <summary>A 0/1 mask (no grad) whose shape broadcasts to the input's, then the input.</summary>
    private static Tensor<double>[] MaskedFillCase(Choices g)
    {
        var full = Shape(g);
        var maskShape = Reduced(g, full);
        var mask = Tensor.FromArray([.. Enumerable.Range(0, Count(maskShape)).Select(_ => (double)g.NextInt(2))], maskShape);
        return [mask, Uniform(g, full)];
    }

    private static Tensor<double>[] WhereCase(Choices g)
    {
        var full = Shape(g);
        var maskShape = Reduced(g, full);
        var mask = Tensor.FromArray([.. Enumerable.Range(0, Count(maskShape)).Select(_ => (double)g.NextInt(2))], maskShape);
        return [mask, Uniform(g, Reduced(g, full)), Uniform(g, Reduced(g, full))];
    }

    /// <summary>Input [a, n, c] (stored as [a, c, n] when <paramref name="transposed"/>, for rows that apply MT first);
    /// index with dims ≤ the input's outside <paramref name="dim"/>, any size along it.</summary>
    private static Tensor<double>[] GatherCase(Choices g, int dim, bool scatter, bool transposed = false)
    {
        int[] shape = [Dim(g), Dim(g), Dim(g)];
        var indexShape = new int[3];
        for (int i = 0; i < 3; i++) indexShape[i] = i == dim ? Dim(g) : 1 + g.NextInt(shape[i]);
        var index = Index(g, indexShape, shape[dim]);
        var input = Uniform(g, transposed ? [shape[0], shape[2], shape[1]] : shape);
        return scatter ? [input, index, Uniform(g, indexShape)] : [input, index];
    }

    /// <summary>Input [a, n, …] (stored as [a, …, n] when <paramref name="transposed"/>) and 1-D indices into dim 1, with repeats.</summary>
    private static Tensor<double>[] IndexCase(Choices g, bool add, bool transposed = false)
    {
        int[] shape = transposed ? [Dim(g), Dim(g), Dim(g)] : [Dim(g), Dim(g), .. Shape(g, 0, 1)];
        var index = Index(g, [1 + g.NextInt(4)], transposed ? shape[2] : shape[1]);
        return add ? [Uniform(g, shape), index, Uniform(g, With(shape, 1, index.NumElements))] : [Uniform(g, shape), index];
    }
}
