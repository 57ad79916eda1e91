using System.Numerics;

namespace Autograd.Engine;

/// <summary>
/// The reverse-mode engine: records nodes (Graph.Record.cs), counts each node's consumers iteratively (or, for a plain
/// backward from one root, starts from the uses recorded with the graph and counts only when a node is left waiting),
/// seeds the root, applies each node's local derivative once all its consumers have run, sums gradients to input
/// shapes, accumulates.
/// </summary>
internal static partial class Graph
{
    private static int s_stamp;

    public static void Backward<T>(Tensor<T> root, Tensor<T>? gradient, bool retainGraph, bool createGraph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor of shape {Shapes.Format(root.Dims)} does not require grad and has no grad_fn (did you forget RequiresGrad = true on an input, or compute it under NoGrad?)");
        bool ownSeed = gradient is null;
        if (gradient is null)
        {
            if (root.NumElements != 1)
                throw new InvalidOperationException($"Backward: output has shape {Shapes.Format(root.Dims)}; backward without a gradient needs a one-element output (reduce it first, or pass a gradient of shape {Shapes.Format(root.Dims)})");
            gradient = Tensor.OnesLike(root);
        }
        else if (!Shapes.Equal(gradient.Dims, root.Dims))
            throw new ArgumentException($"Backward: gradient has shape {Shapes.Format(gradient.Dims)} but the output has shape {Shapes.Format(root.Dims)}");
        Run([root], [gradient], retainGraph, createGraph, null, ownSeed);
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
        var results = Run([.. outputs], seeds, retainGraph, createGraph, targets, ownSeeds: gradOutputs is null)!;
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

    /// <summary>One backward pass from <paramref name="roots"/> seeded with <paramref name="seeds"/>; with
    /// <paramref name="targets"/>, the gradients of those tensors are returned instead of accumulated. When
    /// <paramref name="ownSeeds"/>, the seeds are the engine's own (ones it made where no gradient was given), so the
    /// pass may scale them in place.</summary>
    private static Tensor<T>?[]? Run<T>(Tensor<T>[] roots, Tensor<T>[] seeds, bool retainGraph, bool createGraph,
        Dictionary<Tensor<T>, int>? targets, bool ownSeeds)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stamp = Interlocked.Increment(ref s_stamp);
        // Anomaly mode is per thread: read once for the pass, so another thread's open scope does not send this pass
        // down the checked path (it allocated a gradient per node of a scalar chain that otherwise allocates none).
        bool anomaly = Anomaly.IsEnabled;
        // Counted start: every reachable node's consumers are counted first (a pass over the graph). Recorded start: one
        // root, a plain first-order backward: each node's count starts, when the pass first reaches it, at its recorded
        // uses (Node.Uses), an upper bound, so no node can run early; a node whose count never reaches 0 (a consumer
        // unreachable from the root, or freed) stops the pass, which then counts what is left and goes on counted, as it
        // does before a node with a hooked leaf among its inputs (whose consumers must be counted). A chain of scalar ops
        // spent a fifth of its time in the counting pass.
        bool recorded = roots.Length == 1 && targets is null && !createGraph && !anomaly && roots[0].GradFn is not null;
        TensorStack<T> ready;
        TensorStack<T>? waiting = null; // reached nodes with more than one use (only they can be left waiting)
        int stillWaiting = 0;
        if (recorded)
        {
            var node = roots[0].GradFn!;
            CheckLive(node);
            node.Visit = stamp;
            node.Consumers = -1; // queued
            ready = new TensorStack<T>();
            ready.Push(roots[0]);
        }
        else ready = CountConsumers(roots, stamp);
        var pass = new Pass<T>(stamp, createGraph, targets,
            targets is null ? null : new Tensor<T>?[targets.Count == 0 ? 0 : targets.Values.Max() + 1]);
        using var mode = GradMode.Set(createGraph);
        Tensor<T>? current = null;
        var scratch = new OperandArrays<T>();
        try
        {
            for (int i = 0; i < roots.Length; i++)
                Deliver(roots[i], seeds[i], pass, ownSeeds);
            foreach (var root in roots)
                if (root.GradFn is null && root.Hooks is { } h && h.Visit == stamp && h.Consumers == 0) FinishLeaf(root, h, pass);
            // Kahn's order: a node runs once every node consuming it has run, so its gradient is complete.
            while (true)
            {
                if (recorded && (ready.Count == 0 ? stillWaiting > 0 : HasHookedLeafInput(ready.Peek().GradFn!)))
                {
                    // From here on, counted: the nodes left waiting and those ready are the roots of what remains.
                    recorded = false;
                    stamp = Interlocked.Increment(ref s_stamp);
                    pass = pass with { Stamp = stamp };
                    ready = CountConsumers(Unrun(ready, waiting), stamp);
                }
                if (ready.Count == 0) break;
                var t = current = ready.Pop();
                var node = t.GradFn!;
                var g = t.PendingGrad;
                t.PendingGrad = null;
                // Taken from its slot: the engine's alone still (owns), until it is handed to anything but the next slot.
                bool owns = false;
                if (g is not null)
                {
                    owns = g.OwnedByPass;
                    g.OwnedByPass = false;
                }
                if (g is not null && t.Hooks is { } hooks)
                {
                    g = hooks.RunGrad(t, g);
                    if (hooks.RetainGrad && targets is null) AccumulateGrad(t, g, createGraph);
                    owns = false;
                }
                if (g is not null && targets is not null && targets.TryGetValue(t, out int k))
                {
                    pass.Results![k] = g;
                    owns = false;
                }
                int count = node.InputCount;
                Tensor<T>?[]? grads = null;
                Tensor<T>? passed = null;
                bool[]? accumulated = null;
                bool fresh = false;
                // An identity rule (a + c, Clone, Contiguous) hands g on as it is: no call, no array of one.
                if (g is not null && count == 1 && ReferenceEquals(node.Derivative, Tensor<T>.PassThrough)
                    && node is not RichNode<T> && !anomaly)
                    passed = g;
                // An elementwise op's in-place form scales a gradient only the engine holds: no call of the rule, no
                // new tensor (a chain of scalar ops backpropagates without allocating).
                else if (owns && count == 1 && node.Info.GradInPlace is GradInPlace<T> inPlace && node is not RichNode<T>
                    && !anomaly && g!.IsContiguous && SameShape(g, t))
                {
                    node.CheckSaved();
                    inPlace(g, t, node.Input(0));
                    passed = g;
                }
                else if (g is not null)
                {
                    node.CheckSaved();
                    var rich = node as RichNode<T>;
                    if (!createGraph && rich?.SliceForm is { } slice && AddIntoSlice(rich.Input(0), slice, g, pass))
                        goto Consumed;
                    var ruleInputs = node.InputsIn(scratch);
                    if (rich?.AccumulateForm is not null && !createGraph && targets is null)
                        accumulated = AccumulateInPlace(rich, g, ref ruleInputs);
                    // The fused first-order form when the backward is not itself recorded; the composite rule otherwise.
                    var rule = !createGraph && rich?.FusedForm is { } fused ? fused : node.Derivative!;
                    fresh = !ReferenceEquals(rule, node.Derivative) && targets is null && node.Info.FreshFusedGradients;
                    grads = !anomaly ? rule(g, t, ruleInputs) : Anomaly.RunRule(rule, g, t, ruleInputs);
                    if (grads.Length != count)
                        throw new InvalidOperationException($"Backward of '{node.Name}': its rule returned {grads.Length} gradients for {count} inputs");
                    if (anomaly) Anomaly.Backward(node, g, grads, ruleInputs);
                    scratch.Clear();
                    owns = false;
                }
                Consumed:
                for (int j = 0; j < count; j++)
                {
                    var input = node.Input(j);
                    var gi = passed ?? grads?[j];
                    if (gi is not null && input.RequiresGrad && (accumulated is null || !accumulated[j]))
                    {
                        if (!SameShape(gi, input)) gi = SumToInput(node.Name, gi, input);
                        else if (fresh && input.GradFn is null && input.Grad is null && Unshared(gi, j, grads!, g!, node))
                        {
                            AdoptLeaf(input, gi, pass);
                            gi = null;
                        }
                        if (gi is not null) Deliver(input, gi, pass, owns && ReferenceEquals(gi, passed));
                    }
                    if (input.GradFn is { } child)
                    {
                        if (recorded && child.Visit != stamp)
                        {
                            // First reached: its count starts at its recorded uses (this edge is one of them).
                            CheckLive(child);
                            child.Visit = stamp;
                            // (No recorded use would be a miscount: the node then waits, and the count after the stop
                            // decides.)
                            child.Consumers = child.Uses > 0 ? child.Uses : int.MaxValue;
                            if (child.Consumers > 1)
                            {
                                stillWaiting++;
                                (waiting ??= new TensorStack<T>()).Push(input);
                            }
                        }
                        if (--child.Consumers == 0)
                        {
                            ready.Push(input);
                            if (recorded && child.Uses > 1) stillWaiting--; // (int.MaxValue never gets here)
                        }
                    }
                    else if (input.Hooks is { } h && h.Visit == stamp && --h.Consumers == 0) FinishLeaf(input, h, pass);
                }
                if (g is not null && !retainGraph) node.Release();
            }
        }
        catch
        {
            // A node left waiting by a recorded start holds a gradient that no ready node may reach.
            while (waiting is { Count: > 0 }) ready.Push(waiting.Pop());
            ClearPending(ready, current);
            throw;
        }
        return pass.Results;
    }

