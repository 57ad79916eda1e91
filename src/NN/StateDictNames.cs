namespace Autograd.NN;

/// <summary>
/// How state-dict names are spelled: PyTorch's snake_case ("running_mean", "in_proj_weight"), derived from member names,
/// and the mapping from the camelCase names that files written by earlier versions of this library hold
/// ("1.runningMean" → "1.running_mean"), so that those files still load.
/// </summary>
internal static class StateDictNames
{
    /// <summary>
    /// PyTorch's spelling of a member name: snake_case without leading underscores. "_fc1" → "fc1", "Weight" → "weight",
    /// "RunningMean" → "running_mean", "InProjWeight" → "in_proj_weight", "WeightIhL0" → "weight_ih_l0", "Linear1" →
    /// "linear1", "FC1" → "fc1", "HTTPLayer" → "http_layer". Already snake_case names are unchanged.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        name = name.TrimStart('_');
        var text = new System.Text.StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool afterLower = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                bool endsAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                if ((afterLower || endsAcronym) && text.Length > 0 && text[^1] != '_') text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>A dotted key with every segment in snake_case: "encoder.selfAttn.inProjWeight" → "encoder.self_attn.in_proj_weight".</summary>
    public static string Canonical(string key) => string.Join('.', key.Split('.').Select(ToSnakeCase));

    /// <summary>
    /// The keys of <paramref name="keys"/> that the module lacks (<paramref name="moduleHas"/> false) but whose
    /// <see cref="Canonical"/> form it has and <paramref name="keys"/> does not also hold: old camelCase names, each
    /// mapped to today's name.
    /// </summary>
    public static Dictionary<string, string> LegacyRenames(IReadOnlyCollection<string> keys, Func<string, bool> moduleHas)
    {
        var present = new HashSet<string>(keys, StringComparer.Ordinal);
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (moduleHas(key)) continue;
            string canonical = Canonical(key);
            if (canonical != key && moduleHas(canonical) && !present.Contains(canonical) && !renames.ContainsValue(canonical))
                renames.Add(key, canonical);
        }
        return renames;
    }
}
