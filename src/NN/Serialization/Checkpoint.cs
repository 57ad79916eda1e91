using System.Numerics;
using Autograd.NN.Optimizers;

namespace Autograd.NN.Serialization;

/// <summary>
/// Training checkpoints: a model's parameters and buffers, optionally an optimizer's state, and string metadata, in
/// one safetensors file written atomically (see <see cref="SafeTensorsFile.Save(string, IReadOnlyDictionary{string, SafeTensorEntry}, IReadOnlyDictionary{string, string}?)"/>).
/// <para>Layout (format version 1):</para>
/// <list type="bullet">
/// <item>every entry of <see cref="Module{T}.StateDict"/> under its plain name, which is PyTorch's ("0.weight",
/// "fc1.bias", "1.running_mean"), as <c>F32</c> for a <see cref="float"/> model and <c>F64</c> for a <see cref="double"/>
/// one, except whole-number counters (<see cref="BufferAttribute.Integer"/>, such as "1.num_batches_tracked") as
/// <c>I64</c>, so Python's <c>safetensors.torch.load_file</c> and <c>load_state_dict</c> read the weights directly. Files
/// written with the camelCase names of earlier versions ("1.runningMean") still load (see
/// <see cref="CheckpointLoadResult.RenamedKeys"/>);</item>
/// <item>with an optimizer, every entry of <see cref="Optimizer{T}.StateDict"/> under "optimizer.{key}": its buffers
/// ("optimizer.state.3.exp_avg") with the model's dtype and the parameter's shape, and its scalars ("optimizer.step",
/// "optimizer.param_groups.0.lr", "optimizer.state.3.step") as 0-d <c>F64</c> tensors, which round-trip every double
/// bit-exactly (text in the metadata would need care to do so), except Adam's β₁ and β₂, saved as PyTorch groups them:
/// one F64 vector "optimizer.param_groups.0.betas" = [β₁, β₂] (files with separate "beta1" and "beta2" still load);</item>
/// <item><c>__metadata__</c>: "autograd.format_version" = "1", "autograd.dtype" ("float32" or "float64"),
/// "autograd.model" (the model's type name), "autograd.optimizer" (the optimizer's name, only when one was saved), and
/// the caller's own entries, whose keys must not start with "autograd."; with a <see cref="TrainingState"/>, its
/// "autograd.training.*" entries (step, epoch, data-loader position, generator states).</item>
/// </list>
/// <para>Element types: a file saved from a model of element type T and loaded into one of the same type
/// restores every value bit for bit. Loading across types converts explicitly: F32 into a double model is exact, F64 into
/// a float model rounds to nearest. F16 and BF16 tensors (e.g. from another framework) are accepted and converted
/// exactly; any other dtype is rejected.</para>
/// <para>A file without "autograd.format_version" is a plain safetensors file (for example exported from PyTorch); it
/// loads as model weights only.</para>
/// </summary>
public static class Checkpoint
{
    /// <summary>The format version this code writes and the only one it reads.</summary>
    public const string FormatVersion = "1";

    /// <summary>Prefix of the optimizer's entries and of nothing else once an optimizer is saved.</summary>
    public const string OptimizerPrefix = "optimizer.";

    /// <summary>Prefix reserved for the metadata this class writes.</summary>
    public const string ReservedMetadataPrefix = "autograd.";

    /// <summary>Metadata key of the format version.</summary>
    public const string VersionKey = "autograd.format_version";

    /// <summary>Metadata key of the element type the model was saved with ("float32" or "float64").</summary>
    public const string DTypeKey = "autograd.dtype";

    /// <summary>Metadata key of the model's type name (informational).</summary>
    public const string ModelKey = "autograd.model";

    /// <summary>Metadata key of the optimizer's name ("Adam", "SGD", …); present exactly when optimizer state is saved.</summary>
    public const string OptimizerKey = "autograd.optimizer";

    private static readonly HashSet<string> FloatDTypes = new(StringComparer.Ordinal) { "F16", "BF16", "F32", "F64" };

