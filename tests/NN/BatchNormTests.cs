using Autograd.NN;

namespace Autograd.Tests.NN;

public class BatchNormTests
{
    [Fact]
    public void TrainingNormalisesWithBatchStatsAndUpdatesRunningStats()
    {
        // Oracle (hand computation), channel 0 = [1, 2, 3, 4], channel 1 = [2, 2, 2, 6]:
        //   means 2.5 and 3; biased variances 1.25 and 3 (= (1+1+1+9)/4); unbiased 5/3 and 4.
        //   running mean = 0.9·0 + 0.1·mean = [0.25, 0.3]; running var = 0.9·1 + 0.1·unbiased = [1.0666…, 1.3].
        //   y = (x − mean)/√(var_biased + 1e-5).
        var bn = new BatchNorm1d<double>(2);
        var x = Tensor.FromArray(new double[] { 1, 2, 2, 2, 3, 2, 4, 6 }, [4, 2]);
        var y = bn.Forward(x).ToArray();
        Assert.Equal(0.25, bn.RunningMean.ToArray()[0], 12);
        Assert.Equal(0.3, bn.RunningMean.ToArray()[1], 12);
        Assert.Equal(0.9 + 0.1 * 5.0 / 3, bn.RunningVar.ToArray()[0], 12);
        Assert.Equal(1.3, bn.RunningVar.ToArray()[1], 12);
        Assert.Equal((1 - 2.5) / Math.Sqrt(1.25 + 1e-5), y[0], 12);
        Assert.Equal((6 - 3.0) / Math.Sqrt(3 + 1e-5), y[7], 12);
    }

    [Fact]
    public void EvalUsesRunningStatsAndAffine()
    {
        // Oracle: y = (x − r_mean)/√(r_var + ε)·γ + β with the running stats of the previous test after one step
        // and γ = [2, 3], β = [1, −1]; x = [5, 7] ⇒ [(5 − 0.25)/√(1.0666…+1e-5)·2 + 1, (7 − 0.3)/√(1.3+1e-5)·3 − 1].
        var bn = new BatchNorm1d<double>(2);
        bn.Forward(Tensor.FromArray(new double[] { 1, 2, 2, 2, 3, 2, 4, 6 }, [4, 2]));
        using (Tensor.NoGrad())
        {
            bn.Weight!.CopyFrom(Tensor.FromArray(new double[] { 2, 3 }));
            bn.Bias!.CopyFrom(Tensor.FromArray(new double[] { 1, -1 }));
        }
        bn.Eval();
        var y = bn.Forward(Tensor.FromArray(new double[] { 5, 7 }, [1, 2])).ToArray();
        Assert.Equal((5 - 0.25) / Math.Sqrt(0.9 + 0.1 * 5.0 / 3 + 1e-5) * 2 + 1, y[0], 12);
        Assert.Equal((7 - 0.3) / Math.Sqrt(1.3 + 1e-5) * 3 - 1, y[1], 12);
        // Eval does not touch the running stats.
        Assert.Equal(0.25, bn.RunningMean.ToArray()[0], 12);
    }

    [Fact]
    public void ThreeDimInputReducesOverBatchAndLength()
    {
        // Oracle: for [N, C, L] the statistics run over N·L values per channel: channel 0 = {0, 1, 2, 3}
        // (mean 1.5, unbiased var 5/3), channel 1 = {10, 10, 10, 10} (mean 10, var 0).
        var bn = new BatchNorm1d<double>(2, momentum: 1.0);
        bn.Forward(Tensor.FromArray(new double[] { 0, 1, 10, 10, 2, 3, 10, 10 }, [2, 2, 2]));
        Assert.Equal(new[] { 1.5, 10 }, bn.RunningMean.ToArray());
        Assert.Equal(5.0 / 3, bn.RunningVar.ToArray()[0], 12);
        Assert.Equal(0.0, bn.RunningVar.ToArray()[1], 12);
    }

    [Fact]
    public void TwoDimStatisticsArePerChannelOverBatchHeightWidth()
    {
        // Oracle: channel c of x[n, c, h, w] = c·100 + (n·4 + h·2 + w) has mean c·100 + 3.5 over its 8 values 0..7.
        var values = new double[2 * 2 * 2 * 2];
        for (int n = 0; n < 2; n++) for (int c = 0; c < 2; c++) for (int i = 0; i < 4; i++)
            values[((n * 2 + c) * 4) + i] = c * 100 + n * 4 + i;
        var bn = new BatchNorm2d<double>(2, momentum: 1.0);
        var y = bn.Forward(Tensor.FromArray(values, [2, 2, 2, 2]));
        Assert.Equal(new[] { 3.5, 103.5 }, bn.RunningMean.ToArray());
        // Unbiased variance of 0..7 is 6; normalised output has mean 0 per channel.
        Assert.Equal(6.0, bn.RunningVar.ToArray()[0], 12);
        Assert.Equal(0.0, y.Mean([0, 2, 3]).ToArray()[1], 12);
    }

    [Fact]
    public void GradientsPassFiniteDifferencesInTrainingAndEval()
    {
        // Oracle: finite differences, first and second order, through batch statistics (training) and fixed ones (eval).
        var g = new Generator(3);
        var bn1 = new BatchNorm1d<double>(3);
        Init.Normal(bn1.Weight!, g);
        Init.Normal(bn1.Bias!, g);
        ModuleGradCheck.Assert(bn1, ModuleGradCheck.Input(1, 4, 3));
        ModuleGradCheck.Assert(new BatchNorm1d<double>(2), ModuleGradCheck.Input(2, 3, 2, 2));
        var bn2 = new BatchNorm2d<double>(2);
        Init.Normal(bn2.Weight!, g);
        ModuleGradCheck.Assert(bn2, ModuleGradCheck.Input(3, 2, 2, 2, 2));
        bn2.Eval();
        ModuleGradCheck.Assert(bn2, ModuleGradCheck.Input(4, 2, 2, 2, 2));
    }

    [Fact]
    public void BadInputsFailByName()
    {
        // Oracle: the layer's contract (rank and channel count), and PyTorch's one-value-per-channel rule in training.
        var bn = new BatchNorm2d<float>(3);
        Assert.Contains("expected input [N, C, H, W]", Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros<float>(2, 3))).Message);
        Assert.Contains("input has 4 channels, expected 3", Assert.Throws<ArgumentException>(() => bn.Forward(Tensor.Zeros<float>(2, 4, 1, 1))).Message);
        Assert.Contains("more than 1 value per channel", Assert.Throws<ArgumentException>(() => new BatchNorm1d<float>(3).Forward(Tensor.Zeros<float>(1, 3))).Message);
    }

    [Fact]
    public void AffineFalseHasNoParametersButKeepsBuffers()
    {
        // Oracle: PyTorch's BatchNorm(affine=False) has no weight/bias but still tracks running stats, under PyTorch's
        // buffer names (nn.BatchNorm1d(4, affine=False).state_dict().keys()).
        var bn = new BatchNorm1d<float>(4, affine: false);
        Assert.Equal(0, bn.ParameterCount());
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], bn.NamedBuffers().Select(b => b.Name).ToArray());
        Assert.Contains("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=false)", bn.ToString());
    }
}
