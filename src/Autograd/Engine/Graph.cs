using System.Numerics;

namespace Autograd.Engine;

/// <summary>
/// The reverse-mode engine: records nodes, counts each node's consumers iteratively, seeds the root,
/// applies each node's local derivative once all its consumers have run, sums gradients to input shapes, accumulates.
/// </summary>
internal static class Graph
{
    private static int s_stamp;

    /// <summary>True while this thread runs the derivatives of a <see cref="Backward{T}"/> pass that adds leaf
    /// gradients in place (not <see cref="Grad{T}"/>, not createGraph); see <see cref="LeafGradToAccumulate{T}"/>.</summary>
    [ThreadStatic] private static bool t_accumulateInPlace;

    public static bool ShouldRecord<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T> =>
        GradMode.IsEnabled && a.RequiresGrad;

    public static bool ShouldRecord<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    public static Tensor<T> Record<T>(Tensor<T> result, string name, Tensor<T> a, Derivative<T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ShouldRecord(a)) result.GradFn = new Node<T>(name, [a], derivative);
        return result;
    }

    public static Tensor<T> Record<T>(Tensor<T> result, string name, Tensor<T> a, Tensor<T> b, Derivative<T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (ShouldRecord(a, b)) result.GradFn = new Node<T>(name, [a, b], derivative);
        return result;
    }

    public static Tensor<T> Record<T>(Tensor<T> result, string name, Tensor<T>[] inputs, Derivative<T> derivative)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!GradMode.IsEnabled) return result;
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.GradFn = new Node<T>(name, inputs, derivative);
            break;
        }
        return result;
    }

    public static void Backward<T>(Tensor<T> root, Tensor<T>? gradient, bool retainGraph, bool createGraph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor of shape {Shapes.Format(root.Dims)} does not require grad and has no grad_fn (did you forget RequiresGrad = true on an input, or compute it under NoGrad?)");
        if (gradient is null)
        {
            if (root.NumElements != 1)
                throw new InvalidOperationException($"Backward: output has shape {Shapes.Format(root.Dims)}; backward without a gradient needs a one-element output (reduce it first, or pass a gradient of shape {Shapes.Format(root.Dims)})");
            gradient = Tensor.OnesLike(root);
        }
        else if (!Shapes.Equal(gradient.Dims, root.Dims))
            throw new ArgumentException($"Backward: gradient has shape {Shapes.Format(gradient.Dims)} but the output has shape {Shapes.Format(root.Dims)}");
        Run([root], [gradient], retainGraph, createGraph, null);
    }

    /// <summary>Functional form: d(outputs)/d(inputs) weighted by gradOutputs, without touching any .Grad.</summary>
    public static Tensor<T>[] Grad<T>(IReadOnlyList<Tensor<T>> outputs, IReadOnlyList<Tensor<T>> inputs,
        IReadOnlyList<Tensor<T>>? gradOutputs, bool retainGraph, bool createGraph, bool allowUnused)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (outputs.Count == 0) throw new ArgumentException("Grad: no outputs given");
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"Grad: {outputs.Count} outputs but {gradOutputs.Count} gradOutputs");
        var seeds = new Tensor<T>[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var o = outputs[i];
            if (!o.RequiresGrad)
                throw new InvalidOperationException($"Grad: output {i} (shape {Shapes.Format(o.Dims)}) does not require grad");
            if (gradOutputs is null)
            {
                if (o.NumElements != 1)
                    throw new InvalidOperationException($"Grad: output {i} has shape {Shapes.Format(o.Dims)}; pass gradOutputs for non-scalar outputs");
                seeds[i] = Tensor.OnesLike(o);
            }
            else
            {
                if (!Shapes.Equal(gradOutputs[i].Dims, o.Dims))
                    throw new ArgumentException($"Grad: gradOutputs[{i}] has shape {Shapes.Format(gradOutputs[i].Dims)} but output {i} has shape {Shapes.Format(o.Dims)}");
                seeds[i] = gradOutputs[i];
            }
        }
        var targets = new Dictionary<Tensor<T>, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Count; i++)
        {
            if (!inputs[i].RequiresGrad)
                throw new InvalidOperationException($"Grad: input {i} (shape {Shapes.Format(inputs[i].Dims)}) does not require grad");
            targets.TryAdd(inputs[i], i);
        }
        var results = Run([.. outputs], seeds, retainGraph, createGraph, targets)!;
        var grads = new Tensor<T>[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var g = results[targets[inputs[i]]];
            if (g is null)
            {
                if (!allowUnused)
                    throw new InvalidOperationException($"Grad: input {i} (shape {Shapes.Format(inputs[i].Dims)}) was not used to compute the outputs; pass allowUnused: true to get zeros");
                g = Tensor.ZerosLike(inputs[i]);
            }
            grads[i] = g;
        }
        return grads;
    }

    private static Tensor<T>?[]? Run<T>(Tensor<T>[] roots, Tensor<T>[] seeds, bool retainGraph, bool createGraph,
        Dictionary<Tensor<T>, int>? targets)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var ready = CountConsumers(roots);
        var results = targets is null ? null : new Tensor<T>?[targets.Count == 0 ? 0 : targets.Values.Max() + 1];
        using var mode = GradMode.Set(createGraph);
        Tensor<T>? current = null;
        bool outer = t_accumulateInPlace;
        t_accumulateInPlace = !createGraph && targets is null;
        try
        {
            for (int i = 0; i < roots.Length; i++)
                Deliver(roots[i], seeds[i], createGraph, targets, results);
            // Kahn's order: a node runs once every node consuming it has run, so its gradient is complete.
            while (ready.Count > 0)
            {
                var t = current = ready.Pop();
                var node = t.GradFn!;
                var g = t.PendingGrad;
                t.PendingGrad = null;
                var inputs = node.Inputs;
                var grads = g is null ? null : node.Derivative!(g, t, inputs);
                for (int j = 0; j < inputs.Length; j++)
                {
                    var input = inputs[j];
                    var gi = grads?[j];
                    if (gi is not null && input.RequiresGrad)
                    {
                        if (!Shapes.Equal(gi.Dims, input.Dims)) gi = SumToInput(node.Name, gi, input);
                        Deliver(input, gi, createGraph, targets, results);
                    }
                    if (input.GradFn is { } child && --child.Consumers == 0) ready.Push(input);
                }
                if (g is not null && !retainGraph) node.Release();
            }
        }
        catch
        {
            ClearPending(ready, current);
            throw;
        }
        finally
        {
            t_accumulateInPlace = outer;
        }
        return results;
    }

    /// <summary>
    /// For a derivative that can add its contribution to <paramref name="input"/>'s gradient in place (e.g. a GEMM
    /// that accumulates into its output): the leaf's existing <see cref="Tensor{T}.Grad"/> when this backward pass
    /// would add into it anyway (a Backward, not Grad or createGraph; a leaf that requires grad whose Grad is contiguous,
    /// unrecorded, of its shape, and shares no storage with <paramref name="operands"/>); otherwise null. A derivative
    /// that adds into the returned tensor returns null for that input, so the engine adds nothing more; the result is
    /// what delivering the gradient would have produced, without the temporary and the separate add pass.
    /// </summary>
    internal static Tensor<T>? LeafGradToAccumulate<T>(Tensor<T> input, params ReadOnlySpan<Tensor<T>> operands)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!t_accumulateInPlace || input.GradFn is not null || !input.RequiresGrad) return null;
        if (input.Grad is not { IsContiguous: true, GradFn: null } grad || !Shapes.Equal(grad.Dims, input.Dims)) return null;
        foreach (var operand in operands)
            if (ReferenceEquals(operand.Storage, grad.Storage)) return null;
        return grad;
    }

    private static Tensor<T> SumToInput<T>(string op, Tensor<T> grad, Tensor<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return grad.SumTo(input.Dims);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Backward of '{op}': gradient of shape {Shapes.Format(grad.Dims)} cannot be summed to the input's shape {Shapes.Format(input.Dims)}", e);
        }
    }

    /// <summary>Hands a gradient to a tensor: pending for a non-leaf, accumulated into .Grad (or the result) for a leaf.</summary>
    private static void Deliver<T>(Tensor<T> t, Tensor<T> g, bool createGraph, Dictionary<Tensor<T>, int>? targets, Tensor<T>?[]? results)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (targets is not null && targets.TryGetValue(t, out int k))
            results![k] = results[k] is null ? g : results[k]! + g;
        if (t.GradFn is not null)
        {
            t.PendingGrad = t.PendingGrad is null ? g : t.PendingGrad + g;
            return;
        }
        if (targets is not null) return;
        if (createGraph || (t.Grad is not null && (t.Grad.GradFn is not null || !t.Grad.IsContiguous)))
            t.Grad = (t.Grad is null ? g : t.Grad + g).Keep(); // a leaf's gradient outlives any TensorScope
        else if (t.Grad is null)
            t.Grad = new Tensor<T>(g.ToArray(), (int[])t.Dims.Clone());
        else
            Kernels.Strided.AddInto<T>(g.Storage, g.Layout, t.Grad.Span);
    }

    /// <summary>
    /// Counts, on every node reachable from the roots, the edges into it from reachable nodes, by an explicit-stack
    /// traversal (no recursion), and checks that none was freed. Returns a stack holding the roots no reachable node
    /// consumes: the first nodes ready to run.
    /// </summary>
    private static Stack<Tensor<T>> CountConsumers<T>(Tensor<T>[] roots) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stamp = Interlocked.Increment(ref s_stamp);
        var stack = new Stack<Tensor<T>>();
        foreach (var root in roots)
        {
            if (root.GradFn is not { } node || node.Visit == stamp) continue;
            CheckLive(node);
            node.Visit = stamp;
            node.Consumers = 0;
            stack.Push(root);
        }
        while (stack.Count > 0)
        {
            foreach (var input in stack.Pop().GradFn!.Inputs)
            {
                if (input.GradFn is not { } child) continue;
                if (child.Visit == stamp)
                {
                    child.Consumers++;
                    continue;
                }
                CheckLive(child);
                child.Visit = stamp;
                child.Consumers = 1;
                stack.Push(input);
            }
        }
        foreach (var root in roots)
        {
            if (root.GradFn is not { Consumers: 0 } node) continue;
            node.Consumers = -1; // queued: a root listed twice runs once
            stack.Push(root);
        }
        return stack;
    }

    /// <summary>
    /// After a failed backward, drops the gradients still pending. Every tensor holding one is reachable, through nodes
    /// not yet run (so not yet freed), from a node that was ready or running when the failure happened.
    /// </summary>
    private static void ClearPending<T>(Stack<Tensor<T>> ready, Tensor<T>? current) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stamp = Interlocked.Increment(ref s_stamp);
        if (current is not null) ready.Push(current);
        while (ready.Count > 0)
        {
            var t = ready.Pop();
            t.PendingGrad = null;
            foreach (var input in t.GradFn!.Inputs)
            {
                if (input.GradFn is not { } child || child.Visit == stamp) continue;
                child.Visit = stamp;
                ready.Push(input);
            }
        }
    }

    private static void CheckLive<T>(Node<T> node) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (node.Released)
            throw new InvalidOperationException($"Backward: the graph through '{node.Name}' was already freed by an earlier backward; pass retainGraph: true to the first Backward/Grad call to backpropagate twice");
    }
}
