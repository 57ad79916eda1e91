using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;

namespace Autograd.NN;

/// <summary>What a discovered member of a module holds.</summary>
internal enum MemberKind
{
    /// <summary>A <see cref="Tensor{T}"/>: a parameter, a buffer, or (unmarked and not requiring grad) a plain constant.</summary>
    Tensor,
    /// <summary>A single sub-module.</summary>
    Module,
    /// <summary>An array or list of sub-modules, named "field.0", "field.1", ….</summary>
    ModuleList,
}

/// <summary>One instance field of a module type that can hold parameters, buffers or sub-modules.</summary>
internal sealed record ModuleMember(FieldInfo Field, string Name, MemberKind Kind, bool MarkedParameter, bool MarkedBuffer);

/// <summary>
/// Finds, once per module type, the instance fields (including auto-property backing fields) that hold
/// tensors, sub-modules or lists of sub-modules, in declaration order with base-class fields first.
/// </summary>
internal static class ModuleMembers<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly ConcurrentDictionary<Type, ModuleMember[]> Cache = new();

    /// <summary>The members of <paramref name="type"/>, discovered by reflection on first use and cached.</summary>
    public static ModuleMember[] Of(Type type) => Cache.GetOrAdd(type, Discover);

    private static ModuleMember[] Discover(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(Module<T>); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var members = new List<ModuleMember>();
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var t in chain)
        {
            foreach (var field in t.GetFields(flags).OrderBy(f => f.MetadataToken))
            {
                MemberKind? kind = KindOf(field.FieldType);
                if (kind is null) continue;
                var property = BackingProperty(t, field, flags);
                string name = ToCamelCase(property?.Name ?? field.Name);
                bool buffer = Marked<BufferAttribute>(field, property);
                bool parameter = Marked<ParameterAttribute>(field, property);
                if (buffer && parameter)
                    throw new InvalidOperationException($"{type.Name}.{name}: a member cannot be both [Buffer] and [Parameter]");
                if ((buffer || parameter) && kind != MemberKind.Tensor)
                    throw new InvalidOperationException($"{type.Name}.{name}: [Buffer] and [Parameter] apply to Tensor<{typeof(T).Name}> members only");
                if (members.Any(m => m.Name == name))
                    throw new InvalidOperationException($"{type.Name}: two members map to the name '{name}'");
                members.Add(new ModuleMember(field, name, kind.Value, parameter, buffer));
            }
        }
        return [.. members];
    }

    private static MemberKind? KindOf(Type fieldType)
    {
        if (fieldType == typeof(Tensor<T>)) return MemberKind.Tensor;
        if (typeof(Module<T>).IsAssignableFrom(fieldType)) return MemberKind.Module;
        if (typeof(IEnumerable<Module<T>>).IsAssignableFrom(fieldType)) return MemberKind.ModuleList;
        return null;
    }

    private static PropertyInfo? BackingProperty(Type owner, FieldInfo field, BindingFlags flags)
    {
        // The compiler names an auto-property's field "<Name>k__BackingField".
        string n = field.Name;
        if (!n.StartsWith('<')) return null;
        int end = n.IndexOf('>');
        return end > 1 ? owner.GetProperty(n[1..end], flags) : null;
    }

    private static bool Marked<TAttribute>(FieldInfo field, PropertyInfo? property) where TAttribute : Attribute =>
        field.IsDefined(typeof(TAttribute), true) || (property?.IsDefined(typeof(TAttribute), true) ?? false);

    /// <summary>"_fc1" → "fc1", "Weight" → "weight", "FC1" → "fc1", "RunningMean" → "runningMean", "HTTPLayer" → "httpLayer".</summary>
    internal static string ToCamelCase(string name)
    {
        name = name.TrimStart('_');
        int upper = 0;
        while (upper < name.Length && char.IsUpper(name[upper])) upper++;
        if (upper == 0) return name;
        if (upper > 1 && upper < name.Length && char.IsLower(name[upper])) upper--;
        return name[..upper].ToLowerInvariant() + name[upper..];
    }
}