    /// <summary>
    /// Writes <paramref name="model"/>'s state dict, <paramref name="optimizer"/>'s state (when given) and
    /// <paramref name="metadata"/> to <paramref name="path"/> in one atomic write: readers see the old file or the new
    /// one whole. See <see cref="Checkpoint"/> for the layout. With <paramref name="training"/> (step, schedule epoch,
    /// data-loader position, generator states) the file is enough to resume training bit for bit.
    /// </summary>
    /// <exception cref="ArgumentException">A metadata key starts with "autograd.", a metadata value is null, or an
    /// optimizer is saved with a model that has a key starting with "optimizer.".</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is neither float nor double.</exception>
    public static void Save<T>(string path, Module<T> model, Optimizer<T>? optimizer = null,
        IReadOnlyDictionary<string, string>? metadata = null, TrainingState? training = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        string dtype = DTypeOf<T>();
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in metadata ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(ReservedMetadataPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Checkpoint.Save: {path}: metadata key '{key}' is reserved (the '{ReservedMetadataPrefix}' prefix belongs to the checkpoint format)", nameof(metadata));
            meta[key] = value ?? throw new ArgumentException($"Checkpoint.Save: {path}: metadata value for '{key}' is null", nameof(metadata));
        }
        meta[VersionKey] = FormatVersion;
        meta[DTypeKey] = dtype == "F32" ? "float32" : "float64";
        meta[ModelKey] = TypeName(model);
        foreach (var (key, value) in training?.ToMetadata() ?? []) meta[key] = value;

        var entries = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        var integers = model.IntegerBufferNames();
        foreach (var (name, tensor) in model.StateDict())
        {
            if (optimizer is not null && name.StartsWith(OptimizerPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Checkpoint.Save: {path}: model key '{name}' would be read back as optimizer state; rename the sub-module or save the optimizer separately", nameof(model));
            entries.Add(name, integers.Contains(name) ? ToInt64Entry(name, tensor) : ToEntry(tensor));
        }
        if (optimizer is not null)
        {
            meta[OptimizerKey] = optimizer.Name;
            var state = optimizer.StateDict();
            foreach (var (key, value) in state.Scalars)
            {
                // PyTorch keeps Adam's β₁ and β₂ as one option "betas" = (β₁, β₂): saved as an F64 vector of two.
                if (BetasKey(key, "beta2") is { } pair && state.Scalars.ContainsKey(pair + "beta1")) continue;
                if (BetasKey(key, "beta1") is { } group && state.Scalars.TryGetValue(group + "beta2", out double beta2))
                    entries.Add(OptimizerPrefix + group + "betas", SafeTensorEntry.FromDouble([value, beta2], [2]));
                else entries.Add(OptimizerPrefix + key, SafeTensorEntry.FromDouble([value], []));
            }
            foreach (var (key, tensor) in state.Tensors) entries.Add(OptimizerPrefix + key, ToEntry(tensor));
        }
        SafeTensorsFile.Save(path, entries, meta);
    }

    /// <summary>Writes only the model's state dict (no optimizer state): <c>Save(path, model, null, metadata)</c>.</summary>
    public static void SaveModel<T>(string path, Module<T> model, IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Save(path, model, optimizer: null, metadata);

    /// <summary>Restores only the model from a checkpoint, ignoring any optimizer state in it: <c>Load(path, model, null, strict)</c>.</summary>
    public static CheckpointLoadResult LoadModel<T>(string path, Module<T> model, bool strict = true)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Load(path, model, optimizer: null, strict);

    /// <summary>
    /// Restores <paramref name="model"/> (and <paramref name="optimizer"/>, when given) from <paramref name="path"/>.
    /// Everything is checked before anything changes: the file's format (by <see cref="SafeTensorsFile.Load"/>), its
    /// format version, every model key's presence, shape and dtype (with <paramref name="strict"/> false, missing and
    /// unexpected keys are reported in the result instead), and, for an optimizer, that the file holds state of an
    /// optimizer of the same name, entries of the checkpoint's dtype (F64 for the scalars), that its
    /// <see cref="Optimizer{T}.LoadStateDict"/> accepts (step counts, option domains, buffer shapes and values, every
    /// buffer a parameter with a step count keeps; with <paramref name="strict"/> false missing buffers are reported in
    /// <see cref="CheckpointLoadResult.MissingOptimizerKeys"/> instead). On any failure the model
    /// and the optimizer are left exactly as they were. Optimizer state in the file is ignored when
    /// <paramref name="optimizer"/> is null.
    /// The training state, when the file holds one, is checked with the rest (whole numbers in range, valid generator
    /// states) and returned in <see cref="CheckpointLoadResult.Training"/>.
    /// </summary>
    /// <returns>The missing and unexpected model keys (empty when strict), the training state and the file's metadata.</returns>
    /// <exception cref="SafeTensorsFormatException">The file is not valid safetensors (truncated, corrupt header, …).</exception>
    /// <exception cref="CheckpointException">The file does not fit the model or optimizer; the message lists every problem.</exception>
    public static CheckpointLoadResult Load<T>(string path, Module<T> model, Optimizer<T>? optimizer = null, bool strict = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(model);
        string expected = DTypeOf<T>();
        var (tensors, metadata) = SafeTensorsFile.Load(path);
        if (metadata.TryGetValue(VersionKey, out string? version) && version != FormatVersion)
            throw new CheckpointException(path, $"checkpoint format version '{version}' is not supported (this code reads version {FormatVersion})");
        bool hasOptimizer = version is not null && metadata.ContainsKey(OptimizerKey);
        bool IsOptimizerKey(string name) => hasOptimizer && name.StartsWith(OptimizerPrefix, StringComparison.Ordinal);

        var problems = new List<string>();
        var own = model.StateDict();
        var integers = model.IntegerBufferNames();
        var renamed = StateDictNames.LegacyRenames([.. tensors.Keys.Where(k => !IsOptimizerKey(k))], own.ContainsKey);
        foreach (var (old, now) in renamed)
        {
            tensors[now] = tensors[old];
            tensors.Remove(old);
        }
        var modelState = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (var (name, entry) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (IsOptimizerKey(name)) continue;
            if (!own.TryGetValue(name, out var target))
            {
                unexpected.Add(name);
                if (strict) problems.Add($"unexpected key '{name}' (shape {SafeTensorEntry.ShapeText(entry.Shape)}) is not in the model");
            }
            else if (!entry.Shape.AsSpan().SequenceEqual([.. target.Shape]))
                problems.Add($"size mismatch for '{name}': file has shape {SafeTensorEntry.ShapeText(entry.Shape)}, model has {TensorShape.Format(target.Shape)}");
            else if (integers.Contains(name))
            {
                if (WholeNumbers<T>(entry) is { } counter) modelState[name] = counter;
                else problems.Add($"'{name}' is a counter (saved as I64) but the file holds {entry.DType} values that are not whole numbers");
            }
            else if (!FloatDTypes.Contains(entry.DType))
                problems.Add($"'{name}' has dtype {entry.DType}; expected {expected} (or another floating-point dtype)");
            else modelState[name] = ToTensor<T>(entry);
        }
        var missing = own.Keys.Where(k => !tensors.ContainsKey(k) || IsOptimizerKey(k)).ToList();
        if (strict)
            problems.InsertRange(0, missing.Select(k => $"missing key '{k}' (model shape {TensorShape.Format(own[k].Shape)})"));

        OptimizerStateDict<T>? optimizerState = null;
        if (optimizer is not null)
        {
            if (!hasOptimizer)
                problems.Add($"holds no optimizer state, but an optimizer ({optimizer.Name}) was given; use LoadModel to restore the model alone");
            else if (metadata[OptimizerKey] != optimizer.Name)
                problems.Add($"holds {metadata[OptimizerKey]} optimizer state, but the optimizer given is {optimizer.Name}");
            else if (metadata.GetValueOrDefault(DTypeKey) is not ("float32" or "float64"))
                problems.Add($"metadata '{DTypeKey}' is '{metadata.GetValueOrDefault(DTypeKey) ?? "(absent)"}'; expected float32 or float64");
            else optimizerState = ReadOptimizerState<T>(tensors, metadata[DTypeKey] == "float32" ? "F32" : "F64", problems);
        }
        var training = TrainingState.FromMetadata(metadata, problems);
        IReadOnlyList<string> missingOptimizerKeys = [];
        if (problems.Count > 0)
            throw new CheckpointException(path, $"does not fit {TypeName(model)}{(optimizer is null ? "" : $" with {optimizer.Name}")}: {string.Join("; ", problems)}; nothing was loaded");

        // The optimizer goes first: its LoadStateDict holds the optimizer's own rules (option ranges, group sizes) and
        // checks them all before applying anything. The model's checks above are those of Module.LoadStateDict, so the
        // model load that follows cannot fail; together the two loads change everything or nothing.
        if (optimizerState is not null)
        {
            try { missingOptimizerKeys = [.. optimizer!.LoadStateDict(optimizerState, strict).Select(k => OptimizerPrefix + k)]; }
            catch (ArgumentException e)
            {
                throw new CheckpointException(path, $"optimizer state does not fit {optimizer!.Name}: {e.Message}; nothing was loaded", e);
            }
        }
        model.LoadStateDict(modelState, strict);
        return new CheckpointLoadResult(strict ? [] : missing, strict ? [] : unexpected, metadata)
        {
            MissingOptimizerKeys = missingOptimizerKeys,
            RenamedKeys = renamed,
            Training = training,
        };
    }

    /// <summary>
    /// Every tensor of the file by name (model entries, "optimizer.*" entries, anything else), converted to
    /// <typeparamref name="T"/> as described in <see cref="Checkpoint"/>, for inspection. Integer dtypes are converted too.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed.</exception>
    /// <exception cref="CheckpointException">A tensor has a dtype that cannot be converted (8-bit floats).</exception>
    public static Dictionary<string, Tensor<T>> ReadTensors<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        DTypeOf<T>();
        var (tensors, _) = SafeTensorsFile.Load(path);
        var result = new Dictionary<string, Tensor<T>>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, entry) in tensors)
        {
            try { result.Add(name, ToTensor<T>(entry)); }
            catch (NotSupportedException e)
            {
                throw new CheckpointException(path, $"tensor '{name}' has dtype {entry.DType}, which cannot be converted to {typeof(T).Name}", e);
            }
        }
        return result;
    }

