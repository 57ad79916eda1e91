using System.Numerics;

namespace Autograd;

// Sampling: draws positions from a tensor's values; positions carry no gradient, so nothing is recorded.
public static partial class Tensor
{
    /// <summary>
    /// Draws <paramref name="numSamples"/> category positions from each row of <paramref name="probabilities"/> (1-D
    /// [C] or 2-D [N, C]), as torch.multinomial: category c of a row is drawn with probability wᶜ/Σw (the weights need
    /// not sum to 1). With <paramref name="replacement"/> each draw is independent; without, a drawn category is removed
    /// and the rest renormalised, so a row's samples are distinct. Returns positions shaped [numSamples] or
    /// [N, numSamples]; not differentiable. Throws for negative, infinite or NaN weights, a row summing to 0, and,
    /// without replacement, more samples than categories of non-zero weight.
    /// </summary>
    public static IndexTensor Multinomial<T>(Tensor<T> probabilities, int numSamples, bool replacement, Generator generator)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        ArgumentNullException.ThrowIfNull(generator);
        var dims = probabilities.Dims;
        if (dims.Length is < 1 or > 2)
            throw new ArgumentException($"Multinomial: probabilities must be 1-D [C] or 2-D [N, C], got shape {Shapes.Format(dims)}");
        if (numSamples <= 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"Multinomial: numSamples = {numSamples} must be positive");
        int rows = dims.Length == 1 ? 1 : dims[0], categories = dims[^1];
        if (!replacement && numSamples > categories)
            throw new ArgumentException($"Multinomial: cannot draw {numSamples} samples without replacement from {categories} categories (shape {Shapes.Format(dims)})");
        var weights = probabilities.ToArray();
        var result = new int[rows * numSamples];
        var row = new double[categories];
        for (int r = 0; r < rows; r++)
        {
            int nonZero = 0;
            for (int c = 0; c < categories; c++)
            {
                double w = double.CreateChecked(weights[r * categories + c]);
                if (!(w >= 0) || double.IsPositiveInfinity(w))
                    throw new ArgumentException($"Multinomial: weight {w} at row {r}, category {c} must be finite and non-negative (shape {Shapes.Format(dims)})");
                row[c] = w;
                if (w > 0) nonZero++;
            }
            if (nonZero == 0)
                throw new ArgumentException($"Multinomial: the weights of row {r} sum to 0 (shape {Shapes.Format(dims)})");
            if (!replacement && numSamples > nonZero)
                throw new ArgumentException($"Multinomial: row {r} has {nonZero} categories of non-zero weight, too few for {numSamples} samples without replacement");
            // Running sums Sᶜ = Σ_{j≤c} wⱼ; a draw is the first c with Sᶜ > u·Σw (u uniform in [0, 1)), found by binary
            // search, so category c is drawn with probability wᶜ/Σw and a category of weight 0 never. Without
            // replacement the drawn weight is zeroed and the sums rebuilt.
            var sums = new double[categories];
            for (int s = 0; s < numSamples; s++)
            {
                if (s == 0 || !replacement) RunningSums(row, sums);
                int c = Draw(row, sums, generator.NextDouble() * sums[^1]);
                result[r * numSamples + s] = c;
                if (!replacement) row[c] = 0;
            }
        }
        return IndexTensor.Own(result, dims.Length == 1 ? [numSamples] : [rows, numSamples]);
    }

    private static void RunningSums(double[] weights, double[] sums)
    {
        double sum = 0;
        for (int c = 0; c < weights.Length; c++) sums[c] = sum += weights[c];
    }

    /// <summary>The first category whose running sum exceeds <paramref name="u"/>; when u·Σw rounded up to the total,
    /// the last category of non-zero weight.</summary>
    private static int Draw(double[] weights, double[] sums, double u)
    {
        int lo = 0, hi = sums.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (sums[mid] > u) hi = mid;
            else lo = mid + 1;
        }
        while (weights[lo] == 0) lo--;
        return lo;
    }
}
