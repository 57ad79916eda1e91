using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Autograd.Kernels;

/// <summary>
/// Shape of a 2-D pooling over a batch [N, C, H, W] with a kh×kw window, stride (sh, sw) and padding (ph, pw).
/// </summary>
/// <param name="Batch">Images N.</param>
/// <param name="Channels">Channels C.</param>
/// <param name="Height">Input height H.</param>
/// <param name="Width">Input width W.</param>
/// <param name="KernelH">Window height kh.</param>
/// <param name="KernelW">Window width kw.</param>
/// <param name="StrideH">Vertical stride sh.</param>
/// <param name="StrideW">Horizontal stride sw.</param>
/// <param name="PadH">Padding rows above and below (ph ≤ kh / 2).</param>
/// <param name="PadW">Padding columns left and right (pw ≤ kw / 2).</param>
public readonly record struct Pool2dGeometry(
    int Batch, int Channels, int Height, int Width, int KernelH, int KernelW,
    int StrideH, int StrideW, int PadH = 0, int PadW = 0)
{
    /// <summary>Output height ⌊(H + 2·ph − kh) / sh⌋ + 1.</summary>
    public int OutH => Convolution.ConvOutputSize(Height, KernelH, StrideH, PadH, 1);

    /// <summary>Output width ⌊(W + 2·pw − kw) / sw⌋ + 1.</summary>
    public int OutW => Convolution.ConvOutputSize(Width, KernelW, StrideW, PadW, 1);

    /// <summary>Elements of the input: N·C·H·W.</summary>
    public int InputSize => Batch * Channels * Height * Width;

    /// <summary>Elements of the output: N·C·outH·outW.</summary>
    public int OutputSize => Batch * Channels * OutH * OutW;
}

/// <summary>
/// Max and average pooling over [N, C, H, W] tensors, forward and backward. Planes (one image channel each)
/// are independent and are spread over cores when the work is large.
/// </summary>
public static class Pooling
{
    /// <summary>
    /// output[n, c, oh, ow] = max over the window rows oh·sh − ph .. + kh − 1 and columns ow·sw − pw .. + kw − 1
    /// (padding never wins; NaN propagates). argmax holds the flat index of the winner in <paramref name="input"/>.
    /// </summary>
    /// <param name="input">Input [N, C, H, W].</param>
    /// <param name="g">Pooling geometry.</param>
    /// <param name="output">Destination [N, C, outH, outW].</param>
    /// <param name="argmax">Destination [N, C, outH, outW]: flat input index of each maximum.</param>
    public static void MaxPool2dForward<T>(ReadOnlyMemory<T> input, Pool2dGeometry g, Memory<T> output, Memory<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check(g, input.Length, output.Length, nameof(MaxPool2dForward));
        if (argmax.Length < g.OutputSize)
            throw new ArgumentException($"{nameof(MaxPool2dForward)}: argmax needs {g.OutputSize} elements (has {argmax.Length}).");
        int outH = g.OutH, outW = g.OutW, plane = g.Height * g.Width;
        if (g is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, PadH: 0, PadW: 0 })
        {
            ForEachPlane(g, (p0, p1) => MaxPool2x2(input.Span, g, p0, p1, output.Span, argmax.Span));
            return;
        }
        ForEachPlane(g, (p0, p1) =>
        {
            ReadOnlySpan<T> x = input.Span;
            Span<T> y = output.Span;
            Span<int> idx = argmax.Span;
            for (int q = p0; q < p1; q++)
            {
                int o = q * outH * outW;
                for (int oh = 0; oh < outH; oh++)
                {
                    var (h0, h1) = Window(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ow = 0; ow < outW; ow++, o++)
                    {
                        var (w0, w1) = Window(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                        int best = q * plane + h0 * g.Width + w0;
                        T max = T.NegativeInfinity;
                        for (int h = h0; h < h1; h++)
                            for (int w = w0, i = q * plane + h * g.Width + w0; w < w1; w++, i++)
                                if (x[i] > max || T.IsNaN(x[i]))
                                {
                                    max = x[i];
                                    best = i;
                                    if (T.IsNaN(max)) goto Done;
                                }
                        Done:
                        y[o] = max;
                        idx[o] = best;
                    }
                }
            }
        });
    }

