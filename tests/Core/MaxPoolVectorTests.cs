namespace Autograd.Tests.Core;

public class MaxPoolVectorTests
{
    [Theory]
    [InlineData(20)] // 10 outputs per row: one group of 8 and an overlapping group for the last 2 (AVX2)
    [InlineData(28)] // 14: the CNN's first pool
    [InlineData(34)] // 17: two groups of 8 and an overlapping one
    [InlineData(14)] // 7: groups of 4 (SSE), the second overlapping
    [InlineData(6)]  // 3: too short for a vector group, all scalar
    public void VectorisedTwoByTwoPoolPicksTheFirstMaximumInRowMajorOrder(int w)
    {
        // Values from {0, 1, 2} make ties common; a few NaNs force the scalar fallback inside rows.
        // Oracle: a naive scan of each window in row-major order with strict '>' (the first NaN wins).
        const int n = 2, c = 3, h = 8;
        var gen = new Generator(5);
        var values = new float[n * c * h * w];
        for (int i = 0; i < values.Length; i++) values[i] = gen.NextInt(3);
        values[17] = float.NaN;
        values[w * 3 + 9] = float.NaN;
        var x = Tensor.FromArray(values, [n, c, h, w], requiresGrad: true);
        var y = x.MaxPool2d(2);
        y.Sum().Backward();
        var expectedGrad = new float[values.Length];
        var actual = y.ToArray();
        int o = 0;
        for (int p = 0; p < n * c; p++)
            for (int oh = 0; oh < h / 2; oh++)
                for (int ow = 0; ow < w / 2; ow++, o++)
                {
                    int best = -1;
                    float max = float.NegativeInfinity;
                    foreach (int i in new[] { 0, 1, w, w + 1 }.Select(d => p * h * w + 2 * oh * w + 2 * ow + d))
                    {
                        if (float.IsNaN(values[i])) { best = i; max = float.NaN; break; }
                        if (best < 0 || values[i] > max) { best = i; max = values[i]; }
                    }
                    Assert.Equal(max, actual[o]);
                    expectedGrad[best] += 1;
                }
        Assert.Equal(expectedGrad, x.Grad!.ToArray());
    }
}
