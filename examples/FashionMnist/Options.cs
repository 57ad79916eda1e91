namespace FashionMnist;

/// <summary>Command-line options of the example.</summary>
internal sealed record Options(string Model, int Epochs, string DataDir, int BatchSize, ulong Seed, string? Save, string OutDir,
    double LearningRate, int? Limit, bool Distributed = false)
{
    public const string Usage =
        "usage: dotnet run -c Release --project examples/FashionMnist -- --model mlp|cnn|lstm [--epochs N] [--data DIR]\n" +
        "       [--batch-size B] [--seed S] [--save FILE] [--out DIR] [--lr LR] [--limit N] [--distributed]\n" +
        "  defaults: --epochs 15 (mlp) / 10 (cnn, lstm), --data /usr/share/datasets/fashion-mnist,\n" +
        "            --batch-size 128 (mlp) / 64 (cnn, lstm),\n" +
        "            --seed 1, --out out/fashion-mnist, --lr 1e-3; --limit N trains on the first N training images only;\n" +
        "  --distributed: data-parallel under mpirun (see README, Distributed training), --batch-size is the global batch";

    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, string>();
        bool distributed = args.Contains("--distributed");
        args = args.Where(a => a != "--distributed").ToArray();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected argument '{args[i]}'");
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--")) throw new ArgumentException($"option {args[i]} needs a value");
            values[args[i][2..]] = args[++i];
        }
        string[] known = ["model", "epochs", "data", "batch-size", "seed", "save", "out", "lr", "limit"];
        foreach (var key in values.Keys)
            if (!known.Contains(key)) throw new ArgumentException($"unknown option --{key}");
        string model = values.GetValueOrDefault("model", "mlp");
        if (model is not ("mlp" or "cnn" or "lstm")) throw new ArgumentException($"--model must be mlp, cnn or lstm, got '{model}'");
        int Int(string key, int fallback)
        {
            if (!values.TryGetValue(key, out var s)) return fallback;
            return int.TryParse(s, out int v) && v > 0 ? v : throw new ArgumentException($"--{key} must be a positive integer, got '{s}'");
        }
        return new Options(
            model,
            Int("epochs", model == "mlp" ? 15 : 10),
            values.GetValueOrDefault("data", Autograd.NN.Data.FashionMnistFiles.DebianDirectory),
            Int("batch-size", model == "mlp" ? 128 : 64),
            values.TryGetValue("seed", out var seed) ? ulong.Parse(seed) : 1,
            values.GetValueOrDefault("save"),
            values.GetValueOrDefault("out", Path.Combine("out", "fashion-mnist")),
            values.TryGetValue("lr", out var lr) ? double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture) : 1e-3,
            values.ContainsKey("limit") ? Int("limit", 0) : null,
            distributed);
    }
}
