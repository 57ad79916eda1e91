using System.Reflection;
using System.Runtime.CompilerServices;
using Autograd.Kernels;

namespace Autograd.Tests.NN;

/// <summary>NN builds on the core's public API only, and the public members it needs behave as documented.</summary>
public class PublicApiTests
{
    [Fact]
    public void TheCoreGrantsNoInternalsToNN()
    {
        // Oracle: the rule "NN has no InternalsVisibleTo"; the test assemblies may still see internals.
        var friends = typeof(Tensor).Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName).ToArray();
        Assert.Contains("Autograd.Tests", friends);
        Assert.DoesNotContain("Autograd.NN", friends);
        Assert.Equal("Autograd.NN", typeof(Autograd.NN.Module<float>).Assembly.GetName().Name);
    }

    [Fact]
    public void TensorShapeFormatsCountsAndBroadcasts()
    {
        // Oracle: NumPy's rules: [3, 1] with [4] → [3, 4]; 2·3·4 = 24 elements; [] is a scalar with 1 element.
        Assert.Equal("[128, 784]", TensorShape.Format(Tensor.Zeros<float>(128, 784).Shape));
        Assert.Equal("[]", TensorShape.Format([]));
        Assert.Equal(24, TensorShape.NumElements([2, 3, 4]));
        Assert.Equal(1, TensorShape.NumElements([]));
        Assert.Equal([3, 4], TensorShape.Broadcast([3, 1], [4]));
        Assert.Contains("[2, 3] and [4]", Assert.Throws<ArgumentException>(() => TensorShape.Broadcast([2, 3], [4])).Message);
        // One-way broadcasting (Expand's rule): trailing dims equal or 1, no more dims than the target.
        Assert.True(TensorShape.BroadcastsTo([1, 4], [3, 4]));
        Assert.True(TensorShape.BroadcastsTo([4], [2, 3, 4]));
        Assert.False(TensorShape.BroadcastsTo([3, 4], [4]));
        Assert.False(TensorShape.BroadcastsTo([2, 4], [3, 4]));
    }

    [Fact]
    public void WrapAliasesTheArray()
    {
        // Oracle: the documented aliasing: a write to the array shows in the tensor, and a write through the tensor in the array.
        double[] data = [1, 2, 3, 4, 5, 6];
        var t = Tensor.Wrap(data, [2, 3]);
        data[4] = 50;
        Assert.Equal(50, t.ToArray()[4]);
        t.AsSpan()[0] = 10;
        Assert.Equal(10, data[0]);
        Assert.Equal([2, 3], t.Shape);
        Assert.Throws<ArgumentException>(() => Tensor.Wrap(data, [4, 2]));
    }

    [Fact]
    public void BatchNormWithRunningStatisticsMatchesTheFormulas()
    {
        // Oracle, x = [1, 3] as [N = 2, C = 1], ε = 0, momentum 0.1:
        // training: μ = 2, σ² = 1 (biased), y = (x − 2)/1 = [−1, 1]; running mean 0.9·1 + 0.1·2 = 1.1,
        // running var 0.9·4 + 0.1·(1·2/1) = 3.8 (unbiased variance 2).
        // evaluation with mean 1, var 4: y = (x − 1)/2 = [0, 1].
        var x = Tensor.FromArray([1.0, 3.0], [2, 1]);
        var mean = Tensor.FromArray([1.0]);
        var variance = Tensor.FromArray([4.0]);
        Assert.Equal([0.0, 1.0], x.BatchNorm(mean, variance, null, null, training: false, eps: 0).ToArray());
        Assert.Equal([-1.0, 1.0], x.BatchNorm(mean, variance, null, null, training: true, eps: 0).ToArray());
        Assert.Equal(1.1, mean.Item(), 12);
        Assert.Equal(3.8, variance.Item(), 12);
    }

    [Theory]
    [InlineData(37)]
    [InlineData(3 * (1 << 14) + 5)] // several parallel chunks and a remainder
    public void AdamKernelMatchesTheScalarEquationsBitForBit(int n)
    {
        // Oracle: the update equations written out element by element in the same order (the vector path has no fused
        // multiply-add, so it rounds exactly as this loop does), two steps with the state carried over.
        var g = new Generator(7);
        float[] param = Tensor.Randn<float>([n], g).ToArray(), grad = Tensor.Randn<float>([n], g).ToArray();
        float[] m = new float[n], v = new float[n];
        float[] refParam = (float[])param.Clone(), refM = new float[n], refV = new float[n];
        const double lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        for (long step = 1; step <= 2; step++)
        {
            OptimizerKernels.Adam<float>(param, grad, m, v, lr, beta1, beta2, eps, step);
            float b1 = (float)beta1, b2 = (float)beta2, c2 = (float)(1 / Math.Sqrt(1 - Math.Pow(beta2, step)));
            float stepSize = (float)(-lr / (1 - Math.Pow(beta1, step))), e = (float)eps;
            for (int i = 0; i < n; i++)
            {
                refM[i] += (grad[i] - refM[i]) * (1f - b1);
                refV[i] = refV[i] * b2 + grad[i] * (1f - b2) * grad[i];
                refParam[i] += refM[i] / (MathF.Sqrt(refV[i]) * c2 + e) * stepSize;
            }
        }
        Assert.Equal(refM, m);
        Assert.Equal(refV, v);
        Assert.Equal(refParam, param);
    }

    [Fact]
    public void AdamKernelFirstStepMovesEachWeightByTheLearningRate()
    {
        // Oracle: at t = 1, m̂ = g and v̂ = g², so θ ← θ − γ·g/(|g| + ε) ≈ θ − γ·sign(g): 1 − 0.1 and 1 + 0.1.
        float[] param = [1, 1], m = new float[2], v = new float[2];
        OptimizerKernels.Adam<float>(param, [4, -0.5f], m, v, lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1);
        Assert.Equal(0.9f, param[0], 5);
        Assert.Equal(1.1f, param[1], 5);
        Assert.Throws<ArgumentException>(() => OptimizerKernels.Adam<float>(param, new float[3], m, v, 0.1, 0.9, 0.999, 1e-8, 1));
    }
}
