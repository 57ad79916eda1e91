using Lessons;

namespace Autograd.Tests.Lessons;

public class Lesson10SaliencyTests
{
    [Fact]
    public void IntegratedGradientsAreCompleteAndSitOnTheBar()
    {
        // Synthetic bars (no data folder), a short training: the maps need a network, not a good one.
        var outcome = Lesson10Saliency.Measure(dataDir: null, trainCount: 600, epochs: 1, explained: 2, steps: 128);
        float black = (0 - 0.2860f) / 0.3530f;
        foreach (var m in outcome.Maps)
        {
            // Completeness: Σ IG = f(x) − f(x′) up to the midpoint rule's error, small for 128 steps on a ReLU network (its gradient jumps where a unit switches, so the sum converges like 1/m).
            Assert.True(m.Integrated.RelativeGap < 0.02, $"gap {m.Integrated.RelativeGap}");
            // IG = (x − x′) ⊙ (mean gradient): a pixel equal to the black baseline gets exactly nothing.
            var ig = m.Integrated.Attributions.ToArray();
            for (int i = 0; i < 784; i++)
                if (m.Image[i] == black) Assert.Equal(0, ig[i]);
            // The bar's pixels (raw value > 0.5, a small part of the image) carry more than their share of |IG|.
            var bar = Enumerable.Range(0, 784).Where(i => m.Image[i] * 0.3530f + 0.2860f > 0.5f).ToArray();
            double share = bar.Sum(i => Math.Abs(ig[i])) / ig.Sum(v => Math.Abs(v));
            Assert.True(share > 2.0 * bar.Length / 784, $"bar share {share}, bar pixels {bar.Length}");
            // Gradient × input is the input gradient times the pixel, element by element.
            for (int i = 0; i < 784; i++) Assert.Equal(m.Image[i] * m.InputGradient[i], m.GradientTimesInput[i], 5);
        }
    }
}
