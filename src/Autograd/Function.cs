using System.Collections.ObjectModel;
using System.Numerics;
using Autograd.Engine;

namespace Autograd;

/// <summary>
/// A differentiable function with a backward of its own (PyTorch's <c>torch.autograd.Function</c>). Subclass it,
/// write <see cref="Forward"/> (it runs without recording; save what the backward needs through the context) and
/// <see cref="Backward"/> (one gradient per input, null for none), then call <see cref="Apply"/>. If the backward is
/// written with differentiable tensor ops, gradients of gradients work through it; declare
/// <see cref="IsOnceDifferentiable"/> when it is not, and differentiating it twice throws an error naming the function.
/// Built-in ops record the same kind of <see cref="Node{T}"/>, so the engine treats both alike.
/// </summary>
/// <example>
/// <code>
/// sealed class Softplus : Function&lt;double&gt;
/// {
///     protected override Tensor&lt;double&gt; Forward(FunctionContext&lt;double&gt; ctx, Tensor&lt;double&gt;[] x)
///     {
///         ctx.SaveForBackward(x[0]);
///         return x[0].Relu() + ((-x[0].Abs()).Exp() + 1).Log();  // log(1 + eˣ), stable
///     }
///     protected override Tensor&lt;double&gt;?[] Backward(FunctionContext&lt;double&gt; ctx, Tensor&lt;double&gt; g) =>
///         [g * ctx.SavedTensors[0].Sigmoid()];                      // d/dx = σ(x)
/// }
/// var y = new Softplus().Apply(x);
/// </code>
/// </example>
public abstract class Function<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The name shown in graph views and error messages; the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>True when <see cref="Backward"/> is not itself differentiable (for example it uses raw spans): its
    /// gradients can still be computed under createGraph, but differentiating them throws an error naming this function.</summary>
    protected virtual bool IsOnceDifferentiable => false;

    /// <summary>The local derivative with respect to input <paramref name="input"/>, shown by the graph view
    /// (override to give the formula, e.g. <c>"∂softplus(x)/∂x = σ(x)"</c>).</summary>
    public virtual string Formula(int input) => $"∂{Name}/∂x{Subscript(input)}: the backward of {Name}";

    /// <summary>Computes the output from <paramref name="inputs"/>; runs without recording (as under NoGrad).</summary>
    protected abstract Tensor<T> Forward(FunctionContext<T> ctx, Tensor<T>[] inputs);

    /// <summary>Given d(loss)/d(output), returns d(loss)/d(input) for each input, null where there is none.
    /// Ops used here are recorded when the backward runs under createGraph.</summary>
    protected abstract Tensor<T>?[] Backward(FunctionContext<T> ctx, Tensor<T> gradOutput);

    /// <summary>Runs <see cref="Forward"/> and, when some input requires grad and grad mode is on, records a node whose
    /// derivative is <see cref="Backward"/>.</summary>
    public Tensor<T> Apply(params Tensor<T>[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"{Name}.Apply: input {i} is null");
        var ctx = new FunctionContext<T>(this, inputs);
        Tensor<T> output;
        using (Tensor.NoGrad()) output = Forward(ctx, (Tensor<T>[])inputs.Clone());
        if (output is null) throw new InvalidOperationException($"{Name}.Forward returned null");
        if (Anomaly.Open != 0) Anomaly.Forward(new OpInfo(Name, Saved.None, Name), output, inputs);
        if (!ctx.AnyNeedsGrad || ctx.IsNonDifferentiable(output)) return output;
        // The output gets a node of its own: a tensor Forward returned as it was (an input, a saved tensor) is aliased.
        if (output.GradFn is not null || output.RequiresGrad || Array.Exists(inputs, x => ReferenceEquals(x, output)))
            output = new Tensor<T>(output.Store, output.Offset, output.Dims, output.Strides);
        ctx.Output = output;
        var info = new OpInfo(Name, Saved.None, Name);
        // The node keeps its own array of inputs: a caller reusing its array afterwards cannot change the graph.
        output.GradFn = new RichNode<T>(info, (Tensor<T>[])inputs.Clone(), (g, _, _) => RunBackward(ctx, g), output, null, null, ctx);
        if (Anomaly.Open != 0) Anomaly.Remember(output.GradFn);
        return output;
    }

    private Tensor<T>?[] RunBackward(FunctionContext<T> ctx, Tensor<T> gradOutput)
    {
        if (!IsOnceDifferentiable || !GradMode.IsEnabled) return CheckedGrads(ctx, Backward(ctx, gradOutput));
        // createGraph through a once-differentiable backward: compute the gradients unrecorded, and give each a node
        // that refuses to be differentiated (what PyTorch's @once_differentiable does).
        Tensor<T>?[] grads;
        using (Tensor.NoGrad()) grads = CheckedGrads(ctx, Backward(ctx, gradOutput));
        var sources = Array.FindAll(ctx.Inputs, x => x.RequiresGrad);
        if (gradOutput.RequiresGrad) sources = [gradOutput, .. sources];
        var refusal = new OpInfo(Name + "Backward", Saved.None, $"the backward of {Name} is once-differentiable");
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } gi || sources.Length == 0) continue;
            var alias = new Tensor<T>(gi.Store, gi.Offset, gi.Dims, gi.Strides);
            alias.GradFn = new Node<T>(refusal, sources, (_, _, _) => throw new InvalidOperationException(
                $"{Name}: its backward is declared once-differentiable (IsOnceDifferentiable), so its gradients cannot be differentiated again"), alias);
            grads[i] = alias;
        }
        return grads;
    }

    private Tensor<T>?[] CheckedGrads(FunctionContext<T> ctx, Tensor<T>?[]? grads)
    {
        if (grads is null) throw new InvalidOperationException($"{Name}.Backward returned null; return one gradient (or null) per input");
        if (grads.Length != ctx.Inputs.Length)
            throw new InvalidOperationException($"{Name}.Backward returned {grads.Length} gradients for {ctx.Inputs.Length} inputs");
        for (int i = 0; i < grads.Length; i++)
        {
            if (grads[i] is not { } gi) continue;
            if (!ctx.NeedsInputGrad(i)) grads[i] = null; // a shape that does not sum to the input's fails in the engine, naming this function
        }
        return grads;
    }

    internal static string Subscript(int i) => string.Concat(i.ToString(System.Globalization.CultureInfo.InvariantCulture).Select(c => (char)('₀' + (c - '0'))));
}

