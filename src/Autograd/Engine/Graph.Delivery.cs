using System.Numerics;

namespace Autograd.Engine;

// Delivery: how one backward pass hands a gradient to a tensor: pending for a computed tensor (summed in place once the
// engine owns the sum, or added straight into a view's slice), accumulated into a leaf's .Grad, or kept as a result of
// Grad; and the in-place accumulation that a node may offer for its leaf inputs.
internal static partial class Graph
{
    /// <summary>What one backward pass needs to hand gradients out. The pending gradients the engine alone holds while
    /// they wait (sums it made, its own seed, and those scaled in place from one) carry
    /// <see cref="Tensor{T}.OwnedByPass"/>: further gradients may be added into them, and an elementwise op's in-place
    /// form may scale them, in place. Never under createGraph, where every sum is recorded.</summary>
    private sealed record Pass<T>(int Stamp, bool CreateGraph, Dictionary<Tensor<T>, int>? Targets, Tensor<T>?[]? Results)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Marks a pending gradient only the engine holds as its own (never under createGraph).</summary>
        public void Own(Tensor<T> t) => t.OwnedByPass = !CreateGraph;
    }

    /// <summary>
    /// A view op's gradient added straight into the part of its input's pending gradient it views (see
    /// <see cref="SliceOf{T}"/>): the pending gradient becomes an engine-owned tensor of the input's shape the first time.
    /// Only for an input that is itself computed (a leaf's .Grad belongs to the user) and requires grad; returns false,
    /// having done nothing, otherwise.
    /// </summary>
    private static bool AddIntoSlice<T>(Tensor<T> input, SliceOf<T> slice, Tensor<T> g, Pass<T> pass)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (input.GradFn is null || !input.RequiresGrad || pass.CreateGraph) return false;
        var pending = input.PendingGrad;
        if (pending is null || !pending.OwnedByPass)
        {
            // Rented (zeroed) from the scope's pool: a fresh array here cost a large-object allocation per sliced input
            // per step (the packed q/k/v of attention), and the full collections they bring.
            var whole = Tensor<T>.Rented(input.Dims);
            if (pending is not null) AddInto(whole, pending);
            pass.Own(whole);
            input.PendingGrad = pending = whole;
        }
        AddInto(slice(pending), g);
        return true;
    }

    /// <summary>target += source, in place, for an engine-owned target of the same shape (any layout).</summary>
    private static void AddInto<T>(Tensor<T> target, Tensor<T> source) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The kernel AccumulateGrad uses: a source of any layout into a contiguous target; a slice across an inner dim
        // (not contiguous) goes through the in-place op.
        if (target.IsContiguous) Kernels.Strided.AddInto<T>(source.Storage, source.Layout, target.Storage, target.Offset, target.NumElements);
        else target.AddInPlace(source);
    }

    /// <summary>
    /// An engine optimisation any rule can offer through <see cref="Node{T}.Accumulate"/>: for each input that is a leaf
    /// whose existing gradient this pass would add into (a plain Backward, not createGraph or Grad; no hooks; a
    /// contiguous, unrecorded .Grad of the leaf's shape), the node adds its contribution in place (e.g. a GEMM
    /// accumulating into .Grad: no temporary, no separate add pass). Those inputs are hidden from the rule as tensors
    /// that require no grad, so it computes only the others. Returns which inputs were done, or null.
    /// </summary>
    private static bool[]? AccumulateInPlace<T>(RichNode<T> node, Tensor<T> g, ref Tensor<T>[] ruleInputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var inputs = node.Inputs;
        bool[]? done = null;
        for (int j = 0; j < inputs.Length; j++)
        {
            var input = inputs[j];
            if (input.GradFn is not null || !input.RequiresGrad || input.Hooks is not null) continue;
            if (input.Grad is not { IsContiguous: true, GradFn: null } grad || !Shapes.Equal(grad.Dims, input.Dims)) continue;
            if (!node.AccumulateForm!(j, g, inputs, grad)) continue;
            grad.BumpVersion();
            done ??= new bool[inputs.Length];
            done[j] = true;
            if (ReferenceEquals(ruleInputs, inputs)) ruleInputs = (Tensor<T>[])inputs.Clone();
            ruleInputs[j] = input.Detach();
        }
        return done;
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

    /// <summary>
    /// Hands a gradient to a tensor: pending for a non-leaf (and for a leaf with hooks, until its last consumer has
    /// run), otherwise accumulated into .Grad (or into the result, for Grad). <paramref name="owned"/>: no one but the
    /// engine holds <paramref name="g"/>, so a computed tensor's first pending gradient stays the engine's own.
    /// </summary>
    private static void Deliver<T>(Tensor<T> t, Tensor<T> g, Pass<T> pass, bool owned = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.GradFn is not null)
        {
            if (t.PendingGrad is null)
            {
                t.PendingGrad = g;
                if (owned) pass.Own(g);
            }
            else if (t.PendingGrad.OwnedByPass) AddInto(t.PendingGrad, g);
            else
            {
                // A fresh sum that only this tensor holds: later gradients are added into it in place.
                t.PendingGrad += g;
                pass.Own(t.PendingGrad);
            }
            return;
        }
        if (t.Hooks is { } h && h.Visit == pass.Stamp)
        {
            h.Pending = h.Pending is null ? g : h.Pending + g;
            return;
        }
        AccumulateLeaf(t, g, pass);
    }

    /// <summary>A leaf with hooks whose consumers have all run: its hooks see the whole gradient, then it is accumulated
    /// and the post-accumulate hooks run.</summary>
    private static void FinishLeaf<T>(Tensor<T> t, TensorHooks<T> hooks, Pass<T> pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var g = hooks.Pending;
        hooks.Pending = null;
        hooks.Visit = 0;
        if (g is null) return;
        AccumulateLeaf(t, hooks.RunGrad(t, g), pass);
        if (pass.Targets is null && hooks.HasPostAccumulate) hooks.RunPostAccumulate(t);
    }

    private static void AccumulateLeaf<T>(Tensor<T> t, Tensor<T> g, Pass<T> pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pass.Targets is not null)
        {
            if (pass.Targets.TryGetValue(t, out int k)) pass.Results![k] = pass.Results[k] is null ? g : pass.Results[k]! + g;
            return;
        }
        AccumulateGrad(t, g, pass.CreateGraph);
    }

    /// <summary>
    /// Whether <paramref name="gi"/>, the gradient a fresh-gradient fused rule returned for slot <paramref name="slot"/>,
    /// is held by nothing else: a whole, contiguous, unrecorded storage that is not another slot's gradient, the upstream
    /// gradient, the node's output or an operand (nor a view of one). Only then may a leaf adopt it as its .Grad.
    /// </summary>
    private static bool Unshared<T>(Tensor<T> gi, int slot, Tensor<T>?[] grads, Tensor<T> upstream, Node<T> node)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gi.GradFn is not null || !gi.IsContiguous || gi.Offset != 0 || gi.Storage.Length != gi.NumElements) return false;
        if (gi.SharesStorageWith(upstream) || (node.Output is { } output && gi.SharesStorageWith(output))) return false;
        for (int k = 0; k < grads.Length; k++)
            if (k != slot && grads[k] is { } other && gi.SharesStorageWith(other)) return false;
        for (int k = 0, n = node.InputCount; k < n; k++)
            if (gi.SharesStorageWith(node.Input(k))) return false;
        return true;
    }

    /// <summary>
    /// A leaf's first gradient taken as it is (see <see cref="Unshared{T}"/>) instead of copied: kept past the scope it
    /// was rented in, as the copy would be. A leaf with hooks in this pass takes the usual path (its hooks see the
    /// gradient and may keep it).
    /// </summary>
    private static void AdoptLeaf<T>(Tensor<T> t, Tensor<T> g, Pass<T> pass) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (t.Hooks is { } h && h.Visit == pass.Stamp) Deliver(t, g, pass);
        else t.AdoptGrad(g, opResult: true);
    }

    /// <summary>Adds <paramref name="g"/> into <paramref name="t"/>.Grad: a fresh copy the first time (a gradient outlives
    /// any TensorScope), in place after that, or as a recorded sum under createGraph.</summary>
    private static void AccumulateGrad<T>(Tensor<T> t, Tensor<T> g, bool createGraph) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (createGraph || (t.Grad is not null && (t.Grad.GradFn is not null || !t.Grad.IsContiguous)))
            t.Grad = (t.Grad is null ? g : t.Grad + g).Keep();
        else if (t.Grad is null)
        {
            // Into the array the last ZeroGrad took back, if it has the size, else a fresh one.
            var copy = t.TakeSpareGrad(g.NumElements) ?? GC.AllocateUninitializedArray<T>(g.NumElements);
            Kernels.Strided.CopyTo<T>(g.Storage, g.Layout, copy);
            t.AdoptGrad(new Tensor<T>(copy, (int[])t.Dims.Clone()), opResult: false);
        }
        else
        {
            Kernels.Strided.AddInto<T>(g.Storage, g.Layout, t.Grad.Storage, t.Grad.Offset, t.Grad.NumElements);
            t.Grad.BumpVersion();
        }
    }
}
