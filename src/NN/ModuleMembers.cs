using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;

namespace Autograd.NN;

/// <summary>What a discovered member of a module holds, decided by its declaration alone.</summary>
internal enum MemberKind
{
    /// <summary>A <see cref="Tensor{T}"/> marked [Parameter].</summary>
    Parameter,
    /// <summary>A <see cref="Tensor{T}"/> marked [Buffer].</summary>
    Buffer,
    /// <summary>A single sub-module.</summary>
    Module,
}

/// <summary>One instance field of a module type that holds a parameter, a buffer or a sub-module.</summary>
internal sealed record ModuleMember(FieldInfo Field, string Name, MemberKind Kind, bool Persistent, bool Integer = false);

/// <summary>
/// Finds, once per module type, the instance fields (including auto-property backing fields) that hold tensors or
/// sub-modules, in declaration order with base-class fields first. Rejects what would silently hold state the module
/// cannot see: an unmarked tensor, and a raw array, list or dictionary of tensors or modules.
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
        string owner = TypeName(type), tensor = TypeName(typeof(Tensor<T>)), element = TypeName(typeof(T));
        foreach (var t in chain)
        {
            foreach (var field in t.GetFields(flags).OrderBy(f => f.MetadataToken))
            {
                if (field.IsDefined(typeof(ContainerItemsAttribute), false)) continue;
                var property = BackingProperty(t, field, flags);
                string name = StateDictNames.ToSnakeCase(property?.Name ?? field.Name);
                var buffer = Marked<BufferAttribute>(field, property);
                bool parameter = Marked<ParameterAttribute>(field, property) is not null;
                bool isTensor = field.FieldType == typeof(Tensor<T>);
                if ((buffer is not null || parameter) && !isTensor)
                    throw new InvalidOperationException($"{owner}.{name}: [Buffer] and [Parameter] apply to {tensor} members only");
                if (CollectionOfState(field.FieldType) is { } held)
                    throw new InvalidOperationException(held == typeof(Tensor<T>)
                        ? $"{owner}.{name}: a raw {TypeName(field.FieldType)} member is not supported (its tensors would not be parameters); hold them in a ParameterList<{element}>"
                        : $"{owner}.{name}: a raw {TypeName(field.FieldType)} member is not supported (its modules would not be children); hold them in a ModuleList<{element}>, or a ModuleDict<{element}> to name them");
                MemberKind kind;
                if (isTensor)
                {
                    if (buffer is not null && parameter)
                        throw new InvalidOperationException($"{owner}.{name}: a member cannot be both [Buffer] and [Parameter]");
                    if (buffer is null && !parameter)
                        throw new InvalidOperationException($"{owner}.{name}: a {tensor} member of a module must be marked [Parameter] (trained) or [Buffer] (state saved with the module; [Buffer(Persistent = false)] for one that is not saved)");
                    kind = parameter ? MemberKind.Parameter : MemberKind.Buffer;
                }
                else if (typeof(Module<T>).IsAssignableFrom(field.FieldType)) kind = MemberKind.Module;
                else continue;
                if (members.Any(m => m.Name == name))
                    throw new InvalidOperationException($"{owner}: two members map to the name '{name}'");
                members.Add(new ModuleMember(field, name, kind, buffer?.Persistent ?? true, buffer?.Integer ?? false));
            }
        }
        return [.. members];
    }

    /// <summary>The tensor or module type that a collection type (not itself a module) holds, through arrays,
    /// enumerables and dictionary values; null for anything else.</summary>
    private static Type? CollectionOfState(Type type)
    {
        if (typeof(Module<T>).IsAssignableFrom(type) || type == typeof(string)) return null;
        IEnumerable<Type> interfaces = type.IsInterface ? [type, .. type.GetInterfaces()] : type.GetInterfaces();
        foreach (var i in interfaces)
        {
            if (!i.IsGenericType || i.GetGenericTypeDefinition() != typeof(IEnumerable<>)) continue;
            var item = i.GetGenericArguments()[0];
            if (item.IsGenericType && item.GetGenericTypeDefinition() == typeof(KeyValuePair<,>)) item = item.GetGenericArguments()[1];
            if (item == typeof(Tensor<T>)) return item;
            if (typeof(Module<T>).IsAssignableFrom(item)) return typeof(Module<T>);
        }
        return null;
    }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(string)] = "string", [typeof(int)] = "int",
        [typeof(long)] = "long", [typeof(bool)] = "bool",
    };

    /// <summary>A type as C# writes it: "Tensor&lt;float&gt;[]", "List&lt;Linear&lt;double&gt;&gt;", "Net".</summary>
    internal static string TypeName(Type type)
    {
        if (Keywords.TryGetValue(type, out var keyword)) return keyword;
        if (type.IsArray) return TypeName(type.GetElementType()!) + "[]";
        string name = type.Name;
        int tick = name.IndexOf('`');
        if (tick < 0) return name;
        // A nested type of a generic type repeats its outer type's arguments first; show only its own.
        var args = type.GetGenericArguments();
        int own = int.Parse(name[(tick + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return $"{name[..tick]}<{string.Join(", ", args.Skip(args.Length - own).Select(TypeName))}>";
    }

    private static PropertyInfo? BackingProperty(Type owner, FieldInfo field, BindingFlags flags)
    {
        // The compiler names an auto-property's field "<Name>k__BackingField".
        string n = field.Name;
        if (!n.StartsWith('<')) return null;
        int end = n.IndexOf('>');
        return end > 1 ? owner.GetProperty(n[1..end], flags) : null;
    }

    private static TAttribute? Marked<TAttribute>(FieldInfo field, PropertyInfo? property) where TAttribute : Attribute =>
        field.GetCustomAttribute<TAttribute>(true) ?? property?.GetCustomAttribute<TAttribute>(true);
}
