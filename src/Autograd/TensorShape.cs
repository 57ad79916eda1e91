namespace Autograd;

/// <summary>
/// Shape helpers for code built on the core (layers, losses, users' own modules) that validates shapes and names them
/// in error messages, with the same text and rules the core's own ops use.
/// </summary>
public static class TensorShape
{
    /// <summary>The shape as the core prints it in messages, e.g. "[128, 784]" ("[]" for a scalar).</summary>
    public static string Format(ReadOnlySpan<int> shape) => Shapes.Format(shape);

    /// <summary>The shape as the core prints it in messages, e.g. "[128, 784]"; takes <see cref="Tensor{T}.Shape"/> directly.</summary>
    public static string Format(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return Shapes.Format([.. shape]);
    }

    /// <summary>Number of elements of a tensor of <paramref name="shape"/>: Π shape[i] (1 for the scalar shape []);
    /// throws if it exceeds <see cref="int.MaxValue"/>.</summary>
    public static int NumElements(ReadOnlySpan<int> shape) => Shapes.Size(shape);

    /// <summary>
    /// NumPy broadcasting of two shapes (aligned at the trailing dim; each pair of sizes must be equal or contain a 1),
    /// as <c>torch.broadcast_shapes</c>: [3, 1] with [4] gives [3, 4]. Throws <see cref="ArgumentException"/> naming both
    /// shapes and the first dim that disagrees.
    /// </summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => Shapes.Broadcast("Broadcast", a, b);

    /// <summary>
    /// Whether a tensor of <paramref name="shape"/> broadcasts to <paramref name="target"/> without changing it (as
    /// <c>Expand</c> requires): no more dims than the target, and each dim, aligned at the trailing end, 1 or the
    /// target's. [1, 4] and [4] broadcast to [3, 4]; [3, 4] does not broadcast to [4].
    /// </summary>
    public static bool BroadcastsTo(IReadOnlyList<int> shape, IReadOnlyList<int> target)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(target);
        return Shapes.BroadcastsTo([.. shape], [.. target]);
    }
}
