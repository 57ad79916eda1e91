using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// A vectorised elementwise function, the same formula at every vector width. Its lanes need not be independent: the
/// platform's vector exp, sin and cos take a whole-vector branch when any lane is out of their fast range (sin and cos
/// of double even when any lane is above π/4), so one lane's bits can depend on its neighbours. <see cref="VectorMap"/>
/// therefore decides the neighbours: always the same elements of the span, never the memory address.
/// </summary>
internal interface IVectorFunction<T> where T : unmanaged
{
    static abstract Vector128<T> Invoke(Vector128<T> x);
    static abstract Vector256<T> Invoke(Vector256<T> x);
    static abstract Vector512<T> Invoke(Vector512<T> x);
}

/// <summary>
/// d[i] = F(x[i]) in blocks of one vector width counted from the start of the span: block k holds elements
/// [kW, kW + W), and the last, partial block is padded with zeros. TensorPrimitives instead starts its blocks where
/// the destination's address is aligned, so with a function whose lanes interact (see <see cref="IVectorFunction{T}"/>)
/// the same values gave different bits in a buffer that landed at another address (measured with
/// System.Numerics.Tensors 10.0.15: Sin and Cos of double and of large floats, Sigmoid of double beyond ±709).
/// Here the result depends only on the values and their positions in the span. Every element goes through the
/// vector formula, short spans too (TensorPrimitives used a different scalar formula below four elements), so a
/// tensor's results do not change with its length either. Chunks of a parallel pass start at multiples of
/// <see cref="Chunks.Grain"/>, a multiple of every width, so the split over threads changes nothing.
/// </summary>
internal static class VectorMap
{
    /// <summary>d = F(x) elementwise on <paramref name="path"/> (512-, 256- or 128-bit vectors); x and d are the same
    /// memory or do not overlap.</summary>
    public static void Apply<T, TFunction>(ReadOnlySpan<T> x, Span<T> d, KernelPath path = KernelPath.Auto)
        where T : unmanaged where TFunction : IVectorFunction<T>
    {
        if (x.Length != d.Length)
            throw new ArgumentException($"VectorMap: source has {x.Length} elements, destination {d.Length}");
        switch (path == KernelPath.Auto ? KernelPaths.Best : KernelPaths.Resolve(path))
        {
            case KernelPath.Avx512: Apply<T, TFunction, Width512>(x, d); break;
            case KernelPath.Avx2: Apply<T, TFunction, Width256>(x, d); break;
            default: Apply<T, TFunction, Width128>(x, d); break;
        }
    }

    /// <summary>Whole blocks in place or out of place, then the tail through a zero-padded block on the stack.</summary>
    private static void Apply<T, TFunction, TWidth>(ReadOnlySpan<T> x, Span<T> d)
        where T : unmanaged where TFunction : IVectorFunction<T> where TWidth : IBlockWidth
    {
        if (d.Length == 1)
        {
            // One element (a scalar): its lanes' zero neighbours are made in the register, not in a block on the stack.
            d[0] = Width128.One<T, TFunction>(x[0]);
            return;
        }
        int w = TWidth.Count<T>(), whole = d.Length - d.Length % w;
        TWidth.Blocks<T, TFunction>(x[..whole], d[..whole]);
        if (whole == d.Length) return;
        // A tail that fits one 128-bit vector (a scalar, say) runs in one: its lanes see the same zero neighbours as in a
        // wide block, and the platform's functions compute each lane alike at every width (a test checks every function
        // against the wide block), so only the work shrinks: a one-element tanh was a sixth of the scalar chain's time.
        if (d.Length - whole <= Vector128<T>.Count) w = Vector128<T>.Count;
        Span<T> pad = stackalloc T[w];
        pad.Clear();
        x[whole..].CopyTo(pad);
        if (w == Vector128<T>.Count && w != TWidth.Count<T>()) Width128.Blocks<T, TFunction>(pad, pad);
        else TWidth.Blocks<T, TFunction>(pad, pad);
        pad[..(d.Length - whole)].CopyTo(d[whole..]);
    }

    /// <summary>
    /// One vector width: its lane count and the loop over whole blocks (the length is a multiple of it). The loop is
    /// compiled fully optimised from its first call, with the function inlined: the platform's vector sin and cos of
    /// double gave other bits in the first calls of a process (unoptimised tier-0 code, presumably multiply-adds left unfused) than
    /// once re-compiled (measured on .NET 10.0 with AVX-512), so results would have depended on timing.
    /// </summary>
    private interface IBlockWidth
    {
        static abstract int Count<T>();
        static abstract void Blocks<T, TFunction>(ReadOnlySpan<T> x, Span<T> d) where TFunction : IVectorFunction<T> where T : unmanaged;
    }

