using System.Text;

namespace CharModel;

/// <summary>
/// The text, its vocabulary and the 90/10 split, defined as the anchor defines them: every regular file of the corpus
/// folder whose name has no extension (so not the *.dat indexes or *.u8 copies), not a link, sorted by name (ordinal),
/// read as UTF-8 and joined with "\n"; the vocabulary is the sorted distinct UTF-16 chars; train = the first
/// floor(0.9·n) chars, validation = the rest.
/// </summary>
internal sealed class Corpus
{
    /// <summary>Where Debian's <c>fortunes</c> package installs its text files.</summary>
    public const string DebianFolder = "/usr/share/games/fortunes";

    public required string Description { get; init; }
    public required char[] Vocabulary { get; init; }
    public required int[] Train { get; init; }
    public required int[] Validation { get; init; }
    public int Size => Vocabulary.Length;

    /// <summary>Id of <paramref name="c"/> in the vocabulary.</summary>
    public int Id(char c) => Array.BinarySearch(Vocabulary, c) is var i and >= 0 ? i : throw new ArgumentException($"char U+{(int)c:X4} is not in the vocabulary");

    /// <summary>The corpus in <paramref name="folder"/>, or (with a message on how to install it) the built-in text.</summary>
    public static Corpus Load(string folder, TextWriter log)
    {
        string[] files = Directory.Exists(folder)
            ? [.. Directory.GetFiles(folder).Select(Path.GetFileName).OfType<string>()
                .Where(n => Path.GetExtension(n).Length == 0 && new FileInfo(Path.Combine(folder, n)).LinkTarget is null)
                .Order(StringComparer.Ordinal)]
            : [];
        if (files.Length == 0)
        {
            log.WriteLine($"No corpus in {folder}: install Debian's fortunes package (sudo apt-get install fortunes) for the real");
            log.WriteLine("2.6 MB corpus. Training on a small built-in text instead (its losses are not comparable).");
            return FromText(BuiltInText.Value, "built-in text");
        }
        var utf8 = new UTF8Encoding(false, throwOnInvalidBytes: true);
        string text = string.Join("\n", files.Select(n => File.ReadAllText(Path.Combine(folder, n), utf8)));
        return FromText(text, $"{files.Length} files of {folder}");
    }

    private static Corpus FromText(string text, string source)
    {
        char[] vocabulary = [.. text.Distinct().Order()];
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = Array.BinarySearch(vocabulary, text[i]);
        int train = (int)(text.Length * 9L / 10);
        return new Corpus
        {
            Description = $"{source}: {text.Length} chars ({Encoding.UTF8.GetByteCount(text)} UTF-8 bytes), vocabulary {vocabulary.Length}; train {train}, validation {text.Length - train}",
            Vocabulary = vocabulary,
            Train = ids[..train],
            Validation = ids[train..],
        };
    }

    /// <summary>Floors any model must beat: the train set's unigram frequencies (add-one smoothed) scored on validation,
    /// and the uniform distribution, both in nats per char.</summary>
    public (double Unigram, double Uniform) Baselines()
    {
        var counts = new long[Size];
        foreach (int t in Train) counts[t]++;
        double unigram = -Validation.Average(t => Math.Log((counts[t] + 1.0) / (Train.Length + Size)));
        return (unigram, Math.Log(Size));
    }
}
