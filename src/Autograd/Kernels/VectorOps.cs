using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Autograd.Kernels;

/// <summary>
/// Lane-wise operations on a vector type <typeparamref name="TV"/> of <typeparamref name="T"/>
/// (<see cref="Vector{T}"/> or <see cref="Vector512{T}"/>), so that a kernel is written once and compiled at each width:
/// the erf/GELU evaluation (<see cref="ErfCore{T}"/>) and the recurrent cells (<see cref="Recurrent"/>) run on 512-bit
/// vectors where the hardware has them, twice <see cref="Vector{T}"/>'s lanes there. (The platform's own vector
/// interface, and the operator interfaces the vectors implement, are not public.) Every operation is lane by lane.
/// </summary>
internal interface IVectorOps<TV, T> where TV : struct where T : unmanaged
{
    static abstract int Count { get; }
    static abstract TV Splat(T value);
    static abstract TV Load(ref T source, nuint index);
    static abstract void Store(TV value, ref T destination, nuint index);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    static abstract TV Neg(TV a);

    /// <summary>Bitwise or (of masks).</summary>
    static abstract TV Or(TV a, TV b);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    static abstract TV Abs(TV a);

    /// <summary>The smaller of each pair by the hardware's one instruction (x86 minps): <paramref name="b"/> where either
    /// is NaN, so the operand whose NaN must survive goes second (the IEEE form costs three instructions on AVX-512).</summary>
    static abstract TV MinNative(TV a, TV b);

    /// <summary>The larger of each pair by the hardware's one instruction: <paramref name="b"/> where either is NaN.</summary>
    static abstract TV MaxNative(TV a, TV b);

    /// <summary>All ones in the lanes where a ≤ b, else zeros; likewise <see cref="GreaterThan"/>, <see cref="LessThan"/>.</summary>
    static abstract TV LessOrEqual(TV a, TV b);
    static abstract TV GreaterThan(TV a, TV b);
    static abstract TV LessThan(TV a, TV b);

    /// <summary>Lanes of a where the mask is set, of b elsewhere.</summary>
    static abstract TV Select(TV mask, TV a, TV b);

    /// <summary>Whether some lane of the mask is set.</summary>
    static abstract bool Any(TV mask);

    /// <summary>The sum of the lanes (in the platform's order).</summary>
    static abstract T Sum(TV a);

    /// <summary>F(x) lane by lane, by the function's form at this width.</summary>
    static abstract TV Apply<TF>(TV x) where TF : IVectorFunction<T>;
}

/// <summary><see cref="Vector{T}"/> (the platform's preferred width, 256 bits on AVX2 and AVX-512 machines).</summary>
internal readonly struct VectorOps<T> : IVectorOps<Vector<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Splat(T value) => new(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Load(ref T source, nuint index) => Vector.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Add(Vector<T> a, Vector<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Sub(Vector<T> a, Vector<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Mul(Vector<T> a, Vector<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Div(Vector<T> a, Vector<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Neg(Vector<T> a) => -a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Or(Vector<T> a, Vector<T> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c) => typeof(T) == typeof(float)
        ? Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.As<T, float>(a), Vector.As<T, float>(b), Vector.As<T, float>(c)))
        : Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.As<T, double>(a), Vector.As<T, double>(b), Vector.As<T, double>(c)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Abs(Vector<T> a) => Vector.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MinNative(Vector<T> a, Vector<T> b) => Vector.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> MaxNative(Vector<T> a, Vector<T> b) => Vector.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LessOrEqual(Vector<T> a, Vector<T> b) => Vector.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> GreaterThan(Vector<T> a, Vector<T> b) => Vector.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> LessThan(Vector<T> a, Vector<T> b) => Vector.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Select(Vector<T> mask, Vector<T> a, Vector<T> b) => Vector.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Vector<T> mask) => !Vector.EqualsAll(Vector.AsVectorByte(mask), Vector<byte>.Zero);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector<T> a) => Vector.Sum(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<T> Apply<TF>(Vector<T> x) where TF : IVectorFunction<T> =>
        Vector<T>.Count == Vector256<T>.Count ? TF.Invoke(x.AsVector256()).AsVector()
        : Vector<T>.Count == Vector512<T>.Count ? TF.Invoke(x.AsVector512()).AsVector()
        : TF.Invoke(x.AsVector128()).AsVector();
}

/// <summary><see cref="Vector512{T}"/>, where the hardware has it (twice <see cref="Vector{T}"/>'s lanes there).</summary>
internal readonly struct Vector512Ops<T> : IVectorOps<Vector512<T>, T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int Count => Vector512<T>.Count;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Splat(T value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load(ref T source, nuint index) => Vector512.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Sub(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Mul(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Div(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Neg(Vector512<T> a) => -a;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Or(Vector512<T> a, Vector512<T> b) => a | b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c) => typeof(T) == typeof(float)
        ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
        : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Abs(Vector512<T> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MinNative(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MaxNative(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Select(Vector512<T> mask, Vector512<T> a, Vector512<T> b) => Vector512.ConditionalSelect(mask, a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Any(Vector512<T> mask) => mask != Vector512<T>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum(Vector512<T> a) => Vector512.Sum(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Apply<TF>(Vector512<T> x) where TF : IVectorFunction<T> => TF.Invoke(x);
}