    /// <summary>Whether a gradient has its tensor's shape (the same array, the usual case, or equal dims).</summary>
    private static bool SameShape<T>(Tensor<T> g, Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> =>
        ReferenceEquals(g.Dims, t.Dims) || Shapes.Equal(g.Dims, t.Dims);

    /// <summary>Whether an input of <paramref name="node"/> is a leaf with hooks, which must see its whole gradient once
    /// its last consumer has run, so its consumers must be counted.</summary>
    private static bool HasHookedLeafInput<T>(Node<T> node) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0, n = node.InputCount; i < n; i++)
            if (node.Input(i) is { GradFn: null, Hooks: not null }) return true;
        return false;
    }

    /// <summary>The nodes a recorded start has reached and not run: those ready, and those still waiting for consumers
    /// (their count above 0), each once.</summary>
    private static Tensor<T>[] Unrun<T>(TensorStack<T> ready, TensorStack<T>? waiting) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var unrun = new List<Tensor<T>>();
        while (ready.Count > 0) unrun.Add(ready.Pop());
        while (waiting is { Count: > 0 })
            if (waiting.Pop() is { GradFn.Consumers: > 0 } left) unrun.Add(left);
        return [.. unrun];
    }

    /// <summary>
    /// The arrays one backward pass hands rules the inline operands of one- and two-input nodes in, so that running a
    /// rule allocates no operand array (rules read their operands and do not keep the array).
    /// </summary>
    internal sealed class OperandArrays<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public readonly Tensor<T>[] One = new Tensor<T>[1], Two = new Tensor<T>[2];

        public void Clear()
        {
            One[0] = null!;
            Two[0] = Two[1] = null!;
        }
    }

    /// <summary>
    /// Counts, on every node reachable from the roots, the edges into it from reachable nodes, by an explicit-stack
    /// traversal (no recursion), and checks that none was freed. Returns a stack holding the roots no reachable node
    /// consumes: the first nodes ready to run.
    /// </summary>
    private static TensorStack<T> CountConsumers<T>(Tensor<T>[] roots, int stamp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var stack = new TensorStack<T>();
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
            var node = stack.Pop().GradFn!;
            if (node.All is { } all)
                foreach (var input in all) CountEdge(input, stack, stamp);
            else
            {
                CountEdge(node.A!, stack, stamp);
                if (node.B is { } b) CountEdge(b, stack, stamp);
            }
        }
        foreach (var root in roots)
        {
            // A leaf root with hooks and no consumer is finished right after seeding.
            if (root.GradFn is null && root.Hooks is { } hooks) hooks.BeginPass(stamp);
            if (root.GradFn is not { Consumers: 0 } node) continue;
            node.Consumers = -1; // queued: a root listed twice runs once
            stack.Push(root);
        }
        return stack;
    }

    /// <summary>One edge into <paramref name="input"/>: counts it on the input's node (pushing the node on its first
    /// edge) or, for a leaf with hooks, on the leaf.</summary>
    private static void CountEdge<T>(Tensor<T> input, TensorStack<T> stack, int stamp) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (input.GradFn is not { } child)
        {
            if (input.Hooks is { } hooks)
            {
                hooks.BeginPass(stamp);
                hooks.Consumers++;
            }
            return;
        }
        if (child.Visit == stamp)
        {
            child.Consumers++;
            return;
        }
        CheckLive(child);
        child.Visit = stamp;
        child.Consumers = 1;
        stack.Push(input);
    }

    /// <summary>
    /// After a failed backward, drops the gradients still pending. Every tensor holding one is reachable, through nodes
    /// not yet run (so not yet freed), from a node that was ready or running when the failure happened.
    /// </summary>
    private static void ClearPending<T>(TensorStack<T> ready, Tensor<T>? current) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int stamp = Interlocked.Increment(ref s_stamp);
        if (current is not null) ready.Push(current);
        while (ready.Count > 0)
        {
            var t = ready.Pop();
            if (t.PendingGrad is { } pending) pending.OwnedByPass = false;
            t.PendingGrad = null;
            var node = t.GradFn!;
            for (int i = 0, n = node.InputCount; i < n; i++)
            {
                var input = node.Input(i);
                if (input.GradFn is not { } child || child.Visit == stamp) continue;
                child.Visit = stamp;
                ready.Push(input);
            }
        }
    }

    private static void CheckLive<T>(Node<T> node) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (node.IsReleased)
            throw new InvalidOperationException($"Backward: the graph through '{node.Name}' was already freed by an earlier backward; pass retainGraph: true to the first Backward/Grad call to backpropagate twice");
    }
}