    /// <summary>The file's <c>__metadata__</c> map (empty when it has none).</summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed.</exception>
    public static Dictionary<string, string> ReadMetadata(string path) => SafeTensorsFile.Load(path).Metadata;

    /// <summary>
    /// The optimizer entries as an <see cref="OptimizerStateDict{T}"/>. Scalars are told from tensors by their keys as
    /// <see cref="OptimizerStateDict{T}"/> defines them ("step", "param_groups.*", "state.{i}.step"), not by their shapes,
    /// since a 0-d parameter has 0-d buffers.
    /// </summary>
    private static OptimizerStateDict<T> ReadOptimizerState<T>(Dictionary<string, SafeTensorEntry> tensors, string bufferDType, List<string> problems)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var state = new OptimizerStateDict<T>();
        foreach (var (name, entry) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!name.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) continue;
            string key = name[OptimizerPrefix.Length..];
            bool scalar = IsScalarKey(key);
            if (entry.DType != (scalar ? "F64" : bufferDType))
                problems.Add($"'{name}' has dtype {entry.DType}; expected {(scalar ? "F64 (optimizer scalars are saved as F64)" : $"{bufferDType} (the checkpoint's dtype)")}");
            else if (!scalar)
                state.Tensors[key] = ToTensor<T>(entry);
            else if (BetasKey(key, "betas") is { } group)
            {
                if (!entry.Shape.AsSpan().SequenceEqual([2]))
                    problems.Add($"'{name}' holds (β₁, β₂) but has shape {SafeTensorEntry.ShapeText(entry.Shape)}; expected [2]");
                else if (state.Scalars.ContainsKey(group + "beta1") || state.Scalars.ContainsKey(group + "beta2"))
                    problems.Add($"'{name}' and '{OptimizerPrefix}{group}beta1'/'beta2' both give β₁, β₂; keep one");
                else
                {
                    var betas = entry.ToDouble();
                    state.Scalars[group + "beta1"] = betas[0];
                    state.Scalars[group + "beta2"] = betas[1];
                }
            }
            else if (entry.Shape.Length != 0)
                problems.Add($"'{name}' is an optimizer scalar but has shape {SafeTensorEntry.ShapeText(entry.Shape)}; expected []");
            else
                state.Scalars[key] = entry.ToDouble()[0];
        }
        return state;
    }