/// <summary>
/// What <see cref="Function{T}.Forward"/> and <see cref="Function{T}.Backward"/> share (PyTorch's <c>ctx</c>): the
/// tensors saved for backward (checked against in-place changes when read), which inputs need a gradient, which
/// outputs are not differentiable. Subclasses of <see cref="Function{T}"/> may keep other state in their own fields.
/// </summary>
public sealed class FunctionContext<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly bool[] _needs;
    private Tensor<T>[] _saved = [];
    private int[] _versions = [];
    private List<Tensor<T>>? _nonDifferentiable;
    private bool _released;

    internal FunctionContext(Function<T> function, Tensor<T>[] inputs)
    {
        Function = function;
        Inputs = inputs;
        _needs = new bool[inputs.Length];
        bool enabled = GradMode.IsEnabled;
        for (int i = 0; i < inputs.Length; i++) AnyNeedsGrad |= _needs[i] = enabled && inputs[i].RequiresGrad;
    }

    internal Function<T> Function { get; }
    internal Tensor<T>[] Inputs { get; }
    internal Tensor<T>? Output { get; set; }
    internal bool AnyNeedsGrad { get; }

    /// <summary>Whether input <paramref name="input"/> needs a gradient (it requires grad and grad mode was on at
    /// <see cref="Function{T}.Apply"/>). Valid in Forward and in Backward.</summary>
    public bool NeedsInputGrad(int input)
    {
        if ((uint)input >= (uint)_needs.Length)
            throw new ArgumentOutOfRangeException(nameof(input), $"{Function.Name}: NeedsInputGrad({input}) but the function has {_needs.Length} inputs");
        return _needs[input];
    }

    /// <summary>Saves tensors for <see cref="Function{T}.Backward"/>; reading them there throws if any was changed in
    /// place in between. Call once (a later call replaces the list).</summary>
    public void SaveForBackward(params Tensor<T>[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        _saved = (Tensor<T>[])tensors.Clone();
        _versions = Array.ConvertAll(_saved, t => t?.Version ?? 0);
    }

    /// <summary>The tensors given to <see cref="SaveForBackward"/>, in order. Reading throws when one was modified in
    /// place since it was saved (naming the function, the tensor's shape and both versions), or when the graph was freed.</summary>
    public IReadOnlyList<Tensor<T>> SavedTensors
    {
        get
        {
            if (_released)
                throw new InvalidOperationException($"{Function.Name}: its saved tensors were freed by an earlier backward; pass retainGraph: true to backpropagate twice");
            for (int i = 0; i < _saved.Length; i++)
            {
                int now = _saved[i].Version;
                if (now != _versions[i])
                    throw new InvalidOperationException(
                        $"Backward of '{Function.Name}': saved tensor {i}, of shape {Shapes.Format(_saved[i].Dims)}, was modified in place after it was saved " +
                        $"(version {_versions[i]} when saved, {now} now). Make the change on a Clone(), or after backward.");
            }
            return new ReadOnlyCollection<Tensor<T>>(_saved);
        }
    }

    internal IReadOnlyList<Tensor<T>> SavedUnchecked => new ReadOnlyCollection<Tensor<T>>(_saved);

    /// <summary>Declares outputs that are not differentiable (e.g. indices): they are returned without a node and
    /// do not require grad.</summary>
    public void MarkNonDifferentiable(params Tensor<T>[] outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        (_nonDifferentiable ??= []).AddRange(outputs);
    }

    internal bool IsNonDifferentiable(Tensor<T> output) =>
        _nonDifferentiable is not null && _nonDifferentiable.Exists(t => ReferenceEquals(t, output));

    internal void Release()
    {
        _released = true;
        _saved = [];
    }
}
