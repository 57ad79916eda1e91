using System.Collections;
using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A list of parameters, as PyTorch's <c>nn.ParameterList</c>: each tensor is a parameter of the list named by its
/// position, so a member <c>Params</c> holding one gives "params.0", "params.1", …. A tensor is made a parameter when
/// it is added (see <see cref="Module{T}.Parameter"/>: it is made to require grad once). It has no forward of its
/// own. Supports collection initialisers.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class ParameterList<T> : Module<T>, IReadOnlyList<Tensor<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ContainerItems] private readonly List<Tensor<T>> _parameters = [];

    /// <summary>A list holding <paramref name="parameters"/> in order.</summary>
    public ParameterList(params IEnumerable<Tensor<T>> parameters) => AddRange(parameters);

    /// <summary>The parameter at <paramref name="index"/>; setting it replaces that parameter.</summary>
    public Tensor<T> this[int index]
    {
        get => _parameters[index];
        set => _parameters[index] = Parameter(value);
    }

    /// <summary>Number of parameters.</summary>
    public int Count => _parameters.Count;

    /// <summary>Appends <paramref name="parameter"/>, a leaf tensor, and makes it require grad (the first time it is made a parameter).</summary>
    public void Add(Tensor<T> parameter) => _parameters.Add(Parameter(parameter));

    /// <summary>Appends every tensor of <paramref name="parameters"/> in order.</summary>
    public void AddRange(IEnumerable<Tensor<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var parameter in parameters) Add(parameter);
    }

    /// <summary>The parameters, named by position: "0", "1", ….</summary>
    private protected override IEnumerable<(string Name, Tensor<T> Tensor)> LocalParameters() =>
        _parameters.Select(static (p, i) => (i.ToString(CultureInfo.InvariantCulture), p));

    /// <summary>Not supported: a ParameterList only holds parameters; use them from the module that owns it.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) =>
        throw new NotSupportedException("ParameterList has no Forward: use the parameters it holds");

    /// <inheritdoc />
    public IEnumerator<Tensor<T>> GetEnumerator() => _parameters.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
