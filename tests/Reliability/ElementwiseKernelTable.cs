using System.Numerics;
using Autograd.Kernels;

namespace Autograd.Tests.Reliability;

/// <summary>d = f(x) over spans of equal length.</summary>
internal delegate void UnarySpanKernel<T>(ReadOnlySpan<T> x, Span<T> d);

/// <summary>d = f(a, b) over spans of equal length.</summary>
internal delegate void BinarySpanKernel<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);

/// <summary>One row of the kernel table: the kernel type it exercises, a name, and how to run it on spans.</summary>
internal sealed record KernelRow<TRun>(Type Kernel, string Name, TRun Run)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every elementwise kernel of src/Autograd/Kernels, unary and binary, in every form the ops call it (span/span,
/// span/scalar, scalar/span), each vector function on each instruction-set path this CPU runs. The completeness test
/// in <see cref="AlignmentSweepTests"/> fails when a kernel type appears that no row exercises.
/// </summary>
internal static class ElementwiseKernelTable<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T Slope = T.CreateChecked(0.01), MinusOne = -T.One, Three = T.CreateChecked(3);

    public static IReadOnlyList<KernelRow<UnarySpanKernel<T>>> Unary { get; } =
    [
        .. Enum.GetValues<UnaryFunction>().Select(f =>
            U(typeof(MathKernel<>), $"MathKernel.{f}", (x, d) => new MathKernel<T>(f).Invoke(x, d))),
        U(typeof(ClampKernel<>), "ClampKernel relu [0, ∞)", (x, d) => new ClampKernel<T>(T.Zero, T.PositiveInfinity).Invoke(x, d)),
        U(typeof(ClampKernel<>), "ClampKernel [−1, 3]", (x, d) => new ClampKernel<T>(MinusOne, Three).Invoke(x, d)),
        U(typeof(LeakyReluKernel<>), "LeakyReluKernel", (x, d) => new LeakyReluKernel<T>(Slope).Invoke(x, d)),
        U(typeof(SoftplusKernel<>), "SoftplusKernel", (x, d) => new SoftplusKernel<T>(T.One, T.CreateChecked(20)).Invoke(x, d)),
        U(typeof(SoftplusKernel<>), "SoftplusKernel β=3", (x, d) => new SoftplusKernel<T>(Three, T.CreateChecked(20)).Invoke(x, d)),
        U(typeof(AffineKernel<>), "AffineKernel x·s", (x, d) => new AffineKernel<T>(Three, T.Zero, AffineParts.Scale).Invoke(x, d)),
        U(typeof(AffineKernel<>), "AffineKernel −x + c", (x, d) => new AffineKernel<T>(MinusOne, Three, AffineParts.Scale | AffineParts.Shift).Invoke(x, d)),
        U(typeof(AffineKernel<>), "AffineKernel x/s + c", (x, d) => new AffineKernel<T>(Three, Slope, AffineParts.Divide | AffineParts.Shift).Invoke(x, d)),
        U(typeof(AffineKernel<>), "AffineKernel x + c", (x, d) => new AffineKernel<T>(T.One, Three, AffineParts.Shift).Invoke(x, d)),
        U(typeof(ErfKernel<>), "ErfKernel", (x, d) => new ErfKernel<T>().Invoke(x, d)),
        U(typeof(GeluKernel<>), "GeluKernel", (x, d) => new GeluKernel<T>().Invoke(x, d)),
        U(typeof(Log1pKernel<>), "Log1pKernel", (x, d) => new Log1pKernel<T>().Invoke(x, d)),
        U(typeof(Expm1Kernel<>), "Expm1Kernel", (x, d) => new Expm1Kernel<T>().Invoke(x, d)),
        .. Enum.GetValues<Rounding>().Select(r => U(typeof(RoundingKernel<>), $"RoundingKernel.{r}", (x, d) => new RoundingKernel<T>(r).Invoke(x, d))),
        U(typeof(Softmax), "Softmax.Forward one row", (x, d) => Softmax.Forward(x, d, x.Length, log: false)),
        U(typeof(Softmax), "Softmax.Forward log one row", (x, d) => Softmax.Forward(x, d, x.Length, log: true)),
        .. VectorFunctionRows(),
    ];

    public static IReadOnlyList<KernelRow<BinarySpanKernel<T>>> Binary { get; } =
    [
        .. Forms<AddKernel<T>>("AddKernel", default),
        .. Forms<SubtractKernel<T>>("SubtractKernel", default),
        .. Forms<MultiplyKernel<T>>("MultiplyKernel", default),
        .. Forms<DivideKernel<T>>("DivideKernel", default),
        .. Forms<PowKernel<T>>("PowKernel", default),
        .. Enum.GetValues<Comparison>().SelectMany(c => Forms($"CompareKernel.{c}", new CompareKernel<T>(c))),
        B(typeof(Fused), "Fused.OutputDerivative tanh", (g, y, d) => Fused.OutputDerivative(g, y, d, tanh: true)),
        B(typeof(Fused), "Fused.OutputDerivative sigmoid", (g, y, d) => Fused.OutputDerivative(g, y, d, tanh: false)),
        B(typeof(RangeMask<>), "RangeMask.Scale relu", (g, x, d) => new RangeMask<T>(T.Zero, T.PositiveInfinity, false, T.One, T.Zero).Scale(g, x, d)),
        B(typeof(RangeMask<>), "RangeMask.Scale clamp", (g, x, d) => new RangeMask<T>(MinusOne, Three, true, T.One, Slope).Scale(g, x, d)),
        B(typeof(Fused), "Fused.Select", (m, a, d) => Fused.Select(m, a, m, d)),
        B(typeof(Softmax), "Softmax.Backward one row", (g, y, d) => Softmax.Backward(g, y, d, y.Length, log: false)),
        B(typeof(Softmax), "Softmax.Backward log one row", (g, y, d) => Softmax.Backward(g, y, d, y.Length, log: true)),
        B(typeof(OptimizerKernels), "OptimizerKernels.Adam (θ, m and v start as copies of a, g = b)", Adam),
    ];

    private static KernelRow<UnarySpanKernel<T>> U(Type kernel, string name, UnarySpanKernel<T> run) => new(kernel, name, run);

    private static KernelRow<BinarySpanKernel<T>> B(Type kernel, string name, BinarySpanKernel<T> run) => new(kernel, name, run);

    /// <summary>A binary kernel as span/span, span/scalar (b's first element) and scalar/span (a's first element).</summary>
    private static IEnumerable<KernelRow<BinarySpanKernel<T>>> Forms<TKernel>(string name, TKernel kernel) where TKernel : struct, IBinaryKernel<T>
    {
        var type = typeof(TKernel).GetGenericTypeDefinition();
        yield return B(type, $"{name} span/span", (a, b, d) => kernel.Invoke(a, b, d));
        yield return B(type, $"{name} span/scalar", (a, b, d) => kernel.Invoke(a, b[0], d));
        yield return B(type, $"{name} scalar/span", (a, b, d) => kernel.Invoke(a[0], b, d));
    }

    /// <summary>One Adam step: θ = m = |a|/10 + 0.1 and v = a², with gradient b; d is θ after the step (m and v are
    /// checked through it: θ's update reads both).</summary>
    private static void Adam(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d)
    {
        var m = new T[a.Length];
        var v = new T[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            d[i] = T.Abs(a[i]) / T.CreateChecked(10) + T.CreateChecked(0.1);
            m[i] = d[i];
            v[i] = a[i] * a[i];
        }
        OptimizerKernels.Adam<T>(d, b, m, v, 1e-3, 0.9, 0.999, 1e-8, 3);
    }

    /// <summary>Each <see cref="IVectorFunction{T}"/> through <see cref="VectorMap"/> on every path this CPU runs.</summary>
    private static IEnumerable<KernelRow<UnarySpanKernel<T>>> VectorFunctionRows()
    {
        foreach (var path in new[] { KernelPath.Avx512, KernelPath.Avx2, KernelPath.Portable }.Where(KernelPaths.IsSupported))
        {
            yield return U(typeof(ExpFunction<>), $"VectorMap Exp {path}", (x, d) => VectorMap.Apply<T, ExpFunction<T>>(x, d, path));
            yield return U(typeof(LogFunction<>), $"VectorMap Log {path}", (x, d) => VectorMap.Apply<T, LogFunction<T>>(x, d, path));
            yield return U(typeof(SinFunction<>), $"VectorMap Sin {path}", (x, d) => VectorMap.Apply<T, SinFunction<T>>(x, d, path));
            yield return U(typeof(CosFunction<>), $"VectorMap Cos {path}", (x, d) => VectorMap.Apply<T, CosFunction<T>>(x, d, path));
            yield return U(typeof(TanhFunction<>), $"VectorMap Tanh {path}", (x, d) => VectorMap.Apply<T, TanhFunction<T>>(x, d, path));
            yield return U(typeof(SigmoidFunction<>), $"VectorMap Sigmoid {path}", (x, d) => VectorMap.Apply<T, SigmoidFunction<T>>(x, d, path));
        }
    }
}