    /// <summary>
    /// The common 2×2 window with stride 2 and no padding, without the general window arithmetic: the same taps in the
    /// same order (row by row), so the same winner on ties and for NaN.
    /// </summary>
    private static void MaxPool2x2<T>(ReadOnlySpan<T> x, Pool2dGeometry g, int p0, int p1, Span<T> y, Span<int> idx)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outH = g.OutH, outW = g.OutW, width = g.Width, plane = g.Height * width;
        for (int q = p0; q < p1; q++)
        {
            int o = q * outH * outW;
            for (int oh = 0; oh < outH; oh++)
            {
                int i = q * plane + 2 * oh * width;
                int ow = 0;
                if (typeof(T) == typeof(float) && Sse.IsSupported)
                {
                    int done = MaxPool2x2RowVector(MemoryMarshal.Cast<T, float>(x), i, width, outW, MemoryMarshal.Cast<T, float>(y).Slice(o), idx.Slice(o));
                    ow += done;
                    o += done;
                    i += 2 * done;
                }
                for (; ow < outW; ow++, o++, i += 2)
                {
                    T a = x[i], b = x[i + 1], c = x[i + width], d = x[i + width + 1];
                    if (T.IsNaN(a) || T.IsNaN(b) || T.IsNaN(c) || T.IsNaN(d))
                    {
                        // Rare: the first NaN in row-major order wins, as in the general path.
                        int first = T.IsNaN(a) ? i : T.IsNaN(b) ? i + 1 : T.IsNaN(c) ? i + width : i + width + 1;
                        y[o] = x[first];
                        idx[o] = first;
                        continue;
                    }
                    // Branch-free (selects, not jumps: the comparisons are unpredictable on real data). Pairing the
                    // top taps, then the bottom taps, then the two winners with strict '>' picks the same tap as
                    // scanning a, b, c, d in order: the first occurrence of the maximum.
                    bool topRight = b > a, bottomRight = d > c;
                    T top = topRight ? b : a, bottom = bottomRight ? d : c;
                    int topIndex = topRight ? i + 1 : i, bottomIndex = bottomRight ? i + width + 1 : i + width;
                    bool lower = bottom > top;
                    y[o] = lower ? bottom : top;
                    idx[o] = lower ? bottomIndex : topIndex;
                }
            }
        }
    }

    /// <summary>
    /// One 2×2/stride-2 output row for float in vector groups (eight outputs with AVX2, four with SSE): the same pairing
    /// and strict comparisons as the scalar path, as vector selects, the even/odd taps split with shuffles. A ragged
    /// tail is covered by one more group ending at the row's end, overlapping outputs already written with the same
    /// values, so short rows (7 or 14 outputs) need no scalar tail. Stops before any group that holds a NaN and returns
    /// how many leading outputs it wrote; the scalar path does the rest.
    /// </summary>
    private static int MaxPool2x2RowVector(ReadOnlySpan<float> x, int i, int width, int outW, Span<float> y, Span<int> idx)
    {
        int ow = 0;
        if (Avx2.IsSupported && outW >= 8)
        {
            for (; ow + 8 <= outW; ow += 8)
                if (!Group8(x, i + 2 * ow, width, y.Slice(ow), idx.Slice(ow))) return ow;
            if (ow < outW && Group8(x, i + 2 * (outW - 8), width, y.Slice(outW - 8), idx.Slice(outW - 8))) ow = outW;
            return ow;
        }
        for (; ow + 4 <= outW; ow += 4)
            if (!Group4(x, i + 2 * ow, width, y.Slice(ow), idx.Slice(ow))) return ow;
        if (ow < outW && outW >= 4 && Group4(x, i + 2 * (outW - 4), width, y.Slice(outW - 4), idx.Slice(outW - 4))) ow = outW;
        return ow;
    }

    /// <summary>Four outputs from input offset <paramref name="i"/> (SSE); false, writing nothing, when a tap is NaN.</summary>
    private static bool Group4(ReadOnlySpan<float> x, int i, int width, Span<float> y, Span<int> idx)
    {
        var t0 = Vector128.Create(x.Slice(i, 4));
        var t1 = Vector128.Create(x.Slice(i + 4, 4));
        var b0 = Vector128.Create(x.Slice(i + width, 4));
        var b1 = Vector128.Create(x.Slice(i + width + 4, 4));
        if (!(Vector128.EqualsAll(t0, t0) && Vector128.EqualsAll(t1, t1) && Vector128.EqualsAll(b0, b0) && Vector128.EqualsAll(b1, b1)))
            return false;
        Vector128<float> topEven = Sse.Shuffle(t0, t1, 0b10_00_10_00), topOdd = Sse.Shuffle(t0, t1, 0b11_01_11_01);
        Vector128<float> bottomEven = Sse.Shuffle(b0, b1, 0b10_00_10_00), bottomOdd = Sse.Shuffle(b0, b1, 0b11_01_11_01);
        var left = Vector128.Create(i, i + 2, i + 4, i + 6);
        var topRight = Vector128.GreaterThan(topOdd, topEven);
        var top = Vector128.ConditionalSelect(topRight, topOdd, topEven);
        var topIndex = Vector128.ConditionalSelect(topRight.AsInt32(), left + Vector128<int>.One, left);
        var bottomRight = Vector128.GreaterThan(bottomOdd, bottomEven);
        var bottom = Vector128.ConditionalSelect(bottomRight, bottomOdd, bottomEven);
        var below = left + Vector128.Create(width);
        var bottomIndex = Vector128.ConditionalSelect(bottomRight.AsInt32(), below + Vector128<int>.One, below);
        var lower = Vector128.GreaterThan(bottom, top);
        Vector128.ConditionalSelect(lower, bottom, top).CopyTo(y);
        Vector128.ConditionalSelect(lower.AsInt32(), bottomIndex, topIndex).CopyTo(idx);
        return true;
    }

    /// <summary>
    /// Eight outputs from input offset <paramref name="i"/> (AVX2); false, writing nothing, when a tap is NaN. The
    /// in-lane shuffles leave the outputs in the order 0, 1, 4, 5, 2, 3, 6, 7 (input offsets 0, 2, 8, 10, 4, 6, 12, 14);
    /// one 64-bit permute per result restores the order.
    /// </summary>
    private static bool Group8(ReadOnlySpan<float> x, int i, int width, Span<float> y, Span<int> idx)
    {
        var t0 = Vector256.Create(x.Slice(i, 8));
        var t1 = Vector256.Create(x.Slice(i + 8, 8));
        var b0 = Vector256.Create(x.Slice(i + width, 8));
        var b1 = Vector256.Create(x.Slice(i + width + 8, 8));
        if (!(Vector256.EqualsAll(t0, t0) && Vector256.EqualsAll(t1, t1) && Vector256.EqualsAll(b0, b0) && Vector256.EqualsAll(b1, b1)))
            return false;
        Vector256<float> topEven = Avx.Shuffle(t0, t1, 0b10_00_10_00), topOdd = Avx.Shuffle(t0, t1, 0b11_01_11_01);
        Vector256<float> bottomEven = Avx.Shuffle(b0, b1, 0b10_00_10_00), bottomOdd = Avx.Shuffle(b0, b1, 0b11_01_11_01);
        var left = Vector256.Create(i, i + 2, i + 8, i + 10, i + 4, i + 6, i + 12, i + 14);
        var topRight = Vector256.GreaterThan(topOdd, topEven);
        var top = Vector256.ConditionalSelect(topRight, topOdd, topEven);
        var topIndex = Vector256.ConditionalSelect(topRight.AsInt32(), left + Vector256<int>.One, left);
        var bottomRight = Vector256.GreaterThan(bottomOdd, bottomEven);
        var bottom = Vector256.ConditionalSelect(bottomRight, bottomOdd, bottomEven);
        var below = left + Vector256.Create(width);
        var bottomIndex = Vector256.ConditionalSelect(bottomRight.AsInt32(), below + Vector256<int>.One, below);
        var lower = Vector256.GreaterThan(bottom, top);
        const byte inOrder = 0b11_01_10_00; // 64-bit chunks 0, 2, 1, 3
        Avx2.Permute4x64(Vector256.ConditionalSelect(lower, bottom, top).AsDouble(), inOrder).AsSingle().CopyTo(y);
        Avx2.Permute4x64(Vector256.ConditionalSelect(lower.AsInt32(), bottomIndex, topIndex).AsInt64(), inOrder).AsInt32().CopyTo(idx);
        return true;
    }

    private static bool Wins<T>(T v, T max) where T : IFloatingPointIeee754<T> => v > max || T.IsNaN(v);

    /// <summary>gradInput[argmax[o]] += gradOutput[o] for every output position o (accumulates).</summary>
    /// <param name="gradOutput">Upstream gradient [N, C, outH, outW].</param>
    /// <param name="argmax">Indices from <see cref="MaxPool2dForward{T}"/>.</param>
    /// <param name="g">Pooling geometry.</param>
    /// <param name="gradInput">Gradient [N, C, H, W] to accumulate into.</param>
    public static void MaxPool2dBackward<T>(ReadOnlyMemory<T> gradOutput, ReadOnlyMemory<int> argmax, Pool2dGeometry g, Memory<T> gradInput)
        where T : IFloatingPointIeee754<T>
    {
        Check(g, gradInput.Length, gradOutput.Length, nameof(MaxPool2dBackward));
        int outPlane = g.OutH * g.OutW, plane = g.Height * g.Width;
        if (argmax.Length < g.OutputSize)
            throw new ArgumentException($"{nameof(MaxPool2dBackward)}: argmax needs {g.OutputSize} elements (has {argmax.Length}).");
        ForEachPlane(g, (p0, p1) =>
        {
            ReadOnlySpan<T> dy = gradOutput.Span;
            ReadOnlySpan<int> idx = argmax.Span;
            Span<T> dx = gradInput.Span;
            for (int o = p0 * outPlane; o < p1 * outPlane; o++)
            {
                int i = idx[o];
                // Each index must stay in its own plane: that is what makes planes safe to run in parallel.
                if (i / plane != o / outPlane || i < 0)
                    throw new ArgumentException($"{nameof(MaxPool2dBackward)}: argmax[{o}] = {i} is outside its plane.");
                dx[i] += dy[o];
            }
        });
    }

    /// <summary>
    /// output[n, c, oh, ow] = (1 / (kh·kw)) · Σ over the window of input, padding counted as zeros
    /// (count_include_pad = true).
    /// </summary>
    /// <param name="input">Input [N, C, H, W].</param>
    /// <param name="g">Pooling geometry.</param>
    /// <param name="output">Destination [N, C, outH, outW].</param>
    public static void AvgPool2dForward<T>(ReadOnlyMemory<T> input, Pool2dGeometry g, Memory<T> output)
        where T : IFloatingPointIeee754<T>
    {
        Check(g, input.Length, output.Length, nameof(AvgPool2dForward));
        int outH = g.OutH, outW = g.OutW, plane = g.Height * g.Width;
        T scale = T.One / T.CreateChecked(g.KernelH * g.KernelW);
        ForEachPlane(g, (p0, p1) =>
        {
            ReadOnlySpan<T> x = input.Span;
            Span<T> y = output.Span;
            for (int q = p0; q < p1; q++)
            {
                int o = q * outH * outW;
                for (int oh = 0; oh < outH; oh++)
                {
                    var (h0, h1) = Window(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ow = 0; ow < outW; ow++, o++)
                    {
                        var (w0, w1) = Window(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                        T sum = T.Zero;
                        for (int h = h0; h < h1; h++)
                            for (int i = q * plane + h * g.Width + w0, end = i + (w1 - w0); i < end; i++)
                                sum += x[i];
                        y[o] = sum * scale;
                    }
                }
            }
        });
    }

    /// <summary>
    /// gradInput[window of o] += gradOutput[o] / (kh·kw) for every output position o (accumulates);
    /// the adjoint of <see cref="AvgPool2dForward{T}"/>.
    /// </summary>
    /// <param name="gradOutput">Upstream gradient [N, C, outH, outW].</param>
    /// <param name="g">Pooling geometry.</param>
    /// <param name="gradInput">Gradient [N, C, H, W] to accumulate into.</param>
    public static void AvgPool2dBackward<T>(ReadOnlyMemory<T> gradOutput, Pool2dGeometry g, Memory<T> gradInput)
        where T : IFloatingPointIeee754<T>
    {
        Check(g, gradInput.Length, gradOutput.Length, nameof(AvgPool2dBackward));
        int outH = g.OutH, outW = g.OutW, plane = g.Height * g.Width;
        T scale = T.One / T.CreateChecked(g.KernelH * g.KernelW);
        ForEachPlane(g, (p0, p1) =>
        {
            ReadOnlySpan<T> dy = gradOutput.Span;
            Span<T> dx = gradInput.Span;
            for (int q = p0; q < p1; q++)
            {
                int o = q * outH * outW;
                for (int oh = 0; oh < outH; oh++)
                {
                    var (h0, h1) = Window(oh, g.StrideH, g.PadH, g.KernelH, g.Height);
                    for (int ow = 0; ow < outW; ow++, o++)
                    {
                        var (w0, w1) = Window(ow, g.StrideW, g.PadW, g.KernelW, g.Width);
                        T share = dy[o] * scale;
                        for (int h = h0; h < h1; h++)
                            for (int i = q * plane + h * g.Width + w0, end = i + (w1 - w0); i < end; i++)
                                dx[i] += share;
                    }
                }
            }
        });
    }

    /// <summary>Input rows (or columns) [start, end) covered by window <paramref name="o"/>, clipped to the input.</summary>
    private static (int Start, int End) Window(int o, int stride, int pad, int kernel, int size)
    {
        int start = o * stride - pad;
        return (Math.Max(start, 0), Math.Min(start + kernel, size));
    }

    /// <summary>Runs body(firstPlane, endPlane) over the N·C planes, in parallel chunks when the work is large.</summary>
    private static void ForEachPlane(Pool2dGeometry g, Action<int, int> body)
    {
        int planes = g.Batch * g.Channels;
        long work = (long)g.OutputSize * g.KernelH * g.KernelW;
        int chunks = (int)Math.Min(Math.Min(planes, Workers.ThreadCount * 4), Math.Max(1, work / (1 << 15)));
        if (chunks <= 1 || work < Chunks.ParallelWork)
        {
            body(0, planes);
            return;
        }
        int per = (planes + chunks - 1) / chunks;
        Workers.For((planes + per - 1) / per, t => body(t * per, Math.Min(planes, (t + 1) * per)));
    }

    private static void Check(Pool2dGeometry g, int inputLength, int outputLength, string op)
    {
        if (g.Batch < 0 || g.Channels < 0)
            throw new ArgumentException($"{op}: batch and channels must be ≥ 0 (got {g.Batch}, {g.Channels}).");
        if (g.PadH > g.KernelH / 2 || g.PadW > g.KernelW / 2)
            throw new ArgumentException($"{op}: padding ({g.PadH}, {g.PadW}) must be at most half the window ({g.KernelH}, {g.KernelW}).");
        if (inputLength < g.InputSize || outputLength < g.OutputSize)
            throw new ArgumentException(
                $"{op}: input [{g.Batch}, {g.Channels}, {g.Height}, {g.Width}] needs {g.InputSize} elements (has {inputLength}); " +
                $"output [{g.Batch}, {g.Channels}, {g.OutH}, {g.OutW}] needs {g.OutputSize} (has {outputLength}).");
    }
}
