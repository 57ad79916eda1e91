using System.Collections;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A chain of modules: Forward(x) = fₙ(… f₂(f₁(x))). Children are named "0", "1", … so parameters read "0.weight".
/// Supports collection initialisers: <c>new Sequential&lt;float&gt; { new Linear&lt;float&gt;(4, 8, g), new ReLU&lt;float&gt;() }</c>.
/// </summary>
public sealed class Sequential<T> : Module<T>, IEnumerable<Module<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ContainerItems] private readonly List<Module<T>> _layers = [];

    /// <summary>Creates the chain from <paramref name="layers"/> in order.</summary>
    public Sequential(params Module<T>[] layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends <paramref name="layer"/> and returns this chain.</summary>
    public Sequential<T> Add(Module<T> layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layer at <paramref name="index"/>.</summary>
    public Module<T> this[int index] => _layers[index];

    /// <summary>Number of layers.</summary>
    public int Count => _layers.Count;

    /// <summary>Applies the layers in order.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input)
    {
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        return x;
    }

    /// <summary>The layers, named by position: "0", "1", ….</summary>
    public override IEnumerable<(string Name, Module<T> Module)> NamedChildren() =>
        _layers.Select((layer, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), layer));

    /// <inheritdoc />
    public IEnumerator<Module<T>> GetEnumerator() => _layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
