using System.Globalization;
using System.Numerics;
using System.Text;

namespace Autograd.NN;

/// <summary>
/// Base class of every layer and model: a function <see cref="Forward"/> together with a tree of parameters, buffers
/// and sub-modules. Nothing needs registering: instance fields and auto-properties are found by reflection (once per
/// type), and what each member is follows from its declaration alone, never from the tensor it holds at some moment:
/// <list type="bullet">
/// <item>a <see cref="Tensor{T}"/> marked <see cref="ParameterAttribute"/> is a parameter (trained); its tensor is
/// made to require grad (see <see cref="Parameter"/>);</item>
/// <item>a <see cref="Tensor{T}"/> marked <see cref="BufferAttribute"/> is a buffer (state that is not trained);</item>
/// <item>an unmarked <see cref="Tensor{T}"/> member is an error: it must say which of the two it is;</item>
/// <item>a <see cref="Module{T}"/> is a child, named after the member; lists and dictionaries of modules or of
/// parameters are held by the containers <see cref="ModuleList{T}"/>, <see cref="ModuleDict{T}"/> and
/// <see cref="ParameterList{T}"/>, and a raw array, list or dictionary of modules or tensors is an error that says so.</item>
/// </list>
/// Names follow PyTorch ("fc1.weight", "layers.2.bias", "bn.running_mean"): member names in snake_case without leading
/// underscores (a property <c>RunningMean</c> is "running_mean"), so PyTorch's checkpoints load without renaming; names
/// known only at run time are added with <see cref="RegisterParameter"/> and <see cref="RegisterBuffer"/>.
/// A module is called through <see cref="Forward"/>, which runs its hooks around the <see cref="ForwardCore"/> that
/// each module implements.
/// </summary>
/// <typeparam name="T">Element type: <see cref="float"/> for training, <see cref="double"/> for gradient checks.</typeparam>
public abstract partial class Module<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>True in training mode (the default); false after <see cref="Eval"/>. Dropout and BatchNorm depend on it.</summary>
    public bool IsTraining { get; private set; } = true;

    private ModuleMember[] Members => ModuleMembers<T>.Of(GetType());

    /// <summary>Direct sub-modules with their names. The default reads members by reflection; containers override it.</summary>
    public virtual IEnumerable<(string Name, Module<T> Module)> NamedChildren()
    {
        foreach (var member in Members)
            if (member.Kind == MemberKind.Module && member.Field.GetValue(this) is Module<T> child)
                yield return (member.Name, child);
    }

    /// <summary>Direct sub-modules.</summary>
    public IEnumerable<Module<T>> Children() => NamedChildren().Select(static c => c.Module);

    /// <summary>This module (named "") and every descendant, in pre-order, each module once even if shared.</summary>
    public IEnumerable<(string Name, Module<T> Module)> NamedModules()
    {
        var seen = new HashSet<Module<T>>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module<T>)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (name, module) = stack.Pop();
            if (!seen.Add(module)) continue;
            yield return (name, module);
            foreach (var (childName, child) in module.NamedChildren().Reverse())
                stack.Push((Join(name, childName), child));
        }
    }

    /// <summary>This module and every descendant.</summary>
    public IEnumerable<Module<T>> Modules() => NamedModules().Select(static m => m.Module);

    /// <summary>The descendant at a dotted path such as "encoder.layers.1" ("" is this module).</summary>
    public Module<T> GetSubmodule(string path)
    {
        foreach (var (name, module) in NamedModules())
            if (name == path) return module;
        throw new ArgumentException($"{TypeName}: no sub-module named '{path}'; available: {string.Join(", ", NamedModules().Select(m => $"'{m.Name}'"))}");
    }

    /// <summary>Every parameter of this module and its descendants with its dotted name, each tensor once.</summary>
    public IEnumerable<(string Name, Tensor<T> Parameter)> NamedParameters() => NamedTensors(static m => m.LocalParameters());

    /// <summary>Every parameter of this module and its descendants (what an optimizer updates).</summary>
    public IEnumerable<Tensor<T>> Parameters() => NamedParameters().Select(static p => p.Parameter);

    /// <summary>Every buffer (non-trainable state such as running statistics) with its dotted name, persistent or not.</summary>
    public IEnumerable<(string Name, Tensor<T> Buffer)> NamedBuffers() => NamedTensors(static m => m.LocalBuffers(persistentOnly: false));

    private IEnumerable<(string, Tensor<T>)> NamedTensors(Func<Module<T>, IEnumerable<(string, Tensor<T>)>> local)
    {
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, tensor) in local(module))
                if (seen.Add(tensor)) yield return (Join(prefix, name), tensor);
    }

    /// <summary>Parameters then persistent buffers, by dotted name, as detached tensors sharing the module's storage.</summary>
    public OrderedDictionary<string, Tensor<T>> StateDict()
    {
        var state = new OrderedDictionary<string, Tensor<T>>();
        foreach (var (name, p) in NamedParameters()) state.Add(name, p.Detach());
        foreach (var (name, b) in NamedTensors(static m => m.LocalBuffers(persistentOnly: true))) state.Add(name, b.Detach());
        return state;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into this module's parameters and buffers, in place. Every name and
    /// shape is validated before anything changes: a shape mismatch always fails; with <paramref name="strict"/> a
    /// missing or unexpected key fails too. The exception lists every problem; the module is then left unchanged.
    /// Keys in the camelCase spelling of earlier versions of this library ("1.runningMean") load into today's PyTorch
    /// names ("1.running_mean"); the result lists them in <see cref="LoadStateDictResult.RenamedKeys"/>.
    /// </summary>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor<T>> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var renamed = StateDictNames.LegacyRenames([.. state.Keys], own.ContainsKey);
        if (renamed.Count > 0)
            state = state.ToDictionary(kv => renamed.GetValueOrDefault(kv.Key, kv.Key), kv => kv.Value, StringComparer.Ordinal);
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
        var problems = new List<string>();
        if (strict)
        {
            problems.AddRange(missing.Select(k => $"missing key '{k}' (shape {TensorShape.Format([.. own[k].Shape])})"));
            problems.AddRange(unexpected.Select(k => $"unexpected key '{k}'"));
        }
        foreach (var (name, target) in own)
            if (state.TryGetValue(name, out var source) && !source.Shape.SequenceEqual(target.Shape))
                problems.Add($"size mismatch for '{name}': state dict has shape {TensorShape.Format(source.Shape)}, module has {TensorShape.Format(target.Shape)}");
        if (problems.Count > 0)
            throw new ArgumentException($"LoadStateDict ({TypeName}): {string.Join("; ", problems)}; nothing was loaded");
        using (Tensor.NoGrad())
            foreach (var (name, target) in own)
                if (state.TryGetValue(name, out var source)) target.CopyFrom(source);
        return new LoadStateDictResult(missing, unexpected) { RenamedKeys = renamed };
    }

    /// <summary>Sets training mode (<paramref name="mode"/> true) or evaluation mode on this module and all descendants.</summary>
    public Module<T> Train(bool mode = true)
    {
        foreach (var module in Modules()) module.IsTraining = mode;
        return this;
    }

    /// <summary>Evaluation mode for this module and all descendants: same as <c>Train(false)</c>.</summary>
    public Module<T> Eval() => Train(false);

    /// <summary>Clears <see cref="Tensor{T}.Grad"/> of every parameter to null (<see cref="Tensor{T}.ZeroGrad"/>: the
    /// engine's gradient buffers are taken back for the next backward, so a gradient read before this can no longer be
    /// read; Clone() it to keep it).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Stops training this module's parameters (and its descendants'): sets their RequiresGrad to false. They stay
    /// parameters (in <see cref="Parameters"/> and <see cref="StateDict"/>), and no later read turns RequiresGrad back on.</summary>
    public Module<T> Freeze() => SetRequiresGrad(false);

    /// <summary>Makes this module's parameters (and its descendants') trainable again.</summary>
    public Module<T> Unfreeze() => SetRequiresGrad(true);

    private Module<T> SetRequiresGrad(bool value)
    {
        foreach (var p in Parameters()) p.RequiresGrad = value;
        return this;
    }

    /// <summary>Σ of the element counts of the parameters (only those that require grad with <paramref name="trainableOnly"/>).</summary>
    public long ParameterCount(bool trainableOnly = false) =>
        Parameters().Where(p => !trainableOnly || p.RequiresGrad).Sum(static p => (long)p.NumElements);

    /// <summary>Calls <paramref name="action"/> on every descendant and then on this module (children before parents, as PyTorch does).</summary>
    public Module<T> Apply(Action<Module<T>> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        foreach (var module in Modules().Reverse()) action(module);
        return this;
    }

    /// <summary>The hyper-parameters shown between the parentheses of <see cref="ToString"/>, e.g. "inFeatures=784, outFeatures=10, bias=true".</summary>
    protected virtual string ExtraRepr() => "";

    /// <summary>The type name without generic arity, e.g. "Linear".</summary>
    protected string TypeName
    {
        get
        {
            string n = GetType().Name;
            int tick = n.IndexOf('`');
            return tick < 0 ? n : n[..tick];
        }
    }

    /// <summary>
    /// A nested summary in the style of a printed PyTorch model: one line per module with its hyper-parameters and
    /// the parameter count of each leaf, then the total and trainable counts.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        WriteTree(sb, 0);
        long total = ParameterCount(), trainable = ParameterCount(trainableOnly: true);
        sb.AppendLine().Append(CultureInfo.InvariantCulture, $"Parameters: {total:N0} (trainable {trainable:N0})");
        return sb.ToString();
    }

    private void WriteTree(StringBuilder sb, int indent)
    {
        sb.Append(TypeName).Append('(').Append(ExtraRepr());
        var children = NamedChildren().ToList();
        if (children.Count == 0)
        {
            sb.Append(')');
            long count = LocalParameters().Sum(static p => (long)p.Item2.NumElements);
            if (count > 0) sb.Append(CultureInfo.InvariantCulture, $"  [{count:N0} params]");
            return;
        }
        sb.AppendLine();
        foreach (var (name, child) in children)
        {
            sb.Append(' ', indent + 2).Append('(').Append(name).Append("): ");
            child.WriteTree(sb, indent + 2);
            sb.AppendLine();
        }
        sb.Append(' ', indent).Append(')');
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
}
