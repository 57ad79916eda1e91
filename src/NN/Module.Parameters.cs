using System.Numerics;
using System.Runtime.CompilerServices;

namespace Autograd.NN;

// Which tensors are parameters and buffers, and when a parameter is made to require grad.
public abstract partial class Module<T>
{
    // Tensors that have been made parameters (by Parameter, by ParameterList, or by a module's first read of a
    // [Parameter] member). From then on their RequiresGrad belongs to the user: Freeze, Unfreeze or a direct assignment
    // sticks, and no later read turns it back on. A property of the tensor, kept beside it because Tensor<T> has no slot.
    private static readonly ConditionalWeakTable<Tensor<T>, object> Claimed = new();

    // Per [Parameter] member, the tensor this module last claimed there, so that a read claims each tensor once.
    private Tensor<T>?[]? _claimedMembers;

    // Parameters and buffers registered by name at run time (RegisterParameter, RegisterBuffer), after the members.
    private List<Registered>? _registered;

    private sealed class Registered(string name, MemberKind kind, bool persistent, Tensor<T>? tensor)
    {
        public string Name { get; } = name;
        public MemberKind Kind { get; } = kind;
        public bool Persistent { get; } = persistent;
        public Tensor<T>? Tensor { get; set; } = tensor;
    }

    /// <summary>
    /// Adds a parameter named <paramref name="name"/>, as PyTorch's <c>register_parameter</c>: for state whose names are
    /// only known at run time, such as a recurrent layer's "weight_ih_l0", "weight_ih_l1", …. The tensor (a leaf) is made
    /// to require grad as by <see cref="Parameter"/>; null reserves the name without a tensor (listed by nothing, as
    /// PyTorch's <c>register_parameter(name, None)</c>). Registering the same name again replaces the tensor. Registered
    /// parameters come after the [Parameter] members in <see cref="NamedParameters"/> and the state dict.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is taken by a member or a buffer; or the
    /// tensor is not a leaf.</exception>
    protected void RegisterParameter(string name, Tensor<T>? tensor) =>
        Register(name, MemberKind.Parameter, persistent: true, tensor is null ? null : Parameter(tensor));

    /// <summary>
    /// Adds a buffer named <paramref name="name"/> (state that is not trained), as PyTorch's <c>register_buffer</c>;
    /// <paramref name="persistent"/> false keeps it out of the state dict. Registering the same name again replaces the
    /// tensor. Registered buffers come after the [Buffer] members.
    /// </summary>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is taken by a member or a parameter.</exception>
    protected void RegisterBuffer(string name, Tensor<T>? tensor, bool persistent = true) =>
        Register(name, MemberKind.Buffer, persistent, tensor);

    private void Register(string name, MemberKind kind, bool persistent, Tensor<T>? tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        string what = kind == MemberKind.Parameter ? "parameter" : "buffer";
        if (name.Contains('.'))
            throw new ArgumentException($"{TypeName}: {what} name '{name}' must not contain '.' (dots separate sub-modules)", nameof(name));
        if (Members.Any(m => m.Name == name))
            throw new ArgumentException($"{TypeName}: {what} name '{name}' is taken by a member of the module", nameof(name));
        var entries = _registered ??= [];
        var existing = entries.Find(r => r.Name == name);
        if (existing is not null && (existing.Kind != kind || existing.Persistent != persistent))
            throw new ArgumentException($"{TypeName}: '{name}' is already registered as a {(existing.Kind == MemberKind.Parameter ? "parameter" : existing.Persistent ? "buffer" : "non-persistent buffer")}", nameof(name));
        if (existing is not null) existing.Tensor = tensor;
        else entries.Add(new Registered(name, kind, persistent, tensor));
    }

