using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A residual connection (He et al. 2016): y = P(x) + F(x), where F is the body and P the projection, or the identity
/// when no projection is given (the shapes of x and F(x) must then agree). ∂y/∂x = ∂P/∂x + ∂F/∂x, so the gradient
/// reaches x directly through the skip path.
/// </summary>
public sealed class ResidualBlock<T> : Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The residual branch F.</summary>
    public Module<T> Body { get; }

    /// <summary>The skip-path projection P, or null for the identity.</summary>
    public Module<T>? Projection { get; }

    /// <summary>Wraps <paramref name="body"/> with an optional <paramref name="projection"/> on the skip path.</summary>
    public ResidualBlock(Module<T> body, Module<T>? projection = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        Body = body;
        Projection = projection;
    }

    /// <summary>
    /// The usual two-layer MLP block F(x) = W₂·relu(W₁·x + b₁) + b₂ (hidden width defaulting to
    /// <paramref name="outFeatures"/>), with a bias-free Linear projection when the feature counts differ.
    /// </summary>
    public ResidualBlock(int inFeatures, int outFeatures, Generator generator, int? hiddenFeatures = null)
        : this(new Sequential<T>(
                new Linear<T>(inFeatures, hiddenFeatures ?? outFeatures, generator),
                new ReLU<T>(),
                new Linear<T>(hiddenFeatures ?? outFeatures, outFeatures, generator)),
            inFeatures == outFeatures ? null : new Linear<T>(inFeatures, outFeatures, generator, bias: false))
    { }

    /// <summary>y = P(x) + F(x).</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var fx = Body.Forward(input);
        var skip = Projection?.Forward(input) ?? input;
        if (!fx.Shape.SequenceEqual(skip.Shape))
            throw new ArgumentException($"ResidualBlock: body output shape {TensorShape.Format(fx.Shape)} differs from the skip path's shape {TensorShape.Format(skip.Shape)}; give a projection");
        return skip + fx;
    }
}