    /// <summary>"param_groups.{g}." when <paramref name="key"/> is "param_groups.{g}.{option}", else null.</summary>
    private static string? BetasKey(string key, string option) =>
        key.StartsWith("param_groups.", StringComparison.Ordinal) && key.EndsWith("." + option, StringComparison.Ordinal)
            ? key[..^option.Length] : null;

    private static bool IsScalarKey(string key) =>
        key == "step" || key.StartsWith("param_groups.", StringComparison.Ordinal)
        || (key.StartsWith("state.", StringComparison.Ordinal) && key.EndsWith(".step", StringComparison.Ordinal));

    /// <summary>The safetensors dtype of <typeparamref name="T"/>: F32 for float, F64 for double.</summary>
    private static string DTypeOf<T>() =>
        typeof(T) == typeof(float) ? "F32"
        : typeof(T) == typeof(double) ? "F64"
        : throw new NotSupportedException($"Checkpoint: element type {typeof(T).Name} is not supported; use float or double");

    /// <summary>A bit-exact copy of <paramref name="tensor"/>'s elements (any layout) in row-major order.</summary>
    private static SafeTensorEntry ToEntry<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] data = tensor.ToArray();
        return typeof(T) == typeof(float)
            ? SafeTensorEntry.FromSingle((float[])(object)data, [.. tensor.Shape])
            : SafeTensorEntry.FromDouble((double[])(object)data, [.. tensor.Shape]);
    }

    /// <summary>A whole-number counter buffer as an I64 entry, as PyTorch saves <c>num_batches_tracked</c>.</summary>
    private static SafeTensorEntry ToInt64Entry<T>(string name, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] data = tensor.ToArray();
        var values = new long[data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            if (!T.IsInteger(data[i]))
                throw new InvalidOperationException($"Checkpoint.Save: counter buffer '{name}' holds {data[i]}, not a whole number");
            values[i] = long.CreateChecked(data[i]);
        }
        return SafeTensorEntry.FromInt64(values, [.. tensor.Shape]);
    }

    /// <summary>The entry's elements as <typeparamref name="T"/> when every one is a whole number (any integer or float
    /// dtype), else null.</summary>
    private static Tensor<T>? WholeNumbers<T>(SafeTensorEntry entry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (SafeTensorEntry.DTypeSize(entry.DType) == 0 || entry.DType.StartsWith("F8", StringComparison.Ordinal)) return null;
        var tensor = ToTensor<T>(entry);
        foreach (var v in tensor.AsReadOnlySpan())
            if (!T.IsInteger(v)) return null;
        return tensor;
    }

    /// <summary>The entry's elements as <typeparamref name="T"/>: bit-exact when the dtype matches, converted otherwise.</summary>
    private static Tensor<T> ToTensor<T>(SafeTensorEntry entry) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] data = typeof(T) == typeof(float) ? (T[])(object)entry.ToSingle()
            : typeof(T) == typeof(double) ? (T[])(object)entry.ToDouble()
            : throw new NotSupportedException($"Checkpoint: element type {typeof(T).Name} is not supported; use float or double");
        return Tensor.FromArray(data, entry.Shape);
    }

    private static string TypeName(object value)
    {
        string name = value.GetType().Name;
        int tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }
}
