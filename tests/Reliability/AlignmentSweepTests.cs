using System.Numerics;
using System.Runtime.CompilerServices;
using Autograd.Kernels;

namespace Autograd.Tests.Reliability;

/// <summary>
/// Every elementwise kernel gives the same bits for the same values wherever its source and destination sit in
/// memory: at every start offset modulo 64 bytes (the widest vector, so every narrower width too), for lengths with
/// and without a tail, out of place and in place. The oracle is the kernel's own result at offset 0 of 64-byte aligned
/// buffers: a kernel whose vector blocks follow the destination's address (as TensorPrimitives' do) fails here for
/// values that make a vector function take a whole-vector branch (measured with System.Numerics.Tensors 10.0.15:
/// Sin and Cos of double, Sin of floats above 10⁷, Sigmoid of double beyond ±709).
/// </summary>
public class AlignmentSweepTests
{
    /// <summary>Lengths in elements: shorter than any vector, one vector ± 1, several with a tail, and long.</summary>
    private static int[] Lengths<T>() where T : unmanaged
    {
        int w = 64 / Unsafe.SizeOf<T>();
        return [1, 3, w - 1, w + 1, 2 * w + 5, 97, 263];
    }

    public static TheoryData<string> FloatUnary => Names(ElementwiseKernelTable<float>.Unary);
    public static TheoryData<string> DoubleUnary => Names(ElementwiseKernelTable<double>.Unary);
    public static TheoryData<string> FloatBinary => Names(ElementwiseKernelTable<float>.Binary);
    public static TheoryData<string> DoubleBinary => Names(ElementwiseKernelTable<double>.Binary);

    [Theory, MemberData(nameof(FloatUnary))]
    public void UnaryFloat_SameBitsAtEveryOffset(string kernel) => SweepUnary(Row(ElementwiseKernelTable<float>.Unary, kernel));

    [Theory, MemberData(nameof(DoubleUnary))]
    public void UnaryDouble_SameBitsAtEveryOffset(string kernel) => SweepUnary(Row(ElementwiseKernelTable<double>.Unary, kernel));

    [Theory, MemberData(nameof(FloatBinary))]
    public void BinaryFloat_SameBitsAtEveryOffset(string kernel) => SweepBinary(Row(ElementwiseKernelTable<float>.Binary, kernel));

    [Theory, MemberData(nameof(DoubleBinary))]
    public void BinaryDouble_SameBitsAtEveryOffset(string kernel) => SweepBinary(Row(ElementwiseKernelTable<double>.Binary, kernel));

