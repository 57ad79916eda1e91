using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson04VanishingTests
{
    [Fact]
    public void DeepSigmoidVanishesAndTheThreeCuresDoNot()
    {
        // Hand bound: backward through a sigmoid layer multiplies by σ′ ≤ ¼ and by Wᵀ; PyTorch's default init draws
        // W (32×32) from U(±1/√32), whose spectral norm is about 2·√32·(1/√96) ≈ 1.15, so each layer shrinks the
        // gradient by ≲ 0.29, and over the 11 layers between the first and last weight by ≲ 0.29¹¹ ≈ 1.2e-6.
        // The cures keep the first layer within two orders of magnitude of the last.
        var runs = Lesson04Vanishing.Measure(depth: 12, steps: 1);
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal(12, r.LayerNorms.Length));
        var sigmoid = runs[0];
        Assert.True(sigmoid.FirstLayerNorm / sigmoid.LastLayerNorm < 1.2e-6, $"sigmoid ratio {sigmoid.FirstLayerNorm / sigmoid.LastLayerNorm}");
        foreach (var cure in runs.Skip(1))
            Assert.True(cure.FirstLayerNorm / cure.LastLayerNorm > 1e-2, $"{cure.Name} ratio {cure.FirstLayerNorm / cure.LastLayerNorm}");
        // The monitor flags the sigmoid network's first weight as vanishing (its norm is below the 1e-6 threshold).
        Assert.Contains(sigmoid.Monitor.Flagged, r => r.Name == "0.weight" && r.Flag == Autograd.NN.GradientFlag.Vanishing);
    }
}