    private readonly struct Width512 : IBlockWidth
    {
        public static int Count<T>() => Vector512<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Blocks<T, TFunction>(ReadOnlySpan<T> x, Span<T> d) where TFunction : IVectorFunction<T> where T : unmanaged
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ds = ref MemoryMarshal.GetReference(d);
            for (int i = 0; i < d.Length; i += Vector512<T>.Count) TFunction.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        }
    }

    private readonly struct Width256 : IBlockWidth
    {
        public static int Count<T>() => Vector256<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Blocks<T, TFunction>(ReadOnlySpan<T> x, Span<T> d) where TFunction : IVectorFunction<T> where T : unmanaged
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ds = ref MemoryMarshal.GetReference(d);
            for (int i = 0; i < d.Length; i += Vector256<T>.Count) TFunction.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        }
    }

    private readonly struct Width128 : IBlockWidth
    {
        public static int Count<T>() => Vector128<T>.Count;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Blocks<T, TFunction>(ReadOnlySpan<T> x, Span<T> d) where TFunction : IVectorFunction<T> where T : unmanaged
        {
            ref T xs = ref MemoryMarshal.GetReference(x);
            ref T ds = ref MemoryMarshal.GetReference(d);
            for (int i = 0; i < d.Length; i += Vector128<T>.Count) TFunction.Invoke(Vector128.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
        }

        /// <summary>F(x) for one element, in lane 0 of a vector whose other lanes are zero (as in a zero-padded tail).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static T One<T, TFunction>(T x) where TFunction : IVectorFunction<T> where T : unmanaged =>
            TFunction.Invoke(Vector128.CreateScalar(x)).ToScalar();
    }
}

/// <summary>eˣ: <see cref="ExpSingle"/> for float (computed in float, within 1 ulp), the platform's vector exp for
/// double.</summary>
internal readonly struct ExpFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => typeof(T) == typeof(float)
        ? ExpSingle.Exp(x.AsSingle()).As<float, T>() : Vector128.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => typeof(T) == typeof(float)
        ? ExpSingle.Exp(x.AsSingle()).As<float, T>() : Vector256.Exp(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => typeof(T) == typeof(float)
        ? ExpSingle.Exp(x.AsSingle()).As<float, T>() : Vector512.Exp(x.AsDouble()).As<double, T>();
}

/// <summary>ln x: the platform's vector log.</summary>
internal readonly struct LogFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => typeof(T) == typeof(float)
        ? Vector128.Log(x.AsSingle()).As<float, T>() : Vector128.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => typeof(T) == typeof(float)
        ? Vector256.Log(x.AsSingle()).As<float, T>() : Vector256.Log(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => typeof(T) == typeof(float)
        ? Vector512.Log(x.AsSingle()).As<float, T>() : Vector512.Log(x.AsDouble()).As<double, T>();
}