    [Fact]
    public void Table_CoversEveryElementwiseKernelType()
    {
        // Every struct implementing a kernel interface of the Kernels layer must have a row, so a new kernel is swept
        // (or the test says which one is missing).
        Type[] interfaces = [typeof(IUnaryKernel<>), typeof(IBinaryKernel<>), typeof(IVectorFunction<>)];
        var kernels = typeof(Layout).Assembly.GetTypes()
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && interfaces.Contains(i.GetGenericTypeDefinition())))
            .Select(t => t.IsGenericType ? t.GetGenericTypeDefinition() : t);
        var covered = ElementwiseKernelTable<float>.Unary.Select(r => r.Kernel)
            .Concat(ElementwiseKernelTable<float>.Binary.Select(r => r.Kernel)).ToHashSet();
        Assert.Empty(kernels.Where(k => !covered.Contains(k)).Select(k => k.Name));
    }

    [Fact]
    public void VectorMap_DoesNotChangeWithTheLengthOfTheSpan()
    {
        // Element i's vector block is the W elements from i − i mod W, a partial last block padded with zeros, so k
        // values alone give the bits of the same k values followed by zeros: short spans and tails go through the same
        // vector formula as the rest, not a scalar one (TensorPrimitives used a scalar formula below 4 elements). A tail
        // of at most one 128-bit vector runs in a 128-bit block: every function, in both types, must give the bits of
        // the wide block (k = 1 to 4 are such tails, 17 = 16 + 1 is one after whole blocks).
        LengthsAgree<float, ExpFunction<float>>();
        LengthsAgree<float, LogFunction<float>>(positive: true);
        LengthsAgree<float, SinFunction<float>>();
        LengthsAgree<float, CosFunction<float>>();
        LengthsAgree<float, TanhFunction<float>>();
        LengthsAgree<float, SigmoidFunction<float>>();
        LengthsAgree<double, ExpFunction<double>>();
        LengthsAgree<double, LogFunction<double>>(positive: true);
        LengthsAgree<double, SinFunction<double>>();
        LengthsAgree<double, CosFunction<double>>();
        LengthsAgree<double, TanhFunction<double>>();
        LengthsAgree<double, SigmoidFunction<double>>();
    }

    private static void LengthsAgree<T, TFunction>(bool positive = false) where T : unmanaged, IFloatingPointIeee754<T> where TFunction : IVectorFunction<T>
    {
        foreach (int k in new[] { 1, 2, 3, 4, 5, 16, 17, 21 })
            for (int seed = 0; seed < 50; seed++)
            {
                var x = SweepValues<T>(k, seed: 9 + seed).Select(v => positive ? T.Abs(v) + T.CreateChecked(1e-3) : v).Concat(new T[16]).ToArray();
                var full = new T[x.Length];
                var part = new T[k];
                VectorMap.Apply<T, TFunction>(x, full);
                VectorMap.Apply<T, TFunction>(x.AsSpan(0, k), part);
                Assert.Equal(Bits(full.AsSpan(0, k)), Bits(part.AsSpan()));
            }
    }

    private static void SweepUnary<T>(KernelRow<UnarySpanKernel<T>> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = 64 / Unsafe.SizeOf<T>();
        foreach (int n in Lengths<T>())
        {
            var values = SweepValues<T>(n, seed: n);
            var xs = new AlignedBuffer<T>(n + w);
            var ds = new AlignedBuffer<T>(n + w);
            values.CopyTo(xs.At(0, n));
            row.Run(xs.At(0, n), ds.At(0, n));
            var expected = Bits(ds.At(0, n));
            for (int offset = 1; offset < w; offset++)
            {
                // Source and destination at different offsets, then in place at this offset.
                int xo = (offset * 5 + 3) % w;
                values.CopyTo(xs.At(xo, n));
                ds.At(0, n + w).Clear();
                row.Run(xs.At(xo, n), ds.At(offset, n));
                Assert.True(expected.SequenceEqual(Bits(ds.At(offset, n))), $"{row.Name}: n = {n}, destination offset {offset}, source offset {xo}");
                values.CopyTo(xs.At(offset, n));
                row.Run(xs.At(offset, n), xs.At(offset, n));
                Assert.True(expected.SequenceEqual(Bits(xs.At(offset, n))), $"{row.Name}: n = {n}, in place at offset {offset}");
            }
        }
    }

    private static void SweepBinary<T>(KernelRow<BinarySpanKernel<T>> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = 64 / Unsafe.SizeOf<T>();
        foreach (int n in Lengths<T>())
        {
            var a = SweepValues<T>(n, seed: n);
            var b = SweepValues<T>(n, seed: 1000 + n);
            var xa = new AlignedBuffer<T>(n + w);
            var xb = new AlignedBuffer<T>(n + w);
            var ds = new AlignedBuffer<T>(n + w);
            a.CopyTo(xa.At(0, n));
            b.CopyTo(xb.At(0, n));
            row.Run(xa.At(0, n), xb.At(0, n), ds.At(0, n));
            var expected = Bits(ds.At(0, n));
            for (int offset = 1; offset < w; offset++)
            {
                int ao = (offset * 5 + 3) % w, bo = (offset * 7 + 1) % w;
                a.CopyTo(xa.At(ao, n));
                b.CopyTo(xb.At(bo, n));
                row.Run(xa.At(ao, n), xb.At(bo, n), ds.At(offset, n));
                Assert.True(expected.SequenceEqual(Bits(ds.At(offset, n))), $"{row.Name}: n = {n}, offsets d {offset}, a {ao}, b {bo}");
            }
        }
    }

    /// <summary>
    /// Mostly ordinary values in (−3, 3), with one in five drawn from the edges where vector functions branch for the
    /// whole vector: near π/4, exp's overflow and underflow bounds of float and double, large arguments of sin and
    /// cos, zeros, subnormals, infinities and NaN.
    /// </summary>
    internal static T[] SweepValues<T>(int n, int seed) where T : IFloatingPointIeee754<T>
    {
        double[] edges = [0, 1e-30, 1e-310, 0.78, 0.79, 2.5, 20, 88.5, 104, 709.5, 746, 1e5, 1e7, 1e20,
            double.PositiveInfinity, double.NaN];
        var random = new Random(seed);
        var values = new T[n];
        for (int i = 0; i < n; i++)
        {
            double v = random.Next(5) == 0 ? edges[random.Next(edges.Length)] : random.NextDouble() * 6 - 3;
            values[i] = T.CreateChecked(random.Next(2) == 0 ? v : -v);
        }
        return values;
    }

    internal static ulong[] Bits<T>(ReadOnlySpan<T> values) where T : IFloatingPointIeee754<T>
    {
        var bits = new ulong[values.Length];
        for (int i = 0; i < values.Length; i++)
            bits[i] = typeof(T) == typeof(float) ? BitConverter.SingleToUInt32Bits(float.CreateTruncating(values[i]))
                : BitConverter.DoubleToUInt64Bits(double.CreateTruncating(values[i]));
        return bits;
    }

    internal static ulong[] Bits<T>(Span<T> values) where T : IFloatingPointIeee754<T> => Bits((ReadOnlySpan<T>)values);

    private static TheoryData<string> Names<TRun>(IReadOnlyList<KernelRow<TRun>> rows) => [.. rows.Select(r => r.Name)];

    private static KernelRow<TRun> Row<TRun>(IReadOnlyList<KernelRow<TRun>> rows, string name) => rows.Single(r => r.Name == name);
}

/// <summary>A pinned buffer whose element 0 sits at a 64-byte boundary, so offsets count from a known alignment.</summary>
internal sealed class AlignedBuffer<T> where T : unmanaged
{
    private readonly T[] array;
    private readonly int start;

    public unsafe AlignedBuffer(int length)
    {
        int size = Unsafe.SizeOf<T>();
        array = GC.AllocateArray<T>(length + 64 / size, pinned: true);
        fixed (T* p = array) start = (int)((64 - (nint)p % 64) % 64) / size;
    }

    /// <summary>The <paramref name="length"/> elements from <paramref name="offset"/> elements past the boundary.</summary>
    public Span<T> At(int offset, int length) => array.AsSpan(start + offset, length);
}
