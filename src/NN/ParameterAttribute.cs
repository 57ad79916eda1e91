namespace Autograd.NN;

/// <summary>
/// Marks a <see cref="Tensor{T}"/> field or auto-property of a <see cref="Module{T}"/> as a parameter: listed by
/// <see cref="Module{T}.Parameters"/> and saved by <see cref="Module{T}.StateDict"/> whatever its RequiresGrad, so
/// that freezing never hides it. The tensor it holds is made to require grad once (see
/// <see cref="Module{T}.Parameter"/>). Every tensor member of a module is marked either this or
/// <see cref="BufferAttribute"/>; an unmarked one is an error.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class ParameterAttribute : Attribute;
