using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Kernels;

/// <summary>Instruction-set path a kernel runs on. <see cref="Auto"/> picks the best one the CPU supports.</summary>
public enum KernelPath
{
    /// <summary>The best supported path: <see cref="Avx512"/>, else <see cref="Avx2"/>, else <see cref="Portable"/>.</summary>
    Auto,

    /// <summary>512-bit vectors with AVX-512F fused multiply-add.</summary>
    Avx512,

    /// <summary>256-bit vectors with AVX2 and FMA3.</summary>
    Avx2,

    /// <summary>Hardware-agnostic code (<see cref="System.Numerics.Vector{T}"/> or scalar); runs everywhere.</summary>
    Portable,
}

/// <summary>Queries and resolves <see cref="KernelPath"/> values against the running CPU.</summary>
public static class KernelPaths
{
    /// <summary>The path <see cref="KernelPath.Auto"/> resolves to on this machine.</summary>
    public static KernelPath Best { get; } =
        IsSupported(KernelPath.Avx512) ? KernelPath.Avx512
        : IsSupported(KernelPath.Avx2) ? KernelPath.Avx2
        : KernelPath.Portable;

    /// <summary>Whether this CPU (and runtime) can execute <paramref name="path"/>.</summary>
    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Auto or KernelPath.Portable => true,
        KernelPath.Avx512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        KernelPath.Avx2 => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported,
        _ => false,
    };

    /// <summary>
    /// Maps <see cref="KernelPath.Auto"/> to <see cref="Best"/> and returns any other supported path unchanged.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">An explicit path this CPU cannot run.</exception>
    public static KernelPath Resolve(KernelPath path)
    {
        if (path == KernelPath.Auto)
            return Best;
        if (!IsSupported(path))
            throw new PlatformNotSupportedException($"Kernel path {path} is not supported on this CPU.");
        return path;
    }
}
