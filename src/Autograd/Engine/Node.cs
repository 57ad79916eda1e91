using System.Collections.ObjectModel;
using System.Numerics;
using Autograd.Engine;

namespace Autograd.Engine
{
    /// <summary>
    /// Local derivative of one op: given d(loss)/d(output), returns d(loss)/d(input) for each input
    /// (null where an input gets no gradient). Written with differentiable tensor ops, so the same
    /// closure serves plain backward and <c>createGraph</c>. Broadcasting is undone by the engine. A rule is pure: it
    /// returns gradients and changes nothing; it reads <c>inputs</c> during the call and does not keep the array.
    /// </summary>
    internal delegate Tensor<T>?[] Derivative<T>(Tensor<T> grad, Tensor<T> output, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// An optional first-order form of one input's derivative that adds it straight into <paramref name="destination"/>
    /// (a leaf's existing gradient), e.g. a GEMM that accumulates into its output. Returns false, having changed
    /// nothing, when it cannot (then the rule computes that gradient). The engine decides when to use it; the rule
    /// never knows.
    /// </summary>
    internal delegate bool Accumulate<T>(int input, Tensor<T> grad, Tensor<T>[] inputs, Tensor<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// An optional form of a view op's derivative (Narrow, hence Select): the part of a tensor shaped like the op's
    /// input that the op's output is a view of. The engine adds the upstream gradient straight into that part of the
    /// input's pending gradient, instead of running the rule, which pads the gradient with zeros to the input's whole
    /// shape; so backward through L slices of one tensor (each time step of a sequence) costs O(L) slices, not L whole
    /// tensors. Used only when the backward is not recorded.
    /// </summary>
    internal delegate Tensor<T> SliceOf<T>(Tensor<T> inputShaped) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// An optional first-order form of a one-input elementwise op's derivative that turns the upstream gradient into the
    /// input's gradient in place: <c>grad[i] ← grad[i] · ∂y[i]/∂x[i]</c>, with the same operations in the same order as
    /// the composite rule, so the same bits. The engine uses it only on a contiguous gradient of the output's shape
    /// that the backward pass alone holds (see <see cref="Tensor{T}.OwnedByPass"/>), when the backward is not recorded,
    /// and does not count the change as a version (nothing saved that gradient);
    /// so a chain of such ops backpropagates without allocating. Declared on the op's <see cref="OpInfo"/>.
    /// </summary>
    internal delegate void GradInPlace<T>(Tensor<T> grad, Tensor<T> output, Tensor<T> input)
        where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>Which tensors a rule reads when it runs: their versions are checked before it does.</summary>
    [Flags]
    internal enum Saved
    {
        /// <summary>The rule reads no tensor (only the upstream gradient and shapes).</summary>
        None = 0,
        /// <summary>The first input.</summary>
        Input0 = 1,
        /// <summary>The second input.</summary>
        Input1 = 2,
        /// <summary>The first two inputs.</summary>
        Inputs = Input0 | Input1,
        /// <summary>The output.</summary>
        Output = 8,
        /// <summary>Every input, however many (an op of more than two operands whose rule reads them all).</summary>
        AllInputs = 16 | Inputs,
    }

    /// <summary>
    /// What a graph view shows of a built-in rule: the op's name, which tensors its rule reads, and for each input the
    /// local derivative as a formula (the last formula serves every further input of a variadic op). Declared once per
    /// op beside its forward.
    /// </summary>
    internal sealed class OpInfo(string name, Saved saved, params string[] formulas)
    {
        public readonly string Name = name;
        public readonly Saved Saved = saved;
        public readonly string[] Formulas = formulas.Length > 0 ? formulas
            : throw new ArgumentException($"OpInfo '{name}': every rule states the formula of its local derivative");

        public string Formula(int input) => Formulas[Math.Min(input, Formulas.Length - 1)];

        /// <summary>
        /// The op's fused first-order form returns fresh gradient tensors that nothing else holds (new storage, never
        /// the upstream gradient, an operand, or a view of either), so the engine may adopt one as a leaf's first .Grad
        /// instead of copying it. The engine still copies a gradient shared between two of the node's slots.
        /// </summary>
        public bool FreshFusedGradients { get; init; }

        /// <summary>The op's in-place first-order form, a <see cref="GradInPlace{T}"/> of the op's element type (an op's
        /// info is declared per element type, as a static of the generic tensor), or null.</summary>
        public Delegate? GradInPlace { get; init; }
    }
}

namespace Autograd.Engine
{
    /// <summary>The recording thread's node counter (not generic, so reaching it costs one thread-local read).</summary>
    internal static class NodeSequence
    {
        [ThreadStatic] private static long t_next;

        public static long Next() => t_next++;
    }
}

namespace Autograd
{
    /// <summary>One operand slot of a <see cref="Node{T}"/>: the input tensor and the local derivative with respect to it.</summary>
    /// <param name="Input">The tensor in this slot (the same tensor may fill several slots, as in a + a).</param>
    /// <param name="Slot">The operand position, from 0.</param>
    /// <param name="Formula">The local derivative with respect to this operand, e.g. <c>∂(a·b)/∂a = b</c>.</param>
    public readonly record struct Edge<T>(Tensor<T> Input, int Slot, string Formula) where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The node that produced the input, or null when it is a leaf.</summary>
        public Node<T>? Node => Input.GradFn;
    }

    /// <summary>
    /// One recorded op in the graph (PyTorch's <c>grad_fn</c>): its name, a sequence number, one edge per operand slot,
    /// the tensors its rule saved for backward, and the local-derivative formula of each input. Built-in ops and
    /// users' <see cref="Function{T}"/> subclasses record the same kind of node. Read-only; reach it through
    /// <see cref="Tensor{T}.GradFn"/>.
    /// </summary>
    public class Node<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal readonly OpInfo Info;
        internal Derivative<T>? Derivative;
        // The operands: one or two inline (the usual case: no array lives as long as the graph), or an array.
        private Tensor<T>? _a, _b;
        private Tensor<T>[]? _all;
        internal Tensor<T>? Output;
        internal int Visit;
        /// <summary>During backward: how many reachable nodes consume this one and have not run yet.</summary>
        internal int Consumers;
        /// <summary>
        /// How many operand slots of recorded nodes hold this node's output: every edge into it, counted as each consumer
        /// is made (atomically, so consumers recorded on several threads all count). A tensor's node is set once, when
        /// the tensor is made, so no edge is ever counted on another node. An upper bound of the consumers a backward
        /// pass will run (some may be unreachable from its root, or freed), which lets a pass start from these counts
        /// instead of counting first (see Graph.Run).
        /// </summary>
        internal int Uses;

        internal Node(OpInfo info, Tensor<T> a, Tensor<T>? b, Derivative<T> derivative, Tensor<T> output)
        {
            Info = info;
            _a = a;
            _b = b;
            Derivative = derivative;
            Output = output;
            SequenceNumber = NodeSequence.Next();
            if (a.GradFn is { } na) Interlocked.Increment(ref na.Uses);
            if (b?.GradFn is { } nb) Interlocked.Increment(ref nb.Uses);
        }

        internal Node(OpInfo info, Tensor<T>[] inputs, Derivative<T> derivative, Tensor<T> output)
        {
            Info = info;
            _all = inputs;
            Derivative = derivative;
            Output = output;
            SequenceNumber = NodeSequence.Next();
            foreach (var input in inputs)
                if (input.GradFn is { } n) Interlocked.Increment(ref n.Uses);
        }

        /// <summary>The first inline operand (null for an array of operands, or once released).</summary>
        internal Tensor<T>? A => _a;

        /// <summary>The second inline operand, or null.</summary>
        internal Tensor<T>? B => _b;

        /// <summary>The operands when kept as an array (other arities), or null.</summary>
        internal Tensor<T>[]? All => _all;

        /// <summary>How many operand slots (0 once released).</summary>
        internal int InputCount => _all is not null ? _all.Length : _b is not null ? 2 : _a is not null ? 1 : 0;

        /// <summary>The tensor in operand slot <paramref name="i"/>.</summary>
        internal Tensor<T> Input(int i) => _all is not null ? _all[i] : i == 0 ? _a! : _b!;

        /// <summary>The operands as rules take them: the node's own array, or <paramref name="scratch"/>'s array of one or
        /// two filled with the inline operands.</summary>
        internal Tensor<T>[] InputsIn(Graph.OperandArrays<T> scratch)
        {
            if (_all is not null) return _all;
            if (_b is not null)
            {
                scratch.Two[0] = _a!;
                scratch.Two[1] = _b;
                return scratch.Two;
            }
            if (_a is null) return [];
            scratch.One[0] = _a;
            return scratch.One;
        }

        /// <summary>The operands as an array (a new one for inline operands), as rules take them.</summary>
        internal Tensor<T>[] Inputs => _all ?? (_b is not null ? [_a!, _b] : _a is not null ? [_a] : []);

        /// <summary>An optional fused first-order form of <see cref="Derivative"/> (same maths, one pass); the engine
        /// uses it when the backward is not recorded (no createGraph), and a registry property checks it agrees.</summary>
        internal Derivative<T>? Fused => (this as RichNode<T>)?.FusedForm;

        /// <summary>An optional in-place form of some inputs' derivatives (see <see cref="Engine.Accumulate{T}"/>).</summary>
        internal Accumulate<T>? Accumulate => (this as RichNode<T>)?.AccumulateForm;

        /// <summary>The context of a <see cref="Function{T}"/> node, or null for a built-in op.</summary>
        internal FunctionContext<T>? Context => (this as RichNode<T>)?.FunctionContext;

        /// <summary>The version a saved tensor had when recorded (slot 0 or 1 for inputs, 2 for the output, 3 on for
        /// inputs 2 on of <see cref="Saved.AllInputs"/>): 0 here, the usual case; a node made when one was not 0 keeps
        /// them (<see cref="RichNode{T}"/>).</summary>
        private int SavedVersion(int slot) => (this as RichNode<T>)?.Versions is { } v && slot < v.Length ? v[slot] : 0;

        /// <summary>The op's name, e.g. "Mul", or the <see cref="Function{T}"/>'s name.</summary>
        public string Name => Info.Name;

        /// <summary>Order of recording on the recording thread (later nodes have larger numbers); stable across runs of
        /// the same program, unlike addresses.</summary>
        public long SequenceNumber { get; }

        /// <summary>True once a backward without <c>retainGraph</c> has run through this node and freed it.</summary>
        public bool IsReleased => Derivative is null;

        /// <summary>One edge per operand slot, in operand order (empty once the node is released).</summary>
        public IReadOnlyList<Edge<T>> Edges
        {
            get
            {
                var edges = new Edge<T>[InputCount];
                for (int i = 0; i < edges.Length; i++) edges[i] = new Edge<T>(Input(i), i, Formula(i));
                return edges;
            }
        }

        /// <summary>The local derivative with respect to operand <paramref name="input"/>, in words and symbols.</summary>
        public string Formula(int input)
        {
            if (input < 0 || (!IsReleased && input >= InputCount))
                throw new ArgumentOutOfRangeException(nameof(input), $"{Name}: operand {input} does not exist (the node has {InputCount})");
            return Context is { } ctx ? ctx.Function.Formula(input) : Info.Formula(input);
        }

        /// <summary>The tensors the rule reads when it runs (inputs, output, or what a <see cref="Function{T}"/> saved).</summary>
        public IReadOnlyList<Tensor<T>> SavedTensors
        {
            get
            {
                if (Context is { } ctx) return ctx.SavedUnchecked;
                var list = new List<Tensor<T>>();
                var saved = Info.Saved;
                for (int i = 0; i < InputCount; i++)
                    if (i < 2 ? ((int)saved & (1 << i)) != 0 : (saved & Saved.AllInputs) == Saved.AllInputs) list.Add(Input(i));
                if ((saved & Saved.Output) != 0 && Output is not null) list.Add(Output);
                return new ReadOnlyCollection<Tensor<T>>(list);
            }
        }

        /// <inheritdoc />
        public override string ToString() => $"{Name}#{SequenceNumber}";


        /// <summary>Throws, naming this op, when a tensor its rule reads was changed in place after it was saved.</summary>
        internal void CheckSaved()
        {
            var saved = Info.Saved;
            if (saved == Saved.None) return;
            if ((saved & Saved.Input0) != 0 && InputCount > 0) Check(Input(0), SavedVersion(0), "input 0");
            if ((saved & Saved.Input1) != 0 && InputCount > 1) Check(Input(1), SavedVersion(1), "input 1");
            if ((saved & Saved.Output) != 0) Check(Output!, SavedVersion(2), "its output");
            if ((saved & Saved.AllInputs) == Saved.AllInputs)
                for (int i = 2; i < InputCount; i++) Check(Input(i), SavedVersion(i + 1), $"input {i}");
        }

        internal void Check(Tensor<T> tensor, int version, string what)
        {
            int now = tensor.Version;
            if (now != version)
                throw new InvalidOperationException(
                    $"Backward of '{Name}' (node #{SequenceNumber}): {what}, a tensor of shape {Shapes.Format(tensor.Dims)} that it saved for backward, " +
                    $"was modified in place after it was saved (version {version} when saved, {now} now). Make the change on a Clone(), or after backward.");
        }

        internal void Release()
        {
            Derivative = null;
            _a = _b = null;
            _all = null;
            Output = null;
            (this as RichNode<T>)?.ReleaseExtras();
        }
    }

    /// <summary>A node with what few nodes have: a fused first-order form, an in-place form, a function's context, or
    /// saved tensors whose versions were not 0 when recorded (kept out of <see cref="Node{T}"/> so that a plain node
    /// stays small).</summary>
    internal sealed class RichNode<T>(OpInfo info, Tensor<T>[] inputs, Derivative<T> derivative, Tensor<T> output,
        Derivative<T>? fused, Accumulate<T>? accumulate, FunctionContext<T>? context, int[]? versions = null,
        SliceOf<T>? slice = null)
        : Node<T>(info, inputs, derivative, output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        internal readonly int[]? Versions = versions;

        private Derivative<T>? _fused = fused;
        private Accumulate<T>? _accumulate = accumulate;
        private FunctionContext<T>? _context = context;
        private SliceOf<T>? _slice = slice;

        internal Derivative<T>? FusedForm => _fused;
        internal SliceOf<T>? SliceForm => _slice;
        internal Accumulate<T>? AccumulateForm => _accumulate;
        internal FunctionContext<T>? FunctionContext => _context;

        internal void ReleaseExtras()
        {
            _context?.Release();
            _fused = null;
            _accumulate = null;
            _context = null;
            _slice = null;
        }
    }
}
