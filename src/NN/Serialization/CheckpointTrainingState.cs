using System.Globalization;
using Autograd.NN.Data;

namespace Autograd.NN.Serialization;

/// <summary>
/// What a checkpoint needs besides the model and the optimizer to resume training as if it had never stopped: the
/// number of optimizer steps taken, the schedule's epoch (<see cref="Schedules.LRScheduler.SetEpoch"/>), the data
/// loader's position (<see cref="DataLoader{T}.Position"/>) and the state of every other random generator the
/// training draws from (dropout, augmentation), by a name of the caller's choosing.
/// </summary>
/// <param name="Step">Optimizer steps taken (≥ 0).</param>
/// <param name="Epoch">The schedule's epoch t (≥ 0).</param>
/// <param name="Loader">The data loader's position, or null when there is none to save.</param>
/// <param name="Generators">Other generators' states by name (letters, digits, '_', '-' and '.').</param>
/// <param name="Plateau">A <see cref="Schedules.ReduceLROnPlateau"/>'s progress (<see cref="Schedules.ReduceLROnPlateau.State"/>),
/// or null when training uses none.</param>
/// <param name="EarlyStopping">An <see cref="Schedules.EarlyStopping{T}"/>'s progress (<see cref="Schedules.EarlyStopping{T}.State"/>:
/// its counts, not its copy of the best weights), or null when training uses none.</param>
public sealed record TrainingState(long Step, int Epoch, DataLoaderPosition? Loader, IReadOnlyDictionary<string, GeneratorState> Generators,
    Schedules.PlateauState? Plateau = null, Schedules.EarlyStoppingState? EarlyStopping = null)
{
    /// <summary>Metadata key prefix of the training state, inside the format's reserved "autograd." prefix.</summary>
    public const string Prefix = "autograd.training.";

    private const string StepKey = Prefix + "step", EpochKey = Prefix + "epoch", LoaderKey = Prefix + "loader",
        GeneratorPrefix = Prefix + "generator.", PlateauKey = Prefix + "plateau", EarlyStoppingKey = Prefix + "early_stopping";

    /// <summary>The state as metadata entries: decimal step and epoch; each generator as its four words and the
    /// cached normal's bits in hexadecimal ("-" for none), so every bit round-trips; the loader as its batch index
    /// followed by its generator's state.</summary>
    internal Dictionary<string, string> ToMetadata()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Step);
        ArgumentOutOfRangeException.ThrowIfNegative(Epoch);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [StepKey] = Step.ToString(CultureInfo.InvariantCulture),
            [EpochKey] = Epoch.ToString(CultureInfo.InvariantCulture),
        };
        if (Loader is { } loader)
            meta[LoaderKey] = $"{loader.Batch.ToString(CultureInfo.InvariantCulture)};{Format(loader.EpochStart)}";
        if (Plateau is { } p)
        {
            if (p.BadEpochs < 0 || p.CooldownCounter < 0 || p.Epoch < 0 || double.IsNaN(p.Best))
                throw new ArgumentException($"TrainingState: plateau state {p} has a negative count or a NaN best value", nameof(Plateau));
            meta[PlateauKey] = FormatRecord(p.Best, p.BadEpochs, p.CooldownCounter, p.Epoch);
        }
        if (EarlyStopping is { } e)
        {
            if (e.Problem() is { } problem) throw new ArgumentException($"TrainingState: early-stopping state {e}: {problem}", nameof(EarlyStopping));
            meta[EarlyStoppingKey] = FormatRecord(e.BestLoss, e.BestEpoch, e.Epochs, e.BadEpochs);
        }
        foreach (var (name, state) in Generators)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
                throw new ArgumentException($"TrainingState: generator name '{name}' must be non-empty letters, digits, '_', '-' or '.'", nameof(Generators));
            meta[GeneratorPrefix + name] = Format(state);
        }
        return meta;
    }

    /// <summary>
    /// The training state in <paramref name="metadata"/>, or null when it holds none (no step key). Every entry is
    /// checked: whole numbers in range, well-formed generator states that a generator can hold, no unknown
    /// "autograd.training." key; each problem is added to <paramref name="problems"/>.
    /// </summary>
    internal static TrainingState? FromMetadata(IReadOnlyDictionary<string, string> metadata, List<string> problems)
    {
        var keys = metadata.Keys.Where(k => k.StartsWith(Prefix, StringComparison.Ordinal)).ToList();
        if (keys.Count == 0) return null;
        int before = problems.Count;
        long step = ReadWhole(metadata, StepKey, long.MaxValue, problems);
        int epoch = (int)ReadWhole(metadata, EpochKey, int.MaxValue, problems);
        DataLoaderPosition? loader = null;
        if (metadata.TryGetValue(LoaderKey, out string? text))
        {
            int semicolon = text.IndexOf(';');
            bool batchOk = int.TryParse(semicolon < 0 ? text : text[..semicolon], NumberStyles.None, CultureInfo.InvariantCulture, out int batch);
            if (!batchOk || semicolon < 0) problems.Add($"metadata '{LoaderKey}' is '{text}'; expected a batch index, ';' and a generator state");
            else if (Parse(text[(semicolon + 1)..]) is { } start) loader = new DataLoaderPosition(start, batch);
            else problems.Add($"metadata '{LoaderKey}' holds an invalid generator state '{text[(semicolon + 1)..]}'; expected four non-zero-together 16-digit hex words and the normal's bits or '-', separated by ';'");
        }
        Schedules.PlateauState? plateau = null;
        if (metadata.TryGetValue(PlateauKey, out string? plateauText))
        {
            plateau = ParsePlateau(plateauText);
            if (plateau is null)
                problems.Add($"metadata '{PlateauKey}' is '{plateauText}'; expected the best value's 16 hex digits, then the bad epochs, the cooldown left and the epoch as whole numbers, separated by ';'");
        }
        Schedules.EarlyStoppingState? stopping = null;
        if (metadata.TryGetValue(EarlyStoppingKey, out string? stoppingText))
        {
            stopping = ParseEarlyStopping(stoppingText, out string problem);
            if (stopping is null) problems.Add($"metadata '{EarlyStoppingKey}' is '{stoppingText}'; {problem}");
        }
        var generators = new Dictionary<string, GeneratorState>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            if (key.StartsWith(GeneratorPrefix, StringComparison.Ordinal))
            {
                if (Parse(metadata[key]) is { } state) generators[key[GeneratorPrefix.Length..]] = state;
                else problems.Add($"metadata '{key}' holds an invalid generator state '{metadata[key]}'");
            }
            else if (key is not (StepKey or EpochKey or LoaderKey or PlateauKey or EarlyStoppingKey))
                problems.Add($"unknown training-state key '{key}'");
        }
        return problems.Count > before ? null : new TrainingState(step, epoch, loader, generators, plateau, stopping);
    }

    private static Schedules.EarlyStoppingState? ParseEarlyStopping(string text, out string problem)
    {
        problem = "expected the best loss's 16 hex digits, then the best epoch (−1 for none), the epochs and the bad epochs as whole numbers, separated by ';'";
        if (ParseRecord(text, firstSigned: true) is not var (loss, c)) return null;
        var state = new Schedules.EarlyStoppingState(loss, c[0], c[1], c[2]);
        if (state.Problem() is not { } inconsistent) return state;
        problem = $"an inconsistent state: {inconsistent}";
        return null;
    }

    private static Schedules.PlateauState? ParsePlateau(string text) =>
        ParseRecord(text, firstSigned: false) is var (best, c) && !double.IsNaN(best) ? new Schedules.PlateauState(best, c[0], c[1], c[2]) : null;

    /// <summary>A schedule's progress as an entry: a double's bits in hexadecimal (so ±∞ and every value round-trip),
    /// then three counts, separated by ';'.</summary>
    private static string FormatRecord(double value, int a, int b, int c) =>
        string.Create(CultureInfo.InvariantCulture, $"{BitConverter.DoubleToUInt64Bits(value):x16};{a};{b};{c}");

    /// <summary>The value and three counts of <see cref="FormatRecord"/>, or null when malformed; the counts are whole
    /// numbers, the first one signed when <paramref name="firstSigned"/>.</summary>
    private static (double Value, int[] Counts)? ParseRecord(string text, bool firstSigned)
    {
        string[] parts = text.Split(';');
        if (parts.Length != 4 || parts[0].Length != 16
            || !ulong.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong bits)) return null;
        var counts = new int[3];
        for (int i = 0; i < 3; i++)
            if (!int.TryParse(parts[i + 1], i == 0 && firstSigned ? NumberStyles.AllowLeadingSign : NumberStyles.None,
                    CultureInfo.InvariantCulture, out counts[i])) return null;
        return (BitConverter.UInt64BitsToDouble(bits), counts);
    }

    private static long ReadWhole(IReadOnlyDictionary<string, string> metadata, string key, long max, List<string> problems)
    {
        if (!metadata.TryGetValue(key, out string? text)) problems.Add($"training state lacks '{key}'");
        else if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value > max)
            problems.Add($"metadata '{key}' is '{text}'; expected a whole number in [0, {max}]");
        else return value;
        return 0;
    }

    private static string Format(GeneratorState s) =>
        $"{s.S0:x16};{s.S1:x16};{s.S2:x16};{s.S3:x16};{(s.SpareNormal is double v ? BitConverter.DoubleToUInt64Bits(v).ToString("x16") : "-")}";

    private static GeneratorState? Parse(string text)
    {
        string[] parts = text.Split(';');
        if (parts.Length != 5) return null;
        var words = new ulong[5];
        for (int i = 0; i < 5; i++)
        {
            if (i == 4 && parts[4] == "-") continue;
            if (parts[i].Length != 16 || !ulong.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out words[i])) return null;
        }
        double? spare = parts[4] == "-" ? null : BitConverter.UInt64BitsToDouble(words[4]);
        if ((words[0] | words[1] | words[2] | words[3]) == 0 || spare is double d && !double.IsFinite(d)) return null;
        return new GeneratorState(words[0], words[1], words[2], words[3], spare);
    }
}
