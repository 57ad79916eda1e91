using Autograd.Kernels;

namespace Autograd.Tests.Core;

/// <summary>
/// LayerNorm's fused backward on inputs large enough to run in several parallel chunks, whose γ and β gradients are
/// summed per chunk and then in chunk order.
/// </summary>
[Collection(nameof(ProcessSettings))]
public class LayerNormChunkTests
{
    private static (Tensor<float> X, Tensor<float> Gamma, Tensor<float> Beta, Tensor<float> G) Case()
    {
        var gen = new Generator(21);
        var x = Tensor.FromArray(Tensor.Randn<float>([2048, 128], gen).ToArray(), [2048, 128], requiresGrad: true);
        var gamma = Tensor.FromArray(Tensor.Randn<float>([128], gen).ToArray(), [128], requiresGrad: true);
        var beta = Tensor.FromArray(Tensor.Randn<float>([128], gen).ToArray(), [128], requiresGrad: true);
        return (x, gamma, beta, Tensor.Randn<float>([2048, 128], gen));
    }

    [Fact]
    public void ParameterGradientsOverManyChunksMatchSumsInDouble()
    {
        // Oracle: dβ_j = Σ_r g_rj and dγ_j = Σ_r g_rj·x̂_rj with x̂ = (x − μ)/√(σ² + ε), μ and σ² of each row, all in
        // double by plain loops.
        var (x, gamma, beta, g) = Case();
        x.LayerNorm([128], gamma, beta).Backward(g);
        float[] xs = x.ToArray(), gs = g.ToArray(), dGamma = gamma.Grad!.ToArray(), dBeta = beta.Grad!.ToArray();
        var expectGamma = new double[128];
        var expectBeta = new double[128];
        for (int r = 0; r < 2048; r++)
        {
            double mu = 0, v = 0;
            for (int j = 0; j < 128; j++) mu += xs[r * 128 + j];
            mu /= 128;
            for (int j = 0; j < 128; j++) v += (xs[r * 128 + j] - mu) * (xs[r * 128 + j] - mu);
            double inv = 1 / Math.Sqrt(v / 128 + 1e-5);
            for (int j = 0; j < 128; j++)
            {
                expectBeta[j] += gs[r * 128 + j];
                expectGamma[j] += gs[r * 128 + j] * (xs[r * 128 + j] - mu) * inv;
            }
        }
        // Sums of 2048 terms of size ~1 in float: a few 10⁻⁵ of rounding against √2048 ≈ 45 of magnitude.
        for (int j = 0; j < 128; j++)
        {
            Assert.True(Math.Abs(dBeta[j] - expectBeta[j]) <= 1e-3, $"dβ[{j}] = {dBeta[j]}, expected {expectBeta[j]}");
            Assert.True(Math.Abs(dGamma[j] - expectGamma[j]) <= 1e-3, $"dγ[{j}] = {dGamma[j]}, expected {expectGamma[j]}");
        }
    }

    [Fact]
    public void GradientsGiveTheSameBitsForOneTwoAndThreeThreads()
    {
        // Oracle: the one-thread run; the per-chunk sums are added in chunk order whoever ran each chunk.
        int before = Workers.ThreadCount;
        try
        {
            var runs = new[] { 1, 2, 3 }.Select(threads =>
            {
                Workers.ThreadCount = threads;
                var (x, gamma, beta, g) = Case();
                var y = x.LayerNorm([128], gamma, beta);
                y.Backward(g);
                return (Y: y.ToArray(), X: x.Grad!.ToArray(), Gamma: gamma.Grad!.ToArray(), Beta: beta.Grad!.ToArray());
            }).ToArray();
            for (int t = 1; t < runs.Length; t++)
            {
                Assert.Equal(runs[0].Y, runs[t].Y);
                Assert.Equal(runs[0].X, runs[t].X);
                Assert.Equal(runs[0].Gamma, runs[t].Gamma);
                Assert.Equal(runs[0].Beta, runs[t].Beta);
            }
        }
        finally
        {
            Workers.ThreadCount = before;
        }
    }
}
