namespace Autograd.Tests.Core;

/// <summary>Tril/Triu, MaskedFill, Flip, Repeat and Pad on small hand-derived cases: values, gradients (an upstream
/// gradient v = 1, 2, 3, … makes each input's gradient name the output places it reached) and error messages.</summary>
public class MaskingPaddingTests
{
    private static Tensor<double> T(double[] data, params int[] shape) => Tensor.FromArray(data, shape, requiresGrad: true);
    private static Tensor<double> Iota(params int[] shape) => Numbered(shape, grad: true);
    private static Tensor<double> Upstream(Tensor<double> y) => Numbered([.. y.Shape], grad: false);
    private static Tensor<double> Numbered(int[] shape, bool grad) =>
        Tensor.FromArray([.. Enumerable.Range(1, shape.Aggregate(1, (p, d) => p * d)).Select(i => (double)i)], shape, requiresGrad: grad);

    private static void Fails(Action action, params string[] fragments)
    {
        var error = Assert.ThrowsAny<ArgumentException>(action);
        foreach (var f in fragments) Assert.Contains(f, error.Message);
    }

    [Fact]
    public void TrilKeepsTheLowerTriangleAndMasksTheGradient()
    {
        var x = Iota(2, 3);
        var y = x.Tril();
        // x = [[1, 2, 3], [4, 5, 6]]; keep j − i ≤ 0: [[1, 0, 0], [4, 5, 0]]
        Assert.Equal([1, 0, 0, 4, 5, 0], y.ToArray());
        y.Backward(Upstream(y));
        // ∂y/∂x = the same mask: v = [[1, 2, 3], [4, 5, 6]] → [[1, 0, 0], [4, 5, 0]]
        Assert.Equal([1, 0, 0, 4, 5, 0], x.Grad!.ToArray());
    }

    [Fact]
    public void TriuWithDiagonalIsBatched()
    {
        var x = Iota(2, 2, 3);
        // keep j − i ≥ 1 per matrix: [[0, 2, 3], [0, 0, 6]], then [[0, 8, 9], [0, 0, 12]]
        Assert.Equal([0, 2, 3, 0, 0, 6, 0, 8, 9, 0, 0, 12], x.Triu(1).ToArray());
        // tril(−1) keeps j − i ≤ −1: only (1, 0): [[0, 0, 0], [4, 0, 0]], [[0, 0, 0], [10, 0, 0]]
        Assert.Equal([0, 0, 0, 4, 0, 0, 0, 0, 0, 10, 0, 0], x.Tril(-1).ToArray());
    }

    [Fact]
    public void TrilNeedsTwoDims() => Fails(() => Iota(3).Tril(), "Tril", "[3]");

    [Fact]
    public void MaskedFillBroadcastsTheMaskAndZeroesTheFilledGradient()
    {
        var x = Iota(2, 3);
        var mask = Tensor.FromArray(new double[] { 0, 1, 0 }, [3]);
        var y = x.MaskedFill(mask, -9);
        // column 1 (mask ≠ 0) becomes −9 in both rows: [[1, −9, 3], [4, −9, 6]]
        Assert.Equal([1, -9, 3, 4, -9, 6], y.ToArray());
        y.Backward(Upstream(y));
        // ∂y/∂x = 1 where mask = 0, else 0: v = [[1, 2, 3], [4, 5, 6]] → [[1, 0, 3], [4, 0, 6]]
        Assert.Equal([1, 0, 3, 4, 0, 6], x.Grad!.ToArray());
    }

    [Fact]
    public void MaskedFillRejectsAMaskThatDoesNotBroadcastToTheInput() =>
        Fails(() => Iota(2, 3).MaskedFill(Tensor.Zeros<double>(2, 2, 3), 0), "MaskedFill", "[2, 2, 3]", "[2, 3]");

    [Fact]
    public void FlipReversesTheGivenDimsAndFlipsTheGradientBack()
    {
        var x = Iota(2, 3);
        var y = x.Flip(-1);
        // rows reversed along dim 1: [[3, 2, 1], [6, 5, 4]]
        Assert.Equal([3, 2, 1, 6, 5, 4], y.ToArray());
        y.Backward(Upstream(y));
        // x[i, j] reached y[i, 2 − j]: grad = v flipped = [[3, 2, 1], [6, 5, 4]]
        Assert.Equal([3, 2, 1, 6, 5, 4], x.Grad!.ToArray());
        // both dims: y[i, j] = x[1 − i, 2 − j] = [[6, 5, 4], [3, 2, 1]]; of the transposed view [[1, 4], [2, 5], [3, 6]]
        // along dim 0: [[3, 6], [2, 5], [1, 4]]
        Assert.Equal([6, 5, 4, 3, 2, 1], Iota(2, 3).Flip(0, 1).ToArray());
        Assert.Equal([3, 6, 2, 5, 1, 4], Iota(2, 3).MT.Flip(0).ToArray());
    }