/// <summary>sin x: the platform's vector sine.</summary>
internal readonly struct SinFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => typeof(T) == typeof(float)
        ? Vector128.Sin(x.AsSingle()).As<float, T>() : Vector128.Sin(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => typeof(T) == typeof(float)
        ? Vector256.Sin(x.AsSingle()).As<float, T>() : Vector256.Sin(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => typeof(T) == typeof(float)
        ? Vector512.Sin(x.AsSingle()).As<float, T>() : Vector512.Sin(x.AsDouble()).As<double, T>();
}

/// <summary>cos x: the platform's vector cosine.</summary>
internal readonly struct CosFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => typeof(T) == typeof(float)
        ? Vector128.Cos(x.AsSingle()).As<float, T>() : Vector128.Cos(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => typeof(T) == typeof(float)
        ? Vector256.Cos(x.AsSingle()).As<float, T>() : Vector256.Cos(x.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => typeof(T) == typeof(float)
        ? Vector512.Cos(x.AsSingle()).As<float, T>() : Vector512.Cos(x.AsDouble()).As<double, T>();
}

/// <summary>
/// tanh x = sign(x) · (−z / (z + 2)) with z = e^(−2|x|) − 1, TensorPrimitives' vector formula (after AMD's
/// vrs4_tanhf), which never overflows: z ∈ (−1, 0]. Computed as e^(−2|x|) − 1, z cancels near 0 (in float tanh(10⁻⁵)
/// came out 0.14% off, tanh(10⁻⁷) 11%). In float z comes from <see cref="ExpSingle.Expm1OfNonPositive(Vector128{float})"/>,
/// which does not cancel, at the cost of the exp. In double, lanes with |x| below <see cref="SeriesBound"/> (0.08) take
/// the Maclaurin series x − x³/3 + 2x⁵/15 − 17x⁷/315 + … to x¹⁹ (coefficients 2²ⁿ(2²ⁿ − 1)B₂ₙ/(2n)!), whose first
/// omitted term is below 10⁻²⁰ of the result there. Each lane takes one form by its own value, so the bits do not
/// depend on its neighbours.
/// </summary>
internal readonly struct TanhFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly T MinusTwo = T.CreateChecked(-2), Two = T.CreateChecked(2);
    private static readonly T SeriesBound = T.CreateChecked(0.08);

    /// <summary>The series' coefficients of x³, x⁵, …, x¹⁹, highest first (for Horner's rule in x²).</summary>
    private static readonly T[] Series =
    [
        .. new[] { -443861162.0 / 1856156927625, 6404582.0 / 10854718875, -929569.0 / 638512875, 21844.0 / 6081075,
            -1382.0 / 155925, 62.0 / 2835, -17.0 / 315, 2.0 / 15, -1.0 / 3 }.Select(T.CreateChecked),
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x)
    {
        var q = Vector128.Create(MinusTwo) * Vector128.Abs(x);
        var z = typeof(T) == typeof(float) ? ExpSingle.Expm1OfNonPositive(q.AsSingle()).As<float, T>() : ExpFunction<T>.Invoke(q) - Vector128<T>.One;
        var y = Vector128.CopySign(-z / (z + Vector128.Create(Two)), x);
        if (typeof(T) == typeof(float)) return y;
        var small = Vector128.LessThan(Vector128.Abs(x), Vector128.Create(SeriesBound));
        if (small == Vector128<T>.Zero) return y;
        var t = x * x;
        var p = Vector128.Create(Series[0]);
        for (int i = 1; i < Series.Length; i++) p = p * t + Vector128.Create(Series[i]);
        return Vector128.ConditionalSelect(small, x * t * p + x, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x)
    {
        var q = Vector256.Create(MinusTwo) * Vector256.Abs(x);
        var z = typeof(T) == typeof(float) ? ExpSingle.Expm1OfNonPositive(q.AsSingle()).As<float, T>() : ExpFunction<T>.Invoke(q) - Vector256<T>.One;
        var y = Vector256.CopySign(-z / (z + Vector256.Create(Two)), x);
        if (typeof(T) == typeof(float)) return y;
        var small = Vector256.LessThan(Vector256.Abs(x), Vector256.Create(SeriesBound));
        if (small == Vector256<T>.Zero) return y;
        var t = x * x;
        var p = Vector256.Create(Series[0]);
        for (int i = 1; i < Series.Length; i++) p = p * t + Vector256.Create(Series[i]);
        return Vector256.ConditionalSelect(small, x * t * p + x, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x)
    {
        var q = Vector512.Create(MinusTwo) * Vector512.Abs(x);
        var z = typeof(T) == typeof(float) ? ExpSingle.Expm1OfNonPositive(q.AsSingle()).As<float, T>() : ExpFunction<T>.Invoke(q) - Vector512<T>.One;
        var y = Vector512.CopySign(-z / (z + Vector512.Create(Two)), x);
        if (typeof(T) == typeof(float)) return y;
        var small = Vector512.LessThan(Vector512.Abs(x), Vector512.Create(SeriesBound));
        if (small == Vector512<T>.Zero) return y;
        var t = x * x;
        var p = Vector512.Create(Series[0]);
        for (int i = 1; i < Series.Length; i++) p = p * t + Vector512.Create(Series[i]);
        return Vector512.ConditionalSelect(small, x * t * p + x, y);
    }
}

/// <summary>σ(x) = 1 / (1 + e⁻ˣ), TensorPrimitives' vector formula.</summary>
internal readonly struct SigmoidFunction<T> : IVectorFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Invoke(Vector128<T> x) => Vector128<T>.One / (Vector128<T>.One + ExpFunction<T>.Invoke(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Invoke(Vector256<T> x) => Vector256<T>.One / (Vector256<T>.One + ExpFunction<T>.Invoke(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Invoke(Vector512<T> x) => Vector512<T>.One / (Vector512<T>.One + ExpFunction<T>.Invoke(-x));
}
