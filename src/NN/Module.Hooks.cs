using System.Numerics;

namespace Autograd.NN;

// How a module is called: Forward runs the hooks around ForwardCore. Further kinds of hook (a full backward hook, once
// tensors have hooks) go beside the forward ones here: one HookList each, run by Forward when present.
public abstract partial class Module<T>
{
    private HookList<Func<Module<T>, Tensor<T>, Tensor<T>?>>? _forwardPreHooks;
    private HookList<Func<Module<T>, Tensor<T>, Tensor<T>, Tensor<T>?>>? _forwardHooks;
    private bool _hasHooks;
    private bool _parametersClaimed;

    /// <summary>
    /// Calls the module on <paramref name="input"/> (PyTorch's <c>module(x)</c>): runs the forward pre-hooks, then
    /// <see cref="ForwardCore"/>, then the forward hooks, each kind in registration order. This is the one way to call a
    /// module, so containers, layers and users all call <c>Forward</c> and every call runs the hooks; without hooks it
    /// costs one field test. The first call also claims the parameters of the whole subtree (see <see cref="Parameter"/>).
    /// </summary>
    public Tensor<T> Forward(Tensor<T> input)
    {
        if (!_parametersClaimed) ClaimParameters();
        return _hasHooks ? ForwardWithHooks(input) : ForwardCore(input);
    }

    /// <summary>
    /// The module's computation, implemented by each module. Call it only through <see cref="Forward"/>, which runs the
    /// hooks around it.
    /// </summary>
    protected abstract Tensor<T> ForwardCore(Tensor<T> input);

    /// <summary>
    /// Registers <paramref name="hook"/>(module, input) to run before every <see cref="ForwardCore"/>, as PyTorch's
    /// <c>register_forward_pre_hook</c>: a non-null result replaces the input (for the later pre-hooks, the forward and
    /// the forward hooks). Several run in registration order. Dispose the returned handle to remove it.
    /// </summary>
    public IDisposable RegisterForwardPreHook(Func<Module<T>, Tensor<T>, Tensor<T>?> hook)
    {
        var handle = (_forwardPreHooks ??= new()).Add(hook);
        _hasHooks = true;
        return handle;
    }

    /// <summary>
    /// Registers <paramref name="hook"/>(module, input, output) to run after every <see cref="ForwardCore"/>, as
    /// PyTorch's <c>register_forward_hook</c>: it sees the input the forward received (after the pre-hooks), and a
    /// non-null result replaces the output (for the later hooks and the caller). Several run in registration order.
    /// Dispose the returned handle to remove it.
    /// </summary>
    public IDisposable RegisterForwardHook(Func<Module<T>, Tensor<T>, Tensor<T>, Tensor<T>?> hook)
    {
        var handle = (_forwardHooks ??= new()).Add(hook);
        _hasHooks = true;
        return handle;
    }

    private Tensor<T> ForwardWithHooks(Tensor<T> input)
    {
        if (_forwardPreHooks is not null)
            foreach (var entry in _forwardPreHooks.Entries)
                input = entry.Hook(this, input) ?? input;
        var output = ForwardCore(input);
        if (_forwardHooks is not null)
            foreach (var entry in _forwardHooks.Entries)
                output = entry.Hook(this, input, output) ?? output;
        return output;
    }
}
