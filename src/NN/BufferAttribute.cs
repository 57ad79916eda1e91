namespace Autograd.NN;

/// <summary>
/// Marks a <see cref="Tensor{T}"/> field or auto-property of a <see cref="Module{T}"/> as a buffer: non-trainable
/// state (such as BatchNorm's running mean) that <see cref="Module{T}.StateDict"/> saves and
/// <see cref="Module{T}.LoadStateDict"/> restores, but that is not returned by <see cref="Module{T}.Parameters"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class BufferAttribute : Attribute;
