using System.Numerics;

namespace Autograd.NN;

/// <summary>Batch normalisation of [N, C, H, W] inputs over N, H and W per channel; see <see cref="BatchNorm{T}"/>.</summary>
public sealed class BatchNorm2d<T> : BatchNorm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Creates the layer for <paramref name="numFeatures"/> channels.</summary>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true)
        : base(numFeatures, eps, momentum, affine) { }

    /// <inheritdoc />
    protected override bool AcceptsRank(int rank) => rank == 4;

    /// <inheritdoc />
    protected override string ExpectedLayout => "[N, C, H, W]";
}
