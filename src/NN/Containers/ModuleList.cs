using System.Collections;
using System.Globalization;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// A list of sub-modules, as PyTorch's <c>nn.ModuleList</c>: its modules are children named by position, so a member
/// <c>Layers</c> holding one gives parameters "layers.0.weight", "layers.1.weight", …. It has no forward of its own;
/// the owning module calls the modules it holds. Supports collection initialisers.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class ModuleList<T> : Module<T>, IReadOnlyList<Module<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ContainerItems] private readonly List<Module<T>> _modules = [];

    /// <summary>A list holding <paramref name="modules"/> in order.</summary>
    public ModuleList(params IEnumerable<Module<T>> modules) => AddRange(modules);

    /// <summary>The module at <paramref name="index"/>; setting it replaces that child.</summary>
    public Module<T> this[int index]
    {
        get => _modules[index];
        set => _modules[index] = value ?? throw new ArgumentNullException(nameof(value), "ModuleList: a module cannot be null");
    }

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Appends <paramref name="module"/> (PyTorch's <c>append</c>).</summary>
    public void Add(Module<T> module) =>
        _modules.Add(module ?? throw new ArgumentNullException(nameof(module), "ModuleList: a module cannot be null"));

    /// <summary>Appends every module of <paramref name="modules"/> in order (PyTorch's <c>extend</c>).</summary>
    public void AddRange(IEnumerable<Module<T>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
    }

    /// <summary>Inserts <paramref name="module"/> at <paramref name="index"/>; later modules move up one name.</summary>
    public void Insert(int index, Module<T> module) =>
        _modules.Insert(index, module ?? throw new ArgumentNullException(nameof(module), "ModuleList: a module cannot be null"));

    /// <summary>Removes the module at <paramref name="index"/>; later modules move down one name.</summary>
    public void RemoveAt(int index) => _modules.RemoveAt(index);

    /// <summary>The modules, named by position: "0", "1", ….</summary>
    public override IEnumerable<(string Name, Module<T> Module)> NamedChildren() =>
        _modules.Select(static (module, i) => (i.ToString(CultureInfo.InvariantCulture), module));

    /// <summary>Not supported: a ModuleList only holds modules; call them from the module that owns the list.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) =>
        throw new NotSupportedException("ModuleList has no Forward: call the modules it holds (or use Sequential<T> to chain them)");

    /// <inheritdoc />
    public IEnumerator<Module<T>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
