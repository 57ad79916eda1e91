using System.Numerics;

namespace Autograd.NN.Data;

/// <summary>A per-sample transform applied in place by the <see cref="DataLoader{T}"/> (e.g. augmentation, normalisation).</summary>
public interface ITransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Transforms one input sample of <paramref name="shape"/> in place; random choices come from <paramref name="generator"/>.</summary>
    void Apply(Span<T> sample, int[] shape, Generator generator);
}

/// <summary>x ← (x − mean) / std, with one mean/std for all values or one per channel (dim 0 of a [C, H, W] sample).</summary>
public sealed class Normalize<T>(T[] mean, T[] std) : ITransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>One mean and standard deviation for every value.</summary>
    public Normalize(T mean, T std) : this([mean], [std]) { }

    /// <inheritdoc />
    public void Apply(Span<T> sample, int[] shape, Generator generator)
    {
        int channels = mean.Length;
        if (channels != std.Length) throw new ArgumentException("Normalize: mean and std need the same number of channels");
        if (channels > 1 && (shape.Length == 0 || shape[0] != channels))
            throw new ArgumentException($"Normalize: {channels} channel means for a sample of shape [{string.Join(", ", shape)}]");
        int per = sample.Length / channels;
        for (int c = 0; c < channels; c++)
        {
            var part = sample.Slice(c * per, per);
            T m = mean[c], inv = T.One / std[c];
            for (int i = 0; i < part.Length; i++) part[i] = (part[i] - m) * inv;
        }
    }
}

/// <summary>Mirrors an image sample [.., H, W] left–right with probability <paramref name="p"/>.</summary>
public sealed class RandomHorizontalFlip<T>(double p = 0.5) : ITransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc />
    public void Apply(Span<T> sample, int[] shape, Generator generator)
    {
        if (generator.NextDouble() >= p) return;
        int w = shape[^1];
        for (int row = 0; row < sample.Length; row += w) sample.Slice(row, w).Reverse();
    }
}

/// <summary>
/// Random translation of an image sample [.., H, W] by up to <paramref name="maxShift"/> pixels in each direction,
/// filling with <paramref name="fill"/>: the same as padding by maxShift and taking a random crop of the original size.
/// </summary>
public sealed class RandomTranslate<T>(int maxShift, T fill = default) : ITransform<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ThreadStatic] private static T[]? t_scratch;

    /// <inheritdoc />
    public void Apply(Span<T> sample, int[] shape, Generator generator)
    {
        if (maxShift <= 0) return;
        int h = shape[^2], w = shape[^1];
        int dy = generator.NextInt(2 * maxShift + 1) - maxShift, dx = generator.NextInt(2 * maxShift + 1) - maxShift;
        if (dx == 0 && dy == 0) return;
        var scratch = t_scratch is { } s && s.Length >= h * w ? s : t_scratch = new T[h * w];
        for (int plane = 0; plane < sample.Length; plane += h * w)
        {
            var image = sample.Slice(plane, h * w);
            image.CopyTo(scratch);
            for (int y = 0; y < h; y++)
            {
                int sy = y - dy;
                for (int x = 0; x < w; x++)
                {
                    int sx = x - dx;
                    image[y * w + x] = sy >= 0 && sy < h && sx >= 0 && sx < w ? scratch[sy * w + sx] : fill;
                }
            }
        }
    }
}
