using System.Numerics;

namespace Autograd;

/// <summary>
/// A differentiable function with several outputs and a backward of its own (PyTorch's <c>torch.autograd.Function</c>
/// whose forward returns a tuple). Write <see cref="Forward"/> (it runs without recording and returns the outputs) and
/// <see cref="Backward"/> (given one gradient per output, returns one per input), then call <see cref="Apply"/>.
/// Everything else is as for <see cref="Function{T}"/>: the context saves tensors, tells which inputs need a gradient
/// and takes outputs marked non-differentiable; <see cref="IsOnceDifferentiable"/> has the same meaning.
/// </summary>
/// <remarks>
/// The differentiable outputs are recorded as one node (its name is <see cref="Name"/>): they are copied into one buffer,
/// and <see cref="Apply"/> returns views of it, each with the shape Forward gave. An output that the loss does not use
/// gets a gradient of zeros in <see cref="Backward"/> (PyTorch's default, materialized gradients); a non-differentiable
/// output gets none (null) and is returned as Forward made it.
/// </remarks>
/// <example>
/// <code>
/// sealed class SinCos : MultiOutputFunction&lt;double&gt;
/// {
///     protected override Tensor&lt;double&gt;[] Forward(FunctionContext&lt;double&gt; ctx, Tensor&lt;double&gt;[] x)
///     {
///         ctx.SaveForBackward(x[0]);
///         return [x[0].Sin(), x[0].Cos()];
///     }
///     protected override Tensor&lt;double&gt;?[] Backward(FunctionContext&lt;double&gt; ctx, Tensor&lt;double&gt;?[] g) =>
///         [g[0]! * ctx.SavedTensors[0].Cos() - g[1]! * ctx.SavedTensors[0].Sin()];   // d/dx (sin, cos) = (cos, −sin)
/// }
/// var outputs = new SinCos().Apply(x);
/// var loss = (outputs[0] * outputs[1]).Sum();
/// </code>
/// </example>
public abstract class MultiOutputFunction<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The name shown in graph views and error messages; the class name by default.</summary>
    public virtual string Name => GetType().Name;

    /// <summary>True when <see cref="Backward"/> is not itself differentiable (see <see cref="Function{T}"/>).</summary>
    protected virtual bool IsOnceDifferentiable => false;

    /// <summary>The local derivative with respect to input <paramref name="input"/>, shown by the graph view.</summary>
    public virtual string Formula(int input) => $"∂{Name}/∂x{Function<T>.Subscript(input)}: the backward of {Name}";

    /// <summary>Computes the outputs (at least one) from <paramref name="inputs"/>; runs without recording.</summary>
    protected abstract Tensor<T>[] Forward(FunctionContext<T> ctx, Tensor<T>[] inputs);

    /// <summary>Given d(loss)/d(output) for each output (zeros for a differentiable output the loss does not use, null
    /// for one marked non-differentiable), returns d(loss)/d(input) for each input, null where there is none.</summary>
    protected abstract Tensor<T>?[] Backward(FunctionContext<T> ctx, Tensor<T>?[] gradOutputs);

    /// <summary>Runs <see cref="Forward"/> and, when some input requires grad and grad mode is on, records one node
    /// for the differentiable outputs. Returns the outputs in Forward's order.</summary>
    public Tensor<T>[] Apply(params Tensor<T>[] inputs)
    {
        var packed = new Packed(this);
        var flat = packed.Apply(inputs);
        var outputs = packed.Outputs!;
        packed.Outputs = null; // the node keeps only their shapes: the graph holds no second copy of their values
        if (flat.GradFn is null) return outputs; // nothing recorded
        // Each differentiable output becomes a view of the recorded buffer, so its gradient flows into the one node.
        var result = (Tensor<T>[])outputs.Clone();
        foreach (var (output, offset) in packed.Parts)
            result[output] = flat.Narrow(0, offset, outputs[output].NumElements).Reshape([.. outputs[output].Shape]);
        return result;
    }

    /// <summary>The function as a one-output <see cref="Function{T}"/> whose output is the differentiable outputs,
    /// flattened and joined; its backward splits the gradient back into one per output.</summary>
    private sealed class Packed(MultiOutputFunction<T> outer) : Function<T>
    {
        /// <summary>What Forward returned (until <see cref="MultiOutputFunction{T}.Apply"/> has read it).</summary>
        public Tensor<T>[]? Outputs;

        /// <summary>The differentiable outputs (index into Forward's outputs) and where each starts in the buffer.</summary>
        public (int Output, int Offset)[] Parts { get; private set; } = [];

        private int[][] _shapes = [];

        public override string Name => outer.Name;

        protected override bool IsOnceDifferentiable => outer.IsOnceDifferentiable;

        public override string Formula(int input) => outer.Formula(input);

        protected override Tensor<T> Forward(FunctionContext<T> ctx, Tensor<T>[] inputs)
        {
            var outputs = outer.Forward(ctx, inputs);
            if (outputs is null || outputs.Length == 0)
                throw new InvalidOperationException($"{Name}.Forward returned no outputs; return at least one");
            var parts = new List<(int, int)>();
            var pieces = new List<Tensor<T>>();
            int length = 0;
            for (int i = 0; i < outputs.Length; i++)
            {
                if (outputs[i] is not { } o) throw new InvalidOperationException($"{Name}.Forward returned null as output {i}");
                if (ctx.IsNonDifferentiable(o)) continue;
                parts.Add((i, length));
                pieces.Add(o.Reshape(o.NumElements));
                length += o.NumElements;
            }
            Outputs = outputs;
            Parts = [.. parts];
            _shapes = [.. outputs.Select(o => o.Shape.ToArray())];
            // The joined buffer; nothing to record when every output is non-differentiable.
            var flat = pieces.Count == 0 ? Tensor.Zeros<T>(0) : Tensor.Concat([.. pieces], 0);
            if (pieces.Count == 0) ctx.MarkNonDifferentiable(flat);
            return flat;
        }

        protected override Tensor<T>?[] Backward(FunctionContext<T> ctx, Tensor<T> gradOutput)
        {
            var grads = new Tensor<T>?[_shapes.Length];
            foreach (var (output, offset) in Parts)
                grads[output] = gradOutput.Narrow(0, offset, Shapes.Size(_shapes[output])).Reshape(_shapes[output]);
            return outer.Backward(ctx, grads);
        }
    }
}
