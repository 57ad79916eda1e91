using System.Reflection;

namespace Autograd.PropertyTests;

/// <summary>Formats public members as short signatures, e.g. <c>Sum(int[], bool)</c> or <c>op_Addition(T, Tensor)</c>,
/// with <c>Tensor</c> for any <see cref="Tensor{T}"/> and <c>T</c> for the element type.</summary>
public static class Signatures
{
    /// <summary>The signature of <paramref name="method"/>.</summary>
    public static string Of(MethodInfo method) =>
        $"{method.Name}({string.Join(", ", method.GetParameters().Select(p => Type(p.ParameterType)))})";

    private static string Type(System.Type t)
    {
        if (t.IsArray) return Type(t.GetElementType()!) + "[]";
        if (t.IsGenericParameter || t == typeof(double)) return "T";
        if (t == typeof(int)) return "int";
        if (t == typeof(bool)) return "bool";
        if (t.IsGenericType)
        {
            var def = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            if (def == typeof(Tensor<>)) return "Tensor";
            if (def == typeof(Nullable<>)) return Type(args[0]) + "?";
            return $"{def.Name[..def.Name.IndexOf('`')]}<{string.Join(", ", args.Select(Type))}>";
        }
        return t.Name;
    }

    /// <summary>True when <paramref name="t"/> is a tensor, an array of tensors or a tuple of tensors (of any element type),
    /// possibly with typed positions beside them (Sort and TopK return (Values, IndexTensor Indices)).</summary>
    public static bool IsTensorResult(System.Type t) =>
        (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Tensor<>)) || (t.IsArray && IsTensorResult(t.GetElementType()!))
        || (t.IsGenericType && t.GetGenericTypeDefinition().FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal)
            && t.GetGenericArguments().Any(IsTensorResult) && t.GetGenericArguments().All(a => IsTensorResult(a) || a == typeof(IndexTensor)));

    /// <summary>Every public member of <see cref="Tensor{T}"/> (instance methods, property getters and operators) and
    /// public static method of <see cref="Tensor"/> that returns tensors.</summary>
    public static IEnumerable<MethodInfo> TensorProducingMembers()
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.DeclaredOnly;
        return typeof(Tensor<double>).GetMethods(flags | BindingFlags.Instance | BindingFlags.Static)
            .Concat(typeof(Tensor).GetMethods(flags | BindingFlags.Static))
            .Where(m => IsTensorResult(m.ReturnType));
    }
}
