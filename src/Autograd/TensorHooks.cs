using System.Numerics;
using Autograd.Engine;

namespace Autograd;

// Tensor hooks (PyTorch's register_hook, retain_grad, register_post_accumulate_grad_hook). A tensor without hooks
// costs the engine one null check per visit.
public sealed partial class Tensor<T>
{
    /// <summary>
    /// Registers <paramref name="hook"/> to run once per backward pass when the whole gradient with respect to this
    /// tensor is known (summed over all its uses; on a leaf, before it is added to <see cref="Grad"/>). Returning a
    /// tensor (of this tensor's shape) replaces the gradient; returning null keeps it. Several hooks run in
    /// registration order, each seeing the previous one's result. Dispose the returned handle to remove the hook.
    /// </summary>
    public RemovableHandle RegisterHook(Func<Tensor<T>, Tensor<T>?> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (!RequiresGrad)
            throw new InvalidOperationException($"RegisterHook: tensor of shape {Shapes.Format(Dims)} does not require grad, so no gradient will reach it");
        return GetOrAddHooks().AddGrad(hook);
    }

    /// <summary>
    /// Registers <paramref name="hook"/> to run on a leaf right after a backward pass added its gradient into
    /// <see cref="Grad"/> (the hook sees the leaf; read <c>leaf.Grad</c>). Distributed training starts reducing a
    /// gradient here while backward continues. Dispose the returned handle to remove it.
    /// </summary>
    public RemovableHandle RegisterPostAccumulateGradHook(Action<Tensor<T>> hook)
    {
        ArgumentNullException.ThrowIfNull(hook);
        if (GradFn is not null)
            throw new InvalidOperationException($"RegisterPostAccumulateGradHook: tensor of shape {Shapes.Format(Dims)} was produced by '{GradFn.Name}'; only leaves accumulate gradients (use RegisterHook on a non-leaf)");
        if (!RequiresGrad)
            throw new InvalidOperationException($"RegisterPostAccumulateGradHook: tensor of shape {Shapes.Format(Dims)} does not require grad");
        return GetOrAddHooks().AddPostAccumulate(hook);
    }

    /// <summary>Keeps the gradient of this non-leaf tensor in <see cref="Grad"/> after backward (leaves always keep
    /// theirs; on a leaf this does nothing). The gradient is the one after this tensor's hooks ran.</summary>
    public void RetainGrad()
    {
        if (!RequiresGrad)
            throw new InvalidOperationException($"RetainGrad: tensor of shape {Shapes.Format(Dims)} does not require grad");
        if (GradFn is null) return;
        GetOrAddHooks().RetainGrad = true;
    }

    /// <summary>True when <see cref="RetainGrad"/> was called on this non-leaf.</summary>
    public bool RetainsGrad => Hooks?.RetainGrad ?? false;
}
