using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

/// <summary>How <see cref="Tensor{T}.Pad(int[], PaddingMode, T)"/> fills the new places (torch.nn.functional.pad's modes).</summary>
public enum PaddingMode
{
    /// <summary>A constant value.</summary>
    Constant,
    /// <summary>The mirror image without repeating the edge: [a, b, c] padded by 2 on each side is [c, b, a, b, c, b, a].</summary>
    Reflect,
    /// <summary>The edge element repeated: [a, b, c] padded by 2 is [a, a, a, b, c, c, c].</summary>
    Replicate,
    /// <summary>Wrapped around: [a, b, c] padded by 2 is [b, c, a, b, c, a, b].</summary>
    Circular,
}

// Padding, tiling, flipping and rolling: ops that move elements to new places; each derivative moves g back.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo PadOp = new("Pad", Saved.None, "∂pad(x)/∂x = 1 on x's place: g narrowed back along each padded dim");
    private static readonly OpInfo FlipOp = new("Flip", Saved.None, "∂flip(x)/∂x = 1 at the mirrored place: g flipped back along the same dims");

    /// <summary>
    /// Constant padding as torch.nn.functional.pad: <paramref name="pad"/> lists (before, after) pairs starting from the
    /// last dim ([left, right, top, bottom, …]); new places read <paramref name="value"/>; a negative amount crops.
    /// y[…, i, …] = x[…, i − before, …] inside x, else value; ∂y/∂x = 1 on x's place, so the gradient is g narrowed back.
    /// </summary>
    public Tensor<T> Pad(int[] pad, T value = default)
    {
        if (pad.Length % 2 != 0 || pad.Length / 2 > Rank)
            throw new ArgumentException($"Pad: {pad.Length} amounts [{string.Join(", ", pad)}] must be (before, after) pairs for at most {Rank} dims (shape {Shapes.Format(Dims)})");
        var cropped = this;
        var shape = (int[])Dims.Clone();
        var before = new int[Rank];
        for (int k = 0; k < pad.Length / 2; k++)
        {
            int d = Rank - 1 - k, lo = pad[2 * k], hi = pad[2 * k + 1];
            shape[d] = Dims[d] + lo + hi;
            if (shape[d] < 0)
                throw new ArgumentException($"Pad: padding ({lo}, {hi}) of dim {d} leaves a negative size {shape[d]} (shape {Shapes.Format(Dims)}, pad [{string.Join(", ", pad)}])");
            int cropLo = Math.Max(-lo, 0), cropHi = Math.Max(-hi, 0);
            if (cropLo + cropHi > Dims[d])
                throw new ArgumentException($"Pad: padding ({lo}, {hi}) crops more than the {Dims[d]} elements of dim {d} (shape {Shapes.Format(Dims)}, pad [{string.Join(", ", pad)}])");
            if (cropLo + cropHi > 0) cropped = cropped.Narrow(d, cropLo, Dims[d] - cropLo - cropHi);
            before[d] = Math.Max(lo, 0);
        }
        if (Shapes.Equal(shape, cropped.Dims)) return cropped;
        // A rented array comes zeroed (+0) only for value +0; −0, NaN and the rest are filled in.
        bool positiveZero = value == T.Zero && !T.IsNegative(value);
        var result = Rented(shape, clear: positiveZero);
        if (!positiveZero) result.Span.Fill(value);
        var inner = cropped.Dims;
        using (Tensor.NoGrad())
        {
            var place = result;
            for (int d = 0; d < Rank; d++) place = place.Narrow(d, before[d], inner[d]);
            place.CopyStrided(cropped);
        }
        return Graph.Record(result, PadOp, cropped, (g, _, _) =>
        {
            for (int d = 0; d < before.Length; d++) g = g.Narrow(d, before[d], inner[d]);
            return [g];
        });
    }

    /// <summary>
    /// Tiles this tensor as torch.Tensor.repeat: dim i of the result is repeats[i]·sᵢ, where s is the shape with 1s
    /// prepended to repeats.Length dims. The gradient sums the tiles: g reshaped to [r₀, s₀, r₁, s₁, …] summed over the rᵢ.
    /// </summary>
    public Tensor<T> Repeat(params int[] repeats)
    {
        if (repeats.Length < Rank || repeats.Any(static r => r < 0))
            throw new ArgumentException($"Repeat: repeats [{string.Join(", ", repeats)}] must be non-negative and at least one per dim of shape {Shapes.Format(Dims)}");
        int lead = repeats.Length - Rank;
        var single = new int[2 * repeats.Length];
        var tiled = new int[2 * repeats.Length];
        var result = new int[repeats.Length];
        for (int i = 0; i < repeats.Length; i++)
        {
            int s = i < lead ? 1 : Dims[i - lead];
            (single[2 * i], single[2 * i + 1]) = (1, s);
            (tiled[2 * i], tiled[2 * i + 1]) = (repeats[i], s);
            result[i] = repeats[i] * s;
        }
        // A composite of Reshape and Expand (Expand's rule sums the tiles), so it needs no rule of its own.
        return Reshape(single).Expand(tiled).Reshape(result);
    }

    /// <summary>
    /// Reverses the order of elements along <paramref name="dims"/>, as torch.flip: y[…, i, …] = x[…, n − 1 − i, …].
    /// The gradient is g flipped back along the same dims.
    /// </summary>
    public Tensor<T> Flip(params int[] dims)
    {
        var flipped = new int[dims.Length];
        var strides = (int[])Strides.Clone();
        int offset = Offset;
        for (int k = 0; k < dims.Length; k++)
        {
            int d = Shapes.NormalizeDim("Flip", dims[k], Rank);
            if (Array.IndexOf(flipped, d, 0, k) >= 0)
                throw new ArgumentException($"Flip: dim {d} repeated in [{string.Join(", ", dims)}] (shape {Shapes.Format(Dims)})");
            flipped[k] = d;
            if (Dims[d] > 1) offset += (Dims[d] - 1) * Strides[d];
            strides[d] = -Strides[d];
        }
        var data = Buffers.Rent<T>(NumElements, clear: false);
        Strided.CopyTo<T>(Storage, new Layout(Dims, strides, offset, NumElements, isContiguous: false), data);
        var y = new Tensor<T>(data, (int[])Dims.Clone());
        return Graph.Record(y, FlipOp, this, (g, _, _) => [g.Flip(flipped)]);
    }
    /// <summary>
    /// Padding as torch.nn.functional.pad with <paramref name="mode"/>: <paramref name="pad"/> lists (before, after) pairs
    /// from the last dim. Reflect mirrors without repeating the edge (each amount must be less than the dim's size),
    /// replicate repeats the edge element, circular wraps around (amounts at most the size); <paramref name="value"/> is
    /// used by constant mode only. Each non-constant mode reads y[…, i, …] = x[…, src(i), …], an IndexSelect, so the
    /// gradient index-adds g back: an edge element read several times gets the sum of its reads.
    /// </summary>
    public Tensor<T> Pad(int[] pad, PaddingMode mode, T value = default)
    {
        if (mode == PaddingMode.Constant) return Pad(pad, value);
        if (pad.Length % 2 != 0 || pad.Length / 2 > Rank)
            throw new ArgumentException($"Pad: {pad.Length} amounts [{string.Join(", ", pad)}] must be (before, after) pairs for at most {Rank} dims (shape {Shapes.Format(Dims)})");
        var result = this;
        for (int k = 0; k < pad.Length / 2; k++)
        {
            int d = Rank - 1 - k, lo = pad[2 * k], hi = pad[2 * k + 1], n = Dims[d], size = n + lo + hi;
            if (lo == 0 && hi == 0) continue;
            string? wrong = size < 0 ? $"leaves a negative size {size}"
                : mode == PaddingMode.Reflect && (lo >= n || hi >= n) ? $"must be less than the size {n} of dim {d} in reflect mode"
                : mode == PaddingMode.Circular && (lo > n || hi > n) ? $"must be at most the size {n} of dim {d} in circular mode"
                : mode == PaddingMode.Replicate && n == 0 && size > 0 ? $"cannot replicate the edge of the empty dim {d}"
                : null;
            if (wrong is not null)
                throw new ArgumentException($"Pad: padding ({lo}, {hi}) {wrong} (shape {Shapes.Format(Dims)}, pad [{string.Join(", ", pad)}], mode {mode})");
            var source = new int[size];
            for (int i = 0; i < size; i++)
            {
                int j = i - lo;
                source[i] = mode switch
                {
                    PaddingMode.Reflect => j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j,
                    PaddingMode.Replicate => Math.Clamp(j, 0, n - 1),
                    _ => ((j % n) + n) % n,
                };
            }
            result = result.IndexSelect(d, source);
        }
        return result;
    }

    /// <summary>
    /// Rolls elements along <paramref name="dims"/> by <paramref name="shifts"/> (torch.roll): y[…, (i + s) mod n, …] =
    /// x[…, i, …]; elements shifted past the end come back at the start, negative shifts go the other way. Without dims
    /// the tensor is rolled as if flattened and then restored to its shape. An IndexSelect per dim, so the gradient rolls
    /// g back by −s.
    /// </summary>
    public Tensor<T> Roll(int[] shifts, int[]? dims = null)
    {
        if (dims is null || dims.Length == 0)
        {
            if (shifts.Length != 1)
                throw new ArgumentException($"Roll: without dims one shift rolls the flattened tensor, got {shifts.Length} shifts [{string.Join(", ", shifts)}]");
            return Rank == 1 ? Roll(shifts, [0]) : Reshape(-1).Roll(shifts, [0]).Reshape(Dims);
        }
        if (shifts.Length != dims.Length)
            throw new ArgumentException($"Roll: {shifts.Length} shifts [{string.Join(", ", shifts)}] for {dims.Length} dims [{string.Join(", ", dims)}]; they must pair up");
        var result = this;
        for (int k = 0; k < dims.Length; k++)
        {
            int d = Shapes.NormalizeDim("Roll", dims[k], Rank), n = Dims[d];
            if (n == 0 || shifts[k] % n == 0) continue;
            var source = new int[n];
            for (int i = 0; i < n; i++) source[i] = (int)((((long)i - shifts[k]) % n + n) % n);
            result = result.IndexSelect(d, source);
        }
        return result;
    }

    /// <summary>Rolls along one dim: <see cref="Roll(int[], int[])"/> with a single shift and dim.</summary>
    public Tensor<T> Roll(int shift, int dim) => Roll([shift], [dim]);
}