    [Fact]
    public void FlipRejectsARepeatedDim() => Fails(() => Iota(2, 3).Flip(1, -1), "Flip", "dim 1 repeated", "[2, 3]");

    [Fact]
    public void RepeatTilesAndSumsTheTilesInTheGradient()
    {
        var x = T([1, 2], 2);
        var y = x.Repeat(2, 2);
        // 1 prepended to [2] → [1, 2]; tiles 2 × 2: [[1, 2, 1, 2], [1, 2, 1, 2]]
        Assert.Equal([2, 4], y.Shape);
        Assert.Equal([1, 2, 1, 2, 1, 2, 1, 2], y.ToArray());
        y.Backward(Upstream(y));
        // v = [[1, 2, 3, 4], [5, 6, 7, 8]]; x₀ reaches columns 0, 2: 1 + 3 + 5 + 7 = 16; x₁ columns 1, 3: 2 + 4 + 6 + 8 = 20
        Assert.Equal([16, 20], x.Grad!.ToArray());
    }

    [Fact]
    public void RepeatNeedsOneRepeatPerDim() => Fails(() => Iota(2, 3).Repeat(2), "Repeat", "[2]", "[2, 3]");

    [Fact]
    public void PadUsesTorchOrderAndNarrowsTheGradientBack()
    {
        var x = Iota(2, 2);
        var y = x.Pad([1, 0, 0, 1], 7);
        // last dim 1 before, 0 after; dim 0 0 before, 1 after: [[7, 1, 2], [7, 3, 4], [7, 7, 7]]
        Assert.Equal([3, 3], y.Shape);
        Assert.Equal([7, 1, 2, 7, 3, 4, 7, 7, 7], y.ToArray());
        y.Backward(Upstream(y));
        // x[i, j] sits at y[i, j + 1]: v = [[1, 2, 3], [4, 5, 6], [7, 8, 9]] → [[2, 3], [5, 6]]
        Assert.Equal([2, 3, 5, 6], x.Grad!.ToArray());
    }

    [Fact]
    public void PadWritesTheSignOfANegativeZeroValue()
    {
        // Padding with −0.0 fills −0.0 (IEEE: 1/−0 = −∞), not the +0.0 a zeroed array would hold; inside a scope, where the
        // result is rented from the pool, as outside.
        foreach (bool scoped in new[] { false, true })
        {
            using var scope = scoped ? Tensor.Scope() : null;
            var y = Iota(1, 2).Pad([0, 2], -0.0).ToArray();
            Assert.Equal([1.0, 2.0], y[..2]);
            Assert.All(y[2..], v => Assert.True(v == 0 && double.IsNegative(v), $"padding {v} should be −0.0"));
        }
    }

    [Fact]
    public void PadWithNegativeAmountsCrops()
    {
        var x = Iota(2, 3);
        var y = x.Pad([-1, 1]);
        // last dim: drop column 0, add a zero column: [[2, 3, 0], [5, 6, 0]]
        Assert.Equal([2, 3, 0, 5, 6, 0], y.ToArray());
        y.Backward(Upstream(y));
        // x[i, j] sits at y[i, j − 1] for j ≥ 1, column 0 was cropped: v = [[1, 2, 3], [4, 5, 6]] → [[0, 1, 2], [0, 4, 5]]
        Assert.Equal([0, 1, 2, 0, 4, 5], x.Grad!.ToArray());
    }

    [Fact]
    public void PadRejectsOddOrTooLongOrOvercroppingAmounts()
    {
        Fails(() => Iota(2, 3).Pad([1]), "Pad", "[1]", "[2, 3]");
        Fails(() => Iota(3).Pad([1, 1, 1, 1]), "Pad", "[1, 1, 1, 1]", "[3]");
        Fails(() => Iota(2, 3).Pad([-2, -2]), "Pad", "dim 1", "[2, 3]");
    }
    [Fact]
    public void PadReflectMirrorsWithoutTheEdgeAndAddsReadsInTheGradient()
    {
        var x = T([1, 2, 3], 3);
        var y = x.Pad([2, 1], PaddingMode.Reflect);
        // [a, b, c] with 2 before, 1 after: [c, b | a, b, c | b]
        Assert.Equal([3, 2, 1, 2, 3, 2], y.ToArray());
        y.Backward(Upstream(y));
        // v = [1, 2, 3, 4, 5, 6]: a read at 2 → 3; b at 1, 3, 5 → 2 + 4 + 6 = 12; c at 0, 4 → 1 + 5 = 6
        Assert.Equal([3, 12, 6], x.Grad!.ToArray());
    }