    /// <summary>
    /// Makes <paramref name="tensor"/> a parameter, as PyTorch's <c>nn.Parameter(tensor)</c>: sets RequiresGrad and
    /// returns it. Assign the result to a member marked <see cref="ParameterAttribute"/>:
    /// <c>Weight = Parameter(Tensor.Zeros&lt;T&gt;(out, in));</c>. A tensor put in such a member without this call is made
    /// to require grad when the module first reads the member (its first <see cref="Forward"/>,
    /// <see cref="Parameters"/>, <see cref="StateDict"/>, <see cref="Freeze"/>, …); either way that happens once per
    /// tensor, so clearing RequiresGrad afterwards (or <see cref="Freeze"/>) is never undone.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor was computed by an op (parameters are leaves).</exception>
    protected static Tensor<T> Parameter(Tensor<T> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!Claim(tensor))
            throw new ArgumentException($"Parameter: a parameter must be a leaf tensor, but this one (shape {TensorShape.Format(tensor.Shape)}) was computed by '{tensor.GradFnName}'; Detach() it first");
        return tensor;
    }

    /// <summary>Makes a leaf tensor require grad the first time it is claimed; false for a non-leaf.</summary>
    private protected static bool Claim(Tensor<T> tensor)
    {
        if (!tensor.IsLeaf) return false;
        if (Claimed.TryAdd(tensor, Claimed)) tensor.RequiresGrad = true;
        return true;
    }

    /// <summary>
    /// This module's own parameters (not its children's) with their local names. The default reads the members marked
    /// <see cref="ParameterAttribute"/>, claiming each tensor found there once (see <see cref="Parameter"/>);
    /// <see cref="ParameterList{T}"/> overrides it.
    /// </summary>
    private protected virtual IEnumerable<(string Name, Tensor<T> Tensor)> LocalParameters()
    {
        var members = Members;
        for (int i = 0; i < members.Length; i++)
        {
            var member = members[i];
            if (member.Kind != MemberKind.Parameter || member.Field.GetValue(this) is not Tensor<T> tensor) continue;
            var claimed = _claimedMembers ??= new Tensor<T>?[members.Length];
            if (!ReferenceEquals(claimed[i], tensor))
            {
                if (!Claim(tensor))
                    throw new InvalidOperationException($"{TypeName}.{member.Name}: a parameter must be a leaf tensor, but this one (shape {TensorShape.Format(tensor.Shape)}) was computed by '{tensor.GradFnName}'; Detach() it, or mark the member [Buffer]");
                claimed[i] = tensor;
            }
            yield return (member.Name, tensor);
        }
        if (_registered is null) yield break;
        foreach (var entry in _registered)
            if (entry.Kind == MemberKind.Parameter && entry.Tensor is { } tensor)
                yield return (entry.Name, tensor);
    }

    /// <summary>This module's own buffers (only those saved in the state dict with <paramref name="persistentOnly"/>).</summary>
    private protected virtual IEnumerable<(string Name, Tensor<T> Tensor)> LocalBuffers(bool persistentOnly)
    {
        foreach (var member in Members)
            if (member.Kind == MemberKind.Buffer && (member.Persistent || !persistentOnly) && member.Field.GetValue(this) is Tensor<T> tensor)
                yield return (member.Name, tensor);
        if (_registered is null) yield break;
        foreach (var entry in _registered)
            if (entry.Kind == MemberKind.Buffer && (entry.Persistent || !persistentOnly) && entry.Tensor is { } tensor)
                yield return (entry.Name, tensor);
    }

    /// <summary>The dotted names of the persistent buffers marked <see cref="BufferAttribute.Integer"/> in this module and
    /// its descendants: the state-dict entries that files hold as I64.</summary>
    internal HashSet<string> IntegerBufferNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (prefix, module) in NamedModules())
            foreach (var member in module.Members)
                if (member is { Kind: MemberKind.Buffer, Persistent: true, Integer: true } && member.Field.GetValue(module) is Tensor<T>)
                    names.Add(Join(prefix, member.Name));
        return names;
    }

    /// <summary>Claims the parameters of this module and its descendants (see <see cref="Parameter"/>); run by the first
    /// <see cref="Forward"/> so that a model called before anything asked for its parameters still gets gradients.</summary>
    private void ClaimParameters()
    {
        foreach (var (_, module) in NamedModules())
        {
            foreach (var _ in module.LocalParameters()) { }
            module._parametersClaimed = true;
        }
    }
}
