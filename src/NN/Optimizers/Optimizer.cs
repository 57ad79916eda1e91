using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>
/// Base of the optimizers: parameter groups with per-group hyper-parameters, per-parameter state, <see cref="ZeroGrad()"/>
/// and <see cref="Step"/>. A parameter is any leaf tensor with RequiresGrad = true; parameters whose Grad is null are
/// skipped (their state and step count are left alone). Updates write through <see cref="Tensor{T}.AsSpan"/> and are
/// not recorded by autograd; after the first step they allocate nothing.
/// </summary>
/// <typeparam name="T">Element type of the parameters.</typeparam>
public abstract partial class Optimizer<T> : IOptimizer where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<ParamGroup<T>> _groups = [];
    private readonly List<ParamState<T>?> _state = [];
    private readonly List<Tensor<T>> _params = [];
    private readonly HashSet<Tensor<T>> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly string[] _bufferNames;
    private readonly T[][] _scratch = [[], []];

    /// <summary>Sets up the optimizer with its name (used in errors), option defaults and per-parameter buffer names.</summary>
    protected Optimizer(string name, IEnumerable<ParamGroup<T>> groups, IReadOnlyDictionary<string, double> defaults, string[] bufferNames)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Name = name;
        Defaults = new Dictionary<string, double>(defaults);
        _bufferNames = bufferNames;
        foreach (var group in groups) AddParamGroup(group);
        if (_params.Count == 0)
            throw new ArgumentException($"{Name}: no parameters to optimize ({(_groups.Count == 0 ? "no parameter groups were given" : $"the {_groups.Count} parameter group(s) given are empty")}); pass the Parameters() of a model that has some");
    }

    /// <summary>Wraps a plain parameter list as one group.</summary>
    protected static IEnumerable<ParamGroup<T>> OneGroup(IEnumerable<Tensor<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [new ParamGroup<T>(parameters)];
    }

    /// <summary>The optimizer's name, as used in error messages ("SGD", "Adam", …).</summary>
    public string Name { get; }

    /// <summary>The default options that groups inherit unless they override them.</summary>
    public IReadOnlyDictionary<string, double> Defaults { get; }

    /// <summary>The parameter groups in order.</summary>
    public IReadOnlyList<ParamGroup<T>> ParamGroups => _groups;

    /// <summary>Number of calls to <see cref="Step"/> so far.</summary>
    public long StepCount { get; private set; }

    /// <summary>Names of the per-parameter buffers this optimizer keeps (the "{buffer}" of "state.{i}.{buffer}").</summary>
    public IReadOnlyList<string> BufferNames => _bufferNames;

    /// <inheritdoc />
    public int GroupCount => _groups.Count;

    /// <inheritdoc />
    public double GetLearningRate(int group) => _groups[group].LearningRate;

    /// <inheritdoc />
    public void SetLearningRate(int group, double learningRate)
    {
        CheckNonNegative("lr", learningRate);
        _groups[group].LearningRate = learningRate;
    }

    /// <summary>The learning rate of the first group; setting it sets every group's learning rate.</summary>
    public double LearningRate
    {
        get => _groups[0].LearningRate;
        set
        {
            for (int g = 0; g < _groups.Count; g++) SetLearningRate(g, value);
        }
    }

    /// <summary>Adds a group: fills its options from <see cref="Defaults"/>, validates them and its parameters (leaves, contiguous, not already present).</summary>
    public void AddParamGroup(ParamGroup<T> group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var parameters = group.Parameters;
        var inGroup = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i] ?? throw new ArgumentNullException(nameof(group), $"{Name}: parameter {i} of group {_groups.Count} is null");
            if (!p.IsLeaf)
                throw new ArgumentException($"{Name}: parameter {i} of group {_groups.Count} (shape {TensorShape.Format(p.Shape)}) is not a leaf (produced by '{p.GradFnName}'); optimize leaves, e.g. via Detach() with RequiresGrad = true");
            if (!p.IsContiguous)
                throw new ArgumentException($"{Name}: parameter {i} of group {_groups.Count} (shape {TensorShape.Format(p.Shape)}) is a non-contiguous view; optimizers update parameters in place");
            if (_seen.Contains(p) || !inGroup.Add(p))
                throw new ArgumentException($"{Name}: parameter {i} of group {_groups.Count} (shape {TensorShape.Format(p.Shape)}) appears more than once across the parameter groups");
        }
        group.Attach(Name, Defaults);
        ValidateOptions(group.Options);
        foreach (var p in parameters)
        {
            _seen.Add(p);
            _params.Add(p);
            _state.Add(null);
        }
        _groups.Add(group);
    }

    /// <summary>Clears every parameter's gradient: sets it to null (default, like PyTorch), or fills it with zeros in place.
    /// Set to null, an engine-written gradient's buffer is taken back for the next backward (<see cref="Tensor{T}.ZeroGrad"/>),
    /// so the step allocates no new gradients; a gradient read before this can no longer be read (Clone() it to keep it).</summary>
    public void ZeroGrad(bool setToNull)
    {
        foreach (var group in _groups)
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var p = group.Parameters[i];
                if (setToNull) p.ZeroGrad();
                else if (p.Grad is { IsContiguous: true } g) g.AsSpan().Clear();
                else if (p.Grad is not null) p.Grad = Tensor.ZerosLike(p);
            }
    }

    /// <inheritdoc />
    public void ZeroGrad() => ZeroGrad(setToNull: true);

    /// <summary>Applies one update to every parameter whose Grad is not null, using its group's options.</summary>
    public void Step()
    {
        StepCount++;
        int index = 0;
        for (int g = 0; g < _groups.Count; g++)
        {
            var group = _groups[g];
            var parameters = group.Parameters;
            for (int i = 0; i < parameters.Count; i++, index++)
            {
                var p = parameters[i];
                var grad = p.Grad;
                if (grad is null) continue;
                if (!grad.Shape.SequenceEqual(p.Shape))
                    throw new InvalidOperationException($"{Name}: gradient of shape {TensorShape.Format(grad.Shape)} does not match parameter {index} of shape {TensorShape.Format(p.Shape)}");
                if (!grad.IsContiguous)
                    throw new InvalidOperationException($"{Name}: gradient of parameter {index} (shape {TensorShape.Format(p.Shape)}) is a non-contiguous view");
                var state = _state[index] ??= new ParamState<T>(_bufferNames.Length);
                state.Step++;
                Update(group, p.AsSpan(), grad.AsSpan(), state);
            }
        }
    }

    /// <summary>Updates one parameter θ in place from its gradient g, its group's options and its state.</summary>
    protected abstract void Update(ParamGroup<T> group, Span<T> param, ReadOnlySpan<T> grad, ParamState<T> state);

    /// <summary>Throws if an option value is out of its domain; called when a group is added or a state is loaded.</summary>
    protected abstract void ValidateOptions(IReadOnlyDictionary<string, double> options);

    /// <summary>Buffer <paramref name="buffer"/> of a parameter's state, created on first use filled with <paramref name="initial"/>.</summary>
    protected Span<T> Buffer(ParamState<T> state, int buffer, int length, double initial = 0)
    {
        var t = state.Buffers[buffer] ??= Tensor.Full([length], T.CreateChecked(initial));
        return t.AsSpan();
    }

    /// <summary>True when buffer <paramref name="buffer"/> exists (e.g. SGD's momentum buffer after its first update).</summary>
    protected static bool HasBuffer(ParamState<T> state, int buffer) => state.Buffers[buffer] is not null;

    /// <summary>One of two scratch spans of <paramref name="length"/> elements, reused across parameters and steps.</summary>
    protected Span<T> Scratch(int which, int length)
    {
        if (_scratch[which].Length < length) _scratch[which] = new T[length];
        return _scratch[which].AsSpan(0, length);
    }

    /// <summary>
    /// The gradient with L2 weight decay added, g + λθ, in scratch span 0; <paramref name="grad"/> itself when λ = 0.
    /// </summary>
    protected ReadOnlySpan<T> WithWeightDecay(ReadOnlySpan<T> param, ReadOnlySpan<T> grad, double weightDecay)
    {
        if (weightDecay == 0) return grad;
        var decayed = Scratch(0, grad.Length);
        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(param, Value(weightDecay), grad, decayed);   // g ← g + λθ
        return decayed;
    }

    /// <summary>Converts a hyper-parameter to the element type.</summary>
    protected static T Value(double value) => T.CreateChecked(value);

    /// <summary>Throws unless <paramref name="value"/> is finite and ≥ 0.</summary>
    protected void CheckNonNegative(string option, double value)
    {
        if (!(value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(option, $"{Name}: {option} must be a finite non-negative number, got {value}");
    }

    /// <summary>Throws unless <paramref name="value"/> is finite and &gt; 0 (e.g. ε, which keeps a division away from 0/0).</summary>
    protected void CheckPositive(string option, double value)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(option, $"{Name}: {option} must be a finite positive number, got {value}");
    }

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; 1.</summary>
    protected void CheckUnitInterval(string option, double value)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(option, $"{Name}: {option} must lie in [0, 1), got {value}");
    }
}
