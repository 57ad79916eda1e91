using System.Numerics;

namespace Autograd.NN;

// How a module is called: Forward runs the hooks around ForwardCore. Further kinds of hook (a full backward hook, once
// tensors have hooks) go beside the forward ones here: one HookList each, run by Forward when present.
public abstract partial class Module<T>
{
    private HookList<Func<Module<T>, Tensor<T>, Tensor<T>?>>? _forwardPreHooks;
    private HookList<Func<Module<T>, Tensor<T>, Tensor<T>, Tensor<T>?>>? _forwardHooks;
    private HookList<Func<Module<T>, Tensor<T>?, Tensor<T>, Tensor<T>?>>? _backwardHooks;
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

    /// <summary>Whether a hook was ever registered on this module (then a layer that fuses it with its neighbours calls it
    /// through <see cref="Forward"/> instead, so that its hooks run).</summary>
    internal bool HasHooks => _hasHooks;

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

    /// <summary>
    /// Registers <paramref name="hook"/>(module, gradInput, gradOutput) to run during backward, as PyTorch's
    /// <c>register_full_backward_hook</c>: gradOutput is ∂L/∂(this module's output) and gradInput ∂L/∂(its input), the
    /// whole gradient over every use inside the module, or null when the input requires no gradient (then the hook
    /// runs as soon as gradOutput is known). A non-null result replaces gradInput for the rest of the backward pass.
    /// Several run in registration order. Dispose the returned handle to remove it. Built on tensor hooks' machinery:
    /// the input and output pass through identity <see cref="Function{T}"/> nodes that see those gradients.
    /// </summary>
    public IDisposable RegisterFullBackwardHook(Func<Module<T>, Tensor<T>?, Tensor<T>, Tensor<T>?> hook)
    {
        var handle = (_backwardHooks ??= new()).Add(hook);
        _hasHooks = true;
        return handle;
    }

    private Tensor<T> ForwardWithHooks(Tensor<T> input)
    {
        if (_forwardPreHooks is not null)
            foreach (var entry in _forwardPreHooks.Entries)
                input = entry.Hook(this, input) ?? input;
        BackwardHookCall? call = null;
        if (_backwardHooks is { Entries.Length: > 0 } && Tensor.IsGradEnabled)
        {
            call = new BackwardHookCall(this, input.RequiresGrad);
            if (input.RequiresGrad) input = new GradientTap(call, atInput: true).Apply(input);
        }
        var output = ForwardCore(input);
        if (_forwardHooks is not null)
            foreach (var entry in _forwardHooks.Entries)
                output = entry.Hook(this, input, output) ?? output;
        if (call is not null && output.RequiresGrad) output = new GradientTap(call, atInput: false).Apply(output);
        return output;
    }

    /// <summary>One forward call's backward hooks: the output's gradient, kept until the input's arrives.</summary>
    private sealed class BackwardHookCall(Module<T> module, bool inputNeedsGrad)
    {
        private Tensor<T>? _gradOutput;

        public Tensor<T> AtOutput(Tensor<T> gradOutput)
        {
            _gradOutput = gradOutput;
            if (!inputNeedsGrad) Run(null, gradOutput);
            return gradOutput;
        }

        public Tensor<T> AtInput(Tensor<T> gradInput)
        {
            if (_gradOutput is null)
                throw new InvalidOperationException($"{module.GetType().Name}: backward hook: the gradient reached the module's input without passing its output");
            return Run(gradInput, _gradOutput) ?? gradInput;
        }

        private Tensor<T>? Run(Tensor<T>? gradInput, Tensor<T> gradOutput)
        {
            foreach (var entry in module._backwardHooks!.Entries)
                if (entry.Hook(module, gradInput, gradOutput) is { } replaced)
                {
                    if (gradInput is not null && !replaced.Shape.SequenceEqual(gradInput.Shape))
                        throw new InvalidOperationException($"{module.GetType().Name}: backward hook returned a gradient of shape {TensorShape.Format(replaced.Shape)} for an input of shape {TensorShape.Format(gradInput.Shape)}");
                    gradInput = replaced;
                }
            return gradInput;
        }
    }

    /// <summary>The identity, whose backward shows the gradient to the module's backward hooks.</summary>
    private sealed class GradientTap(BackwardHookCall call, bool atInput) : Function<T>
    {
        public override string Name => atInput ? "BackwardHookInput" : "BackwardHookOutput";

        public override string Formula(int input) => "∂x/∂x = 1 (the identity; the module's backward hooks see the gradient)";

        protected override Tensor<T> Forward(FunctionContext<T> ctx, Tensor<T>[] inputs) => inputs[0];

        protected override Tensor<T>?[] Backward(FunctionContext<T> ctx, Tensor<T> gradOutput) =>
            [atInput ? call.AtInput(gradOutput) : call.AtOutput(gradOutput)];
    }
}
