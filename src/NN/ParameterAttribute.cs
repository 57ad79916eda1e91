namespace Autograd.NN;

/// <summary>
/// Marks a <see cref="Tensor{T}"/> field or auto-property of a <see cref="Module{T}"/> as a parameter even when it
/// does not require grad when the module is first inspected. Unmarked tensor members are parameters when they
/// require grad at that moment (the usual case: create them with <c>requiresGrad: true</c>). The built-in layers mark
/// their parameters, so that freezing one by clearing RequiresGrad right after construction cannot hide it.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class ParameterAttribute : Attribute;
