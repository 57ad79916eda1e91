using Autograd.Checking;
using FsCheck;
using FsCheck.Xunit;

namespace Autograd.PropertyTests;

/// <summary>
/// What a user of Autograd.Testing writes: three-line FsCheck.Xunit properties over registered arbitraries (first and
/// second order, oracle: GradCheck.Verify's finite differences), and rows of their own run through the catalog's
/// properties, where a wrong row is caught (oracle: the reference written on plain arrays).
/// </summary>
public class UserPropertyTests
{
    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property SoftsignGradientsFirstAndSecondOrder(TensorCase<Specs.AnyTensor> c) =>
        GradCheck.Verify(xs => xs[0] / (xs[0].Abs() + 1.0), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property BroadcastProductGradients(TensorCase<Specs.BroadcastPair> c) =>
        GradCheck.Verify(xs => xs[0] * xs[1].Sin(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property MatMulGradients(TensorCase<Specs.MatMulPair> c) =>
        GradCheck.Verify(xs => xs[0].MatMul(xs[1]).Tanh(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property LogOfAProbabilityVector(TensorCase<Specs.SimplexTensor> c) =>
        GradCheck.Verify(xs => xs[0].Log(), c.Inputs).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property LogOfTheRootOfPositiveValues(TensorCase<Specs.PositiveTensor> c) =>
        GradCheck.Verify(xs => xs[0].Sqrt().Log(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property ThreeOperandsThatBroadcast(TensorCase<Specs.BroadcastTriple> c) =>
        GradCheck.Verify(xs => xs[0] * xs[1] + xs[2].Square(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property SquareOfASymmetricPositiveDefiniteMatrix(TensorCase<Specs.SpdMatrix> c) =>
        GradCheck.Verify(xs => xs[0].MatMul(xs[0]).Sum(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();

    // ⟨v, tanh(x)⟩ with the case's cotangent v (shaped like x): its gradient is the vector–Jacobian product vᵀ·J.
    [Property(Arbitrary = new[] { typeof(TensorArbitraries) }, MaxTest = 20, Replay = PropertyConfig.Replay)]
    public Property TanhAlongTheCasesCotangent(TensorCase<Specs.AnyTensorWithCotangent> c)
    {
        var v = c.Cotangent;
        return GradCheck.Verify(xs => (xs[0].Tanh() * v).Sum(), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();
    }

    /// <summary>softsign(x) = x / (1 + |x|), as a user's row: composite, away from the kink of |x| at 0.</summary>
    private static OpInfo<T> Softsign<T>(Func<double, double> reference) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
        new("Softsign", "Softsign()", x => x[0] / (x[0].Abs() + T.One), g => [TensorGen.AwayFrom(g, TensorGen.Shape(g), [0])],
            x => Naive.Map(x[0], reference));

    [Fact]
    public void AUserRowRunsTheCatalogProperties()
    {
        var row = Softsign<double>(v => v / (1 + Math.Abs(v)));
        OpProperties.Gradients(row, order: 1, maxTest: 20);
        OpProperties.Gradients(row, order: 2, maxTest: 20);
        OpProperties.Reference(row, maxTest: 20);
        OpProperties.FloatAgreement(row, Softsign<float>(v => v), maxTest: 20);
    }

    [Fact]
    public void AUserRowWithAWrongReferenceFailsAndIsShrunk()
    {
        // The reference forgets the 1 in the denominator: x / |x| = ±1 ≠ x / (1 + |x|) for every x, so every case fails,
        // and FsCheck's message shows the case shrunk to the simplest shape (rank 0) after "Shrunk".
        var wrong = Softsign<double>(v => v / Math.Abs(v));
        var e = Assert.ThrowsAny<Exception>(() => OpProperties.Reference(wrong, maxTest: 20));
        Assert.Contains("forward vs reference", e.Message);
        Assert.Matches(@"Shrunk[^\n]*\n[^\n]*x0 \[\] = ", e.Message);
    }
}
