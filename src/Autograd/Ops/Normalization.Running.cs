using System.Numerics;

namespace Autograd;

// Batch normalisation with running statistics (PyTorch's F.batch_norm): the training form is the fused batch-statistics
// op plus an unrecorded update of the running estimates; the evaluation form is a per-channel affine map.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Batch normalisation (Ioffe &amp; Szegedy 2015) of x [N, C, *] with running statistics, as PyTorch's
    /// <c>F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)</c>:
    /// y = (x − μ) / √(σ² + ε) · γ + β per channel. When <paramref name="training"/> (or with no running statistics)
    /// μ and σ² are the batch mean and biased variance (see <see cref="BatchNorm(Tensor{T}?, Tensor{T}?, double)"/>), and
    /// the running estimates [C] (if given) are updated in place, not recorded: r ← (1 − momentum)·r + momentum·s, using
    /// the unbiased variance σ²·n/(n − 1) with n = N·Π* for the running variance. Otherwise the running estimates are μ
    /// and σ², and y = x·s + t with s = γ/√(r_var + ε), t = β − r_mean·s is differentiable in x, γ and β (the running
    /// estimates are constants).
    /// </summary>
    public Tensor<T> BatchNorm(Tensor<T>? runningMean, Tensor<T>? runningVar, Tensor<T>? weight, Tensor<T>? bias,
        bool training, double momentum = 0.1, double eps = 1e-5)
    {
        if (Rank < 2)
            throw new ArgumentException($"BatchNorm: input must be [N, C, *], got shape {Shapes.Format(Dims)}");
        if ((runningMean is null) != (runningVar is null))
            throw new ArgumentException("BatchNorm: give both running mean and running variance, or neither");
        int channels = Dims[1];
        foreach (var (name, t) in new[] { ("running mean", runningMean), ("running variance", runningVar), ("weight", weight), ("bias", bias) })
            if (t is not null && (t.Rank != 1 || t.Dims[0] != channels))
                throw new ArgumentException($"BatchNorm: {name} has shape {Shapes.Format(t.Dims)} but the input has {channels} channels (input shape {Shapes.Format(Dims)})");
        if (training || runningMean is null)
        {
            int n = NumElements / Math.Max(channels, 1);
            if (training && n <= 1)
                throw new ArgumentException($"BatchNorm: expected more than 1 value per channel when training, got input shape {Shapes.Format(Dims)}");
            var y = BatchNorm(weight, bias, eps, out var mean, out var variance);
            if (training && runningMean is not null)
                UpdateRunningStats(runningMean, runningVar!, mean, variance, momentum, n);
            return y;
        }
        // Fixed statistics make the layer a per-channel affine map: two passes over x.
        var statShape = new int[Rank];
        Array.Fill(statShape, 1);
        statShape[1] = channels;
        Tensor<T> scale;
        using (Tensor.NoGrad()) scale = (runningVar!.Detach() + T.CreateChecked(eps)).Sqrt().Reciprocal();
        if (weight is not null) scale = scale * weight;
        var shift = -(runningMean.Detach() * scale);
        if (bias is not null) shift = shift + bias;
        return this * scale.Reshape(statShape) + shift.Reshape(statShape);
    }

    private static void UpdateRunningStats(Tensor<T> runningMean, Tensor<T> runningVar, double[] m, double[] v, double momentum, int n)
    {
        var rm = runningMean.AsSpan();
        var rv = runningVar.AsSpan();
        double unbias = n / (double)(n - 1);
        for (int c = 0; c < rm.Length; c++)
        {
            rm[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(rm[c]) + momentum * m[c]);
            rv[c] = T.CreateChecked((1 - momentum) * double.CreateChecked(rv[c]) + momentum * v[c] * unbias);
        }
    }
}
