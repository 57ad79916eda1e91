namespace Autograd.NN;

/// <summary>
/// Marks the field in which a container (<see cref="Sequential{T}"/>, <see cref="ModuleList{T}"/>,
/// <see cref="ModuleDict{T}"/>, <see cref="ParameterList{T}"/>) keeps its items: member discovery passes over it, since
/// the container lists its items itself (by overriding <see cref="Module{T}.NamedChildren"/> or its parameters).
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
internal sealed class ContainerItemsAttribute : Attribute;
