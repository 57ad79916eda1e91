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

    /// <summary>Largest step count a checkpoint may hold: 2⁵³, the last whole number a double holds exactly.</summary>
    public const double MaxStepCount = 9007199254740992;

    /// <summary>
    /// Restores a state saved by <see cref="StateDict"/> from an optimizer of the same kind over parameters of the same
    /// shapes in the same groups. Everything is validated before anything changes: "step" and every "state.{i}.step"
    /// are whole numbers in [0, 2⁵³] (a parameter's in [1, "step"]); group and parameter counts; every option present,
    /// finite and in its domain; no unknown keys; buffer shapes equal to their parameters', buffer values finite (and
    /// ≥ 0 for running averages of squares); and every parameter with a step count has every buffer its update keeps
    /// (<see cref="KeepsBuffer"/>). With <paramref name="strict"/> false a missing buffer is not an error: it restarts
    /// at its initial value and its key is returned. Values are copied.
    /// </summary>
    /// <returns>The buffer keys ("state.{i}.{buffer}") that were missing; always empty when strict.</returns>
    /// <exception cref="ArgumentException">A key is missing, unknown or out of its domain; the message names it.</exception>
    public IReadOnlyList<string> LoadStateDict(OptimizerStateDict<T> dict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(dict);
        if (!dict.Scalars.TryGetValue("step", out double step))
            throw new ArgumentException($"{Name}.LoadStateDict: missing \"step\"");
        CheckStepCount("step", step, 0, MaxStepCount);
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
                        throw new ArgumentException($"{Name}.LoadStateDict: group {g} had {value} parameters when saved but has {_groups[g].Parameters.Count} now (\"{key}\")");
                    continue;
                }
                if (!Defaults.ContainsKey(parts[2]))
                    throw new ArgumentException($"{Name}.LoadStateDict: unknown option \"{key}\" (known: {string.Join(", ", Defaults.Keys)})");
                (options[g] ??= [])[parts[2]] = value;
            }
            else if (parts.Length == 3 && parts[0] == "state" && parts[2] == "step" && TryIndex(parts[1], _state.Count, out int i))
            {
                CheckStepCount(key, value, 1, step);
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
            foreach (var (name, value) in options[g])
                if (!double.IsFinite(value))
                    throw new ArgumentOutOfRangeException(name, $"{Name}.LoadStateDict: \"param_groups.{g}.{name}\" must be finite, got {value}");
            try { ValidateOptions(options[g]); }
            catch (ArgumentException e)
            {
                string key = e.ParamName is { } option ? $"param_groups.{g}.{option}" : $"param_groups.{g}";
                string message = $"{Name}.LoadStateDict: \"{key}\": {(e is ArgumentOutOfRangeException ? e.Message.Replace($" (Parameter '{e.ParamName}')", "") : e.Message)}";
                throw e is ArgumentOutOfRangeException ? new ArgumentOutOfRangeException(e.ParamName, message) : new ArgumentException(message);
            }
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
            T[] values = tensor.ToArray();
            bool nonNegative = IsNonNegativeBuffer(b);
            for (int k = 0; k < values.Length; k++)
                if (!T.IsFinite(values[k]) || (nonNegative && T.IsNegative(values[k]) && values[k] != T.Zero))
                    throw new ArgumentException($"{Name}.LoadStateDict: \"{key}\" element {k} is {values[k]}; it must be finite{(nonNegative ? " and ≥ 0 (a running average of squares)" : "")}");
            states[i]!.Buffers[b] = Tensor.FromArray(values, [tensor.NumElements]);
        }
        var missing = new List<string>();
        for (int g = 0, i = 0; g < _groups.Count; g++)
            for (int k = 0; k < _groups[g].Parameters.Count; k++, i++)
                for (int b = 0; b < _bufferNames.Length; b++)
                    if (states[i] is { } state && state.Buffers[b] is null && KeepsBuffer(b, options[g]))
                        missing.Add($"state.{i}.{_bufferNames[b]}");
        if (strict && missing.Count > 0)
            throw new ArgumentException($"{Name}.LoadStateDict: missing {string.Join(", ", missing.Select(k => $"\"{k}\""))} (parameters with a step count keep these buffers; load with strict: false to restart them)");
        // Everything checked: apply.
        StepCount = (long)step;
        for (int g = 0; g < _groups.Count; g++)
            foreach (var (name, value) in options[g]) _groups[g][name] = value;
        for (int i = 0; i < _state.Count; i++) _state[i] = states[i];
        return missing;
    }

    /// <summary>
    /// Whether a parameter that has had an update with these group <paramref name="options"/> always has buffer
    /// <paramref name="buffer"/> (e.g. Adam's exp_avg; SGD's momentum_buffer only when momentum ≠ 0). Used by
    /// <see cref="LoadStateDict"/> to find missing state.
    /// </summary>
    protected virtual bool KeepsBuffer(int buffer, IReadOnlyDictionary<string, double> options) => true;

    /// <summary>Whether buffer <paramref name="buffer"/> holds only values ≥ 0 (a running sum or average of squares).</summary>
    protected virtual bool IsNonNegativeBuffer(int buffer) => false;

    private void CheckStepCount(string key, double value, double min, double max)
    {
        if (!double.IsFinite(value) || value != Math.Floor(value) || value < min || value > max)
            throw new ArgumentException($"{Name}.LoadStateDict: \"{key}\" must be a whole number in [{min}, {max}], got {value}");
    }

    private static bool TryIndex(string text, int count, out int index) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index < count
        && text == index.ToString(CultureInfo.InvariantCulture);   // one spelling per index: "state.01.step" is not "state.1.step"
}