    [Fact]
    public void PadReplicateAndCircularOverTwoDims()
    {
        var x = Iota(2, 2);
        // replicate (1, 0) on the last dim, (0, 1) on dim 0: [[1, 1, 2], [3, 3, 4], [3, 3, 4]]
        Assert.Equal([1, 1, 2, 3, 3, 4, 3, 3, 4], x.Pad([1, 0, 0, 1], PaddingMode.Replicate).ToArray());
        // circular (1, 2) on [1, 2]: j = −1 → 1, then 0, 1, then 2 → 0, 3 → 1: [2, 1, 2, 1, 2]
        Assert.Equal([2, 1, 2, 1, 2], T([1, 2], 2).Pad([1, 2], PaddingMode.Circular).ToArray());
        var y = x.Pad([1, 1], PaddingMode.Replicate);
        y.Backward(Upstream(y));
        // rows [x₀, x₀, x₁, x₁] and [x₂, x₂, x₃, x₃]; v = [[1, 2, 3, 4], [5, 6, 7, 8]] → [[3, 7], [11, 15]]
        Assert.Equal([3, 7, 11, 15], x.Grad!.ToArray());
        // constant mode is the value overload
        Assert.Equal([9, 1, 2, 9], T([1, 2], 2).Pad([1, 1], PaddingMode.Constant, 9).ToArray());
    }

    [Fact]
    public void PadModesRejectAmountsTheModeCannotFill()
    {
        // reflect needs each amount < the dim's size (as PyTorch), circular ≤ the size
        Fails(() => Iota(2, 3).Pad([3, 0], PaddingMode.Reflect), "Pad", "(3, 0)", "less than the size 3", "[2, 3]", "Reflect");
        Fails(() => Iota(2, 3).Pad([0, 0, 0, 2], PaddingMode.Reflect), "Pad", "(0, 2)", "dim 0", "[2, 3]");
        Fails(() => Iota(2, 3).Pad([4, 0], PaddingMode.Circular), "Pad", "at most the size 3", "Circular");
        Fails(() => Iota(2, 3).Pad([1], PaddingMode.Replicate), "Pad", "[1]", "[2, 3]");
        Fails(() => Iota(2, 3).Pad([-2, -2], PaddingMode.Replicate), "Pad", "negative size", "[2, 3]");
    }

    [Fact]
    public void RollWrapsAroundAndRollsTheGradientBack()
    {
        var x = Iota(2, 3);
        var y = x.Roll(1, 1);
        // y[i, (j + 1) mod 3] = x[i, j]: [[3, 1, 2], [6, 4, 5]]
        Assert.Equal([3, 1, 2, 6, 4, 5], y.ToArray());
        y.Backward(Upstream(y));
        // x[i, j] sits at y[i, (j + 1) mod 3]: v = [[1, 2, 3], [4, 5, 6]] → [[2, 3, 1], [5, 6, 4]]
        Assert.Equal([2, 3, 1, 5, 6, 4], x.Grad!.ToArray());
        // two dims, negative shift: dim 0 by 1 swaps rows, dim 1 by −1 (= 2): [[5, 6, 4], [2, 3, 1]]
        Assert.Equal([5, 6, 4, 2, 3, 1], Iota(2, 3).Roll([1, -1], [0, 1]).ToArray());
        // flattened: [1, …, 6] rolled by 2 is [5, 6, 1, 2, 3, 4], shape kept
        var flat = Iota(2, 3).Roll([2]);
        Assert.Equal([2, 3], flat.Shape);
        Assert.Equal([5, 6, 1, 2, 3, 4], flat.ToArray());
    }

    [Fact]
    public void RollRejectsUnpairedShifts()
    {
        Fails(() => Iota(2, 3).Roll([1, 2], [0]), "Roll", "2 shifts", "1 dims");
        Fails(() => Iota(2, 3).Roll([1, 2]), "Roll", "2 shifts");
        Fails(() => Iota(2, 3).Roll(1, 2), "Roll");
    }
}
