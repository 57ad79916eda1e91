using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>
/// A set of parameters sharing hyper-parameters (as PyTorch's param_groups). Options given here override the
/// optimizer's defaults for these parameters only; the rest are filled in from the defaults when the group is added.
/// Names follow PyTorch: "lr", "weight_decay", "momentum", "dampening", "beta1", "beta2", "eps", "alpha", "lr_decay", …
/// </summary>
/// <typeparam name="T">Element type of the parameters.</typeparam>
public sealed class ParamGroup<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Dictionary<string, double> _options;
    private string? _owner;

    /// <summary>A group of <paramref name="parameters"/> with optional overrides of the learning rate, weight decay and other options.</summary>
    public ParamGroup(IEnumerable<Tensor<T>> parameters, double? learningRate = null, double? weightDecay = null,
        IReadOnlyDictionary<string, double>? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = [.. parameters];
        _options = options is null ? [] : new Dictionary<string, double>(options);
        if (learningRate is { } lr) _options["lr"] = lr;
        if (weightDecay is { } wd) _options["weight_decay"] = wd;
    }

    /// <summary>The parameters (leaf tensors) updated with this group's options.</summary>
    public IReadOnlyList<Tensor<T>> Parameters { get; }

    /// <summary>Every option of the group by name (complete once the group belongs to an optimizer).</summary>
    public IReadOnlyDictionary<string, double> Options => _options;

    /// <summary>An option by name; once the group belongs to an optimizer only that optimizer's option names are accepted.</summary>
    public double this[string name]
    {
        get => _options.TryGetValue(name, out var v) ? v
            : throw new KeyNotFoundException($"ParamGroup: no option '{name}'{(_owner is null ? "" : $" in this {_owner} group")} (has: {string.Join(", ", _options.Keys)})");
        set
        {
            if (_owner is not null && !_options.ContainsKey(name))
                throw new KeyNotFoundException($"ParamGroup: {_owner} has no option '{name}' (has: {string.Join(", ", _options.Keys)})");
            _options[name] = value;
        }
    }

    /// <summary>The learning rate γ ("lr").</summary>
    public double LearningRate { get => this["lr"]; set => this["lr"] = value; }

    /// <summary>The weight decay λ ("weight_decay").</summary>
    public double WeightDecay { get => this["weight_decay"]; set => this["weight_decay"] = value; }

    /// <summary>Fills in missing options from <paramref name="defaults"/>, rejects unknown ones, and binds the group to its optimizer.</summary>
    internal void Attach(string owner, IReadOnlyDictionary<string, double> defaults)
    {
        if (_owner is not null) throw new InvalidOperationException($"{owner}: this parameter group already belongs to an optimizer ({_owner})");
        foreach (var key in _options.Keys)
            if (!defaults.ContainsKey(key))
                throw new ArgumentException($"{owner}: unknown option '{key}' in a parameter group (known: {string.Join(", ", defaults.Keys)})");
        foreach (var (key, value) in defaults) _options.TryAdd(key, value);
        _owner = owner;
    }
}
