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
    }

    /// <summary>This module's own buffers (only those saved in the state dict with <paramref name="persistentOnly"/>).</summary>
    private protected virtual IEnumerable<(string Name, Tensor<T> Tensor)> LocalBuffers(bool persistentOnly)
    {
        foreach (var member in Members)
            if (member.Kind == MemberKind.Buffer && (member.Persistent || !persistentOnly) && member.Field.GetValue(this) is Tensor<T> tensor)
                yield return (member.Name, tensor);
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
