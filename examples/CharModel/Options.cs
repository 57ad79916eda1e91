using System.Globalization;

namespace CharModel;

/// <summary>
/// Command-line options. The defaults are those of the libtorch anchor (shared/anchors/CharLm/Program.cs) so that the
/// validation losses of the two sides can be read side by side: same corpus, split, batches, models and optimizers.
/// </summary>
internal sealed record Options(
    string Model, int Steps, int Batch, int Context, double LearningRate, double WeightDecay,
    int DModel, int Heads, int Layers, int Hidden, int Embed, int Seed, int EvalEvery, int EvalBatches,
    string Corpus, bool Tbptt, double Temperature, int TopK, int SampleLength, string OutDir)
{
    public const string Usage =
        "usage: dotnet run -c Release --project examples/CharModel -- [--model lstm|transformer] [--steps 2000] [--batch 32]\n" +
        "       [--context 64] [--lr X] [--weight-decay X] [--d-model 128] [--heads 4] [--layers 2] [--hidden 256] [--embed 64]\n" +
        "       [--seed 1] [--eval-every 250] [--eval-batches 50] [--corpus /usr/share/games/fortunes] [--tbptt]\n" +
        "       [--temperature 0.8] [--top-k 20] [--sample-length 300] [--out out/char-model]\n" +
        "  --lr defaults to 3e-4 (transformer, AdamW, weight decay 0.1) or 2e-3 (lstm, Adam);\n" +
        "  --tbptt trains the LSTM by truncated backpropagation through time on contiguous streams (state carried, detached,\n" +
        "  from chunk to chunk) instead of random windows from a zero state (the anchor's way, the default).";

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        bool tbptt = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tbptt") { tbptt = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            if (i + 1 >= args.Length) throw new ArgumentException($"option {args[i]} needs a value");
            values[args[i][2..]] = args[++i];
        }
        string[] known = ["model", "steps", "batch", "context", "lr", "weight-decay", "d-model", "heads", "layers", "hidden", "embed",
            "seed", "eval-every", "eval-batches", "corpus", "temperature", "top-k", "sample-length", "out"];
        foreach (var key in values.Keys)
            if (!known.Contains(key)) throw new ArgumentException($"unknown option --{key}");
        string model = values.GetValueOrDefault("model", "transformer");
        if (model is not ("lstm" or "transformer")) throw new ArgumentException($"--model must be lstm or transformer, got '{model}'");
        if (tbptt && model != "lstm") throw new ArgumentException("--tbptt applies to --model lstm only");
        bool gpt = model == "transformer";
        int Int(string key, int fallback, int min = 1)
        {
            if (!values.TryGetValue(key, out var s)) return fallback;
            return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= min
                ? v : throw new ArgumentException($"--{key} must be an integer ≥ {min}, got '{s}'");
        }
        double Real(string key, double fallback)
        {
            if (!values.TryGetValue(key, out var s)) return fallback;
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && double.IsFinite(v)
                ? v : throw new ArgumentException($"--{key} must be a non-negative number, got '{s}'");
        }
        var options = new Options(model, Int("steps", 2000), Int("batch", 32), Int("context", 64), Real("lr", gpt ? 3e-4 : 2e-3),
            Real("weight-decay", gpt ? 0.1 : 0.0), Int("d-model", 128), Int("heads", 4), Int("layers", 2), Int("hidden", 256),
            Int("embed", 64), Int("seed", 1, 0), Int("eval-every", 250), Int("eval-batches", 50),
            values.GetValueOrDefault("corpus", CharModel.Corpus.DebianFolder), tbptt, Real("temperature", 0.8), Int("top-k", 20),
            Int("sample-length", 300, 0), values.GetValueOrDefault("out", Path.Combine("out", "char-model")));
        if (options.Temperature <= 0) throw new ArgumentException("--temperature must be positive");
        if (gpt && options.DModel % options.Heads != 0)
            throw new ArgumentException($"--heads {options.Heads} does not divide --d-model {options.DModel}");
        return options;
    }
}
