using System.Globalization;
using System.Numerics;

namespace Autograd.NN.Optimizers;

// Checkpointing: the optimizer's state as named scalars and tensors, and loading it back with validation.
public abstract partial class Optimizer<T>
{
    /// <summary>
    /// A copy of the optimizer's state: "step", every group's options ("param_groups.{g}.lr", …) and size
    /// ("param_groups.{g}.num_params"), and every parameter's step count and buffers ("state.{i}.step", "state.{i}.exp_avg", …).
    /// </summary>
    public OptimizerStateDict<T> StateDict()
    {
        var dict = new OptimizerStateDict<T>();
        dict.Scalars["step"] = StepCount;
        for (int g = 0; g < _groups.Count; g++)
        {
            foreach (var (key, value) in _groups[g].Options) dict.Scalars[$"param_groups.{g}.{key}"] = value;
            dict.Scalars[$"param_groups.{g}.num_params"] = _groups[g].Parameters.Count;
        }
        for (int i = 0; i < _state.Count; i++)
        {
            if (_state[i] is not { } state) continue;
            dict.Scalars[$"state.{i}.step"] = state.Step;
            for (int b = 0; b < _bufferNames.Length; b++)
                if (state.Buffers[b] is { } buffer)
                    dict.Tensors[$"state.{i}.{_bufferNames[b]}"] = Tensor.FromArray(buffer.ToArray(), [.. _params[i].Shape]);
        }
        return dict;
    }

    /// <summary>
    /// Restores a state saved by <see cref="StateDict"/> from an optimizer of the same kind over parameters of the same
    /// shapes in the same groups. Everything is validated before anything changes: group and parameter counts, every
    /// option present and in range, no unknown keys, buffer sizes equal to their parameters'. Values are copied.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict<T> dict)
    {
        ArgumentNullException.ThrowIfNull(dict);
        if (!dict.Scalars.TryGetValue("step", out double step) || step < 0 || step != Math.Floor(step))
            throw new ArgumentException($"{Name}.LoadStateDict: missing or invalid \"step\"");
        var options = new Dictionary<string, double>[_groups.Count];
        var states = new ParamState<T>?[_state.Count];
        foreach (var (key, value) in dict.Scalars)
        {
            if (key == "step") continue;
            var parts = key.Split('.');
            if (parts.Length == 3 && parts[0] == "param_groups" && TryIndex(parts[1], _groups.Count, out int g))
            {
                if (parts[2] == "num_params")
                {
                    if (value != _groups[g].Parameters.Count)
                        throw new ArgumentException($"{Name}.LoadStateDict: group {g} had {value} parameters when saved but has {_groups[g].Parameters.Count} now");
                    continue;
                }
                if (!Defaults.ContainsKey(parts[2]))
                    throw new ArgumentException($"{Name}.LoadStateDict: unknown option \"{key}\" (known: {string.Join(", ", Defaults.Keys)})");
                (options[g] ??= [])[parts[2]] = value;
            }
            else if (parts.Length == 3 && parts[0] == "state" && parts[2] == "step" && TryIndex(parts[1], _state.Count, out int i))
            {
                if (value < 1 || value != Math.Floor(value))
                    throw new ArgumentException($"{Name}.LoadStateDict: \"{key}\" must be a positive whole number, got {value}");
                (states[i] ??= new ParamState<T>(_bufferNames.Length)).Step = (long)value;
            }
            else throw new ArgumentException($"{Name}.LoadStateDict: unexpected scalar \"{key}\"");
        }
        for (int g = 0; g < _groups.Count; g++)
        {
            if (!dict.Scalars.ContainsKey($"param_groups.{g}.num_params"))
                throw new ArgumentException($"{Name}.LoadStateDict: missing \"param_groups.{g}.num_params\" ({_groups.Count} groups expected)");
            foreach (var name in Defaults.Keys)
                if (options[g] is null || !options[g].ContainsKey(name))
                    throw new ArgumentException($"{Name}.LoadStateDict: missing \"param_groups.{g}.{name}\"");
            ValidateOptions(options[g]);
        }
        foreach (var (key, tensor) in dict.Tensors)
        {
            var parts = key.Split('.');
            int b = parts.Length == 3 ? Array.IndexOf(_bufferNames, parts[2]) : -1;
            if (parts[0] != "state" || b < 0 || !TryIndex(parts[1], _state.Count, out int i))
                throw new ArgumentException($"{Name}.LoadStateDict: unexpected tensor \"{key}\" (buffers: {string.Join(", ", _bufferNames)})");
            if (states[i] is null)
                throw new ArgumentException($"{Name}.LoadStateDict: tensor \"{key}\" has no \"state.{i}.step\"");
            if (!tensor.Shape.SequenceEqual(_params[i].Shape))
                throw new ArgumentException($"{Name}.LoadStateDict: \"{key}\" has shape {TensorShape.Format(tensor.Shape)} but parameter {i} has shape {TensorShape.Format(_params[i].Shape)}");
            states[i]!.Buffers[b] = Tensor.FromArray(tensor.ToArray(), [tensor.NumElements]);
        }
        // Everything checked: apply.
        StepCount = (long)step;
        for (int g = 0; g < _groups.Count; g++)
            foreach (var (name, value) in options[g]) _groups[g][name] = value;
        for (int i = 0; i < _state.Count; i++) _state[i] = states[i];
    }

    private static bool TryIndex(string text, int count, out int index) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < count;
}
