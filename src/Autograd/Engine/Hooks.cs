using System.Numerics;

namespace Autograd.Engine;

/// <summary>
/// The hooks of one tensor and, during a backward pass, the gradient of a leaf that has hooks while its consumers
/// are still running (so that its hooks see the whole gradient once, summed over every use).
/// </summary>
internal sealed class TensorHooks<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(long Id, Func<Tensor<T>, Tensor<T>?> Hook)> _grad = [];
    private readonly List<(long Id, Action<Tensor<T>> Hook)> _postAccumulate = [];
    private static long s_ids;
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Tensor<T>, TensorHooks<T>> s_table = new();

    /// <summary>The hooks of <paramref name="tensor"/> (which has some).</summary>
    public static TensorHooks<T>? Of(Tensor<T> tensor) => s_table.TryGetValue(tensor, out var hooks) ? hooks : null;

    public static TensorHooks<T> GetOrAdd(Tensor<T> tensor) => s_table.GetValue(tensor, static _ => new TensorHooks<T>());

    /// <summary>Keep the gradient of this non-leaf in <see cref="Tensor{T}.Grad"/>.</summary>
    public bool RetainGrad;

    // Backward-pass state of a leaf with hooks: the stamp of the pass that counted its consumers, how many have not
    // run yet, and the gradient summed so far.
    public int Visit;
    public int Consumers;
    public Tensor<T>? Pending;

    public bool HasPostAccumulate => _postAccumulate.Count > 0;

    /// <summary>Starts this leaf's state for the backward pass <paramref name="stamp"/> (once per pass): no consumer
    /// counted yet, no gradient pending.</summary>
    public void BeginPass(int stamp)
    {
        if (Visit == stamp) return;
        Visit = stamp;
        Consumers = 0;
        Pending = null;
    }

    public RemovableHandle AddGrad(Func<Tensor<T>, Tensor<T>?> hook)
    {
        long id = Interlocked.Increment(ref s_ids);
        _grad.Add((id, hook));
        return new RemovableHandle(() => _grad.RemoveAll(h => h.Id == id));
    }

    public RemovableHandle AddPostAccumulate(Action<Tensor<T>> hook)
    {
        long id = Interlocked.Increment(ref s_ids);
        _postAccumulate.Add((id, hook));
        return new RemovableHandle(() => _postAccumulate.RemoveAll(h => h.Id == id));
    }

    /// <summary>Runs the gradient hooks in registration order; each sees the previous one's result and may replace it.</summary>
    public Tensor<T> RunGrad(Tensor<T> tensor, Tensor<T> grad)
    {
        for (int i = 0; i < _grad.Count; i++)
        {
            var replaced = _grad[i].Hook(grad);
            if (replaced is null) continue;
            if (!Shapes.Equal(replaced.Dims, tensor.Dims))
                throw new InvalidOperationException($"RegisterHook: hook {i} returned a gradient of shape {Shapes.Format(replaced.Dims)} for a tensor of shape {Shapes.Format(tensor.Dims)}{Producer(tensor)}");
            grad = replaced;
        }
        return grad;
    }

    public void RunPostAccumulate(Tensor<T> tensor)
    {
        for (int i = 0; i < _postAccumulate.Count; i++) _postAccumulate[i].Hook(tensor);
    }

    private static string Producer(Tensor<T> t) => t.GradFn is { } node ? $" (produced by '{node.Name}')" : " (a leaf)";
}
