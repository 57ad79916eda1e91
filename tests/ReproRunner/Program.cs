// Runs one short training (see ReproTraining) in its own process, for the reproducibility and kill-and-resume tests:
//   ReproRunner --model mlp|cnn --steps N [--seed S] [--threads T] [--checkpoint-dir DIR --checkpoint-every K]
//               [--resume] [--step-delay-ms MS]
// Prints "checkpoint K" after each checkpoint, "loss STEP BITS" for each step it ran, then "state HASH".
//   ReproRunner --math   prints "state HASH" of elementwise math on fixed values (ReproTraining.MathHash), first thing.
using System.Globalization;
using Autograd.ReproRunner;

if (args is ["--math"])
{
    Console.WriteLine($"state {ReproTraining.MathHash()}");
    return 0;
}
var named = new Dictionary<string, string>(StringComparer.Ordinal);
bool resume = false;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--resume") resume = true;
    else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) named[args[i][2..]] = args[++i];
    else
    {
        Console.Error.WriteLine($"ReproRunner: unexpected argument '{args[i]}'");
        return 2;
    }
}
int Int(string key, int fallback) => named.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var options = new ReproOptions(
    named.GetValueOrDefault("model", "mlp"), Int("steps", 10), ulong.Parse(named.GetValueOrDefault("seed", "1"), CultureInfo.InvariantCulture),
    named.ContainsKey("threads") ? Int("threads", 1) : null, named.GetValueOrDefault("checkpoint-dir"), Int("checkpoint-every", 0),
    resume, Int("step-delay-ms", 0));
var result = ReproTraining.Run(options, line =>
{
    Console.WriteLine(line);
    Console.Out.Flush();
});
foreach (var (step, bits) in result.Losses) Console.WriteLine($"loss {step} {bits:x8}");
Console.WriteLine($"state {result.StateHash}");
return 0;
