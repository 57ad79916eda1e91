using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Sub-modules by name in insertion order, as PyTorch's <c>nn.ModuleDict</c>: each is a child named by its key, so a
/// member <c>Blocks</c> holding one with key "encoder" gives parameters "blocks.encoder.weight". Keys are non-empty and
/// contain no '.'. It has no forward of its own. Supports collection initialisers: <c>{ ["encoder"] = … }</c>.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class ModuleDict<T> : Module<T>, IReadOnlyDictionary<string, Module<T>> where T : unmanaged, IFloatingPointIeee754<T>
{
    [ContainerItems] private readonly OrderedDictionary<string, Module<T>> _modules = new(StringComparer.Ordinal);

    /// <summary>An empty dictionary.</summary>
    public ModuleDict() { }

    /// <summary>A dictionary holding <paramref name="modules"/> in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module<T>>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (key, module) in modules) Add(key, module);
    }

    /// <summary>The module named <paramref name="key"/>; setting an existing key replaces it in place, a new key appends.</summary>
    public Module<T> this[string key]
    {
        get => _modules.TryGetValue(key, out var module) ? module
            : throw new KeyNotFoundException($"ModuleDict: no module named '{key}'; keys: {string.Join(", ", _modules.Keys.Select(k => $"'{k}'"))}");
        set => _modules[CheckKey(key)] = value ?? throw new ArgumentNullException(nameof(value), "ModuleDict: a module cannot be null");
    }

    /// <summary>Number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The keys in insertion order.</summary>
    public IEnumerable<string> Keys => _modules.Keys;

    /// <summary>The modules in insertion order.</summary>
    public IEnumerable<Module<T>> Values => _modules.Values;

    /// <summary>Adds <paramref name="module"/> under a new <paramref name="key"/>; throws if the key is taken.</summary>
    public void Add(string key, Module<T> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!_modules.TryAdd(CheckKey(key), module))
            throw new ArgumentException($"ModuleDict: a module named '{key}' is already present", nameof(key));
    }

    /// <summary>Removes the module named <paramref name="key"/>; false if there is none.</summary>
    public bool Remove(string key) => _modules.Remove(key);

    /// <inheritdoc />
    public bool ContainsKey(string key) => _modules.ContainsKey(key);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Module<T> value) => _modules.TryGetValue(key, out value);

    /// <summary>The modules, named by their keys.</summary>
    public override IEnumerable<(string Name, Module<T> Module)> NamedChildren() => _modules.Select(static p => (p.Key, p.Value));

    /// <summary>Not supported: a ModuleDict only holds modules; call them from the module that owns it.</summary>
    protected override Tensor<T> ForwardCore(Tensor<T> input) =>
        throw new NotSupportedException("ModuleDict has no Forward: call the modules it holds");

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Module<T>>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static string CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length == 0 || key.Contains('.'))
            throw new ArgumentException($"ModuleDict: key '{key}' must be non-empty and contain no '.' (it becomes part of dotted names)", nameof(key));
        return key;
    }
}
