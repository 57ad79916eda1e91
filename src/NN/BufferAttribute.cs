namespace Autograd.NN;

/// <summary>
/// Marks a <see cref="Tensor{T}"/> field or auto-property of a <see cref="Module{T}"/> as a buffer: state that is not
/// trained (such as BatchNorm's running mean), listed by <see cref="Module{T}.NamedBuffers"/> but not by
/// <see cref="Module{T}.Parameters"/>. A persistent buffer (the default) is saved by <see cref="Module{T}.StateDict"/>
/// and restored by <see cref="Module{T}.LoadStateDict"/>; <c>[Buffer(Persistent = false)]</c> holds a constant that
/// is not saved, as PyTorch's <c>register_buffer(name, tensor, persistent=False)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = true)]
public sealed class BufferAttribute : Attribute
{
    /// <summary>Whether the buffer is part of the state dict (default true).</summary>
    public bool Persistent { get; set; } = true;

    /// <summary>
    /// Whether the buffer is a whole-number counter (such as BatchNorm's <c>num_batches_tracked</c>): held as a tensor of
    /// the module's element type, written to checkpoint files as <c>I64</c> (PyTorch's <c>torch.long</c>), and read back
    /// from any integer or floating-point dtype whose values are whole numbers.
    /// </summary>
    public bool Integer { get; set; }
}
