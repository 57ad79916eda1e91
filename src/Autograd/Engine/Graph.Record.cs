using System.Numerics;

namespace Autograd.Engine;

// Recording: ops call Record after their kernel; a node is made only when grad mode is on and an input requires grad.
// Under anomaly mode (Anomaly.cs) every result is checked here, recorded or not.
// A plain node keeps its operands inline; the fused and in-place forms, and saved versions that are not 0, go in a
// RichNode.
internal static partial class Graph
{
    // The tensors are asked first: GradMode.IsEnabled may read thread-local state, which costs more (see GradMode).
    public static bool ShouldRecord<T>(Tensor<T> a) where T : unmanaged, IFloatingPointIeee754<T> =>
        a.RequiresGrad && GradMode.IsEnabled;

    public static bool ShouldRecord<T>(Tensor<T> a, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T> =>
        (a.RequiresGrad || b.RequiresGrad) && GradMode.IsEnabled;

    /// <summary>Records a one-input op when its input requires grad (and grad mode is on).</summary>
    public static Tensor<T> Record<T>(Tensor<T> result, OpInfo op, Tensor<T> a, Derivative<T> derivative,
        Derivative<T>? fused = null, SliceOf<T>? slice = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Anomaly.Open != 0) Anomaly.Forward(op, result, [a]);
        if (!ShouldRecord(a)) return result;
        result.GradFn = fused is null && slice is null && Versions(op.Saved, a, null, result) is null
            ? new Node<T>(op, a, null, derivative, result)
            : Make(op, [a], derivative, result, fused, null, slice);
        if (Anomaly.Open != 0) Anomaly.Remember(result.GradFn);
        return result;
    }

    /// <summary>Records a two-input op when either input requires grad (and grad mode is on).</summary>
    public static Tensor<T> Record<T>(Tensor<T> result, OpInfo op, Tensor<T> a, Tensor<T> b, Derivative<T> derivative,
        Derivative<T>? fused = null, Accumulate<T>? accumulate = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Anomaly.Open != 0) Anomaly.Forward(op, result, [a, b]);
        if (!ShouldRecord(a, b)) return result;
        result.GradFn = fused is null && accumulate is null && Versions(op.Saved, a, b, result) is null
            ? new Node<T>(op, a, b, derivative, result)
            : Make(op, [a, b], derivative, result, fused, accumulate);
        if (Anomaly.Open != 0) Anomaly.Remember(result.GradFn);
        return result;
    }

    /// <summary>Records an op of any arity when some input requires grad (and grad mode is on).</summary>
    public static Tensor<T> Record<T>(Tensor<T> result, OpInfo op, Tensor<T>[] inputs, Derivative<T> derivative,
        Derivative<T>? fused = null, Accumulate<T>? accumulate = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Anomaly.Open != 0) Anomaly.Forward<T>(op, result, inputs);
        if (!GradMode.IsEnabled) return result;
        foreach (var input in inputs)
        {
            if (!input.RequiresGrad) continue;
            result.GradFn = Make(op, inputs, derivative, result, fused, accumulate);
            if (Anomaly.Open != 0) Anomaly.Remember(result.GradFn);
            break;
        }
        return result;
    }

    private static Node<T> Make<T>(OpInfo op, Tensor<T>[] inputs, Derivative<T> derivative, Tensor<T> result,
        Derivative<T>? fused, Accumulate<T>? accumulate, SliceOf<T>? slice = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var versions = Versions(op.Saved, inputs.Length > 0 ? inputs[0] : null, inputs.Length > 1 ? inputs[1] : null, result);
        if ((op.Saved & Saved.AllInputs) == Saved.AllInputs && inputs.Length > 2)
        {
            // Inputs 2 on follow the three slots of the usual pair and the output.
            bool any = versions is not null;
            for (int i = 2; i < inputs.Length; i++) any |= inputs[i].Version != 0;
            if (any)
            {
                var all = new int[inputs.Length + 1];
                versions?.CopyTo(all, 0);
                for (int i = 2; i < inputs.Length; i++) all[i + 1] = inputs[i].Version;
                versions = all;
            }
        }
        return fused is null && accumulate is null && slice is null && versions is null
            ? new Node<T>(op, inputs, derivative, result)
            : new RichNode<T>(op, inputs, derivative, result, fused, accumulate, null, versions, slice);
    }

    /// <summary>The versions of the tensors a rule saves (input 0, input 1, output) when not all are 0, else null; inputs
    /// 2 on of <see cref="Saved.AllInputs"/> follow in <see cref="Make"/>.</summary>
    private static int[]? Versions<T>(Saved saved, Tensor<T>? a, Tensor<T>? b, Tensor<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (saved == Saved.None) return null;
        int v0 = (saved & Saved.Input0) != 0 && a is not null ? a.Version : 0;
        int v1 = (saved & Saved.Input1) != 0 && b is not null ? b.Version : 0;
        int vOut = (saved & Saved.Output) != 0 ? output.Version : 0;
        return (v0 | v1 | vOut) == 0 ? null : [v0, v1, vOut];
    }
}
