namespace CharModel;

/// <summary>
/// Windows of context + 1 chars as the anchor cuts them: inputs are chars 0..T-1 of each window, targets 1..T. Random
/// windows come from System.Random, which is the same generator on both sides, so with the same seed the anchor and this
/// example train on the same windows in the same order and are scored on the same validation windows.
/// </summary>
internal sealed class Batches(Corpus corpus, int batch, int context, int evalBatches, int seed)
{
    private readonly Random _trainRandom = new(seed);
    private readonly int[] _starts = new int[batch];

    /// <summary>Starts of the fixed validation windows, drawn once before training from System.Random(seed + 1000).</summary>
    public int[] ValidationStarts { get; } = DrawStarts(new Random(seed + 1000), corpus.Validation.Length, context, evalBatches * batch);

    public int Batch => batch;
    public int Context => context;
    public int ValidationBatches => evalBatches;

    private static int[] DrawStarts(Random random, int length, int context, int count) =>
        length > context
            ? [.. Enumerable.Range(0, count).Select(_ => random.Next(length - context))]
            : throw new ArgumentException($"the validation text has {length} chars, fewer than context + 1 = {context + 1}");

    /// <summary>The next training batch: B windows at uniform random starts.</summary>
    public (int[] Inputs, int[] Targets) NextTrain()
    {
        for (int b = 0; b < batch; b++) _starts[b] = _trainRandom.Next(corpus.Train.Length - context);
        return Cut(corpus.Train, _starts, 0);
    }

    /// <summary>Inputs and targets [B·T] (row-major [B, T]) of the windows at starts[offset..offset + B).</summary>
    public (int[] Inputs, int[] Targets) Cut(int[] source, int[] starts, int offset)
    {
        var inputs = new int[batch * context];
        var targets = new int[batch * context];
        for (int b = 0; b < batch; b++)
        {
            source.AsSpan(starts[offset + b], context).CopyTo(inputs.AsSpan(b * context));
            source.AsSpan(starts[offset + b] + 1, context).CopyTo(targets.AsSpan(b * context));
        }
        return (inputs, targets);
    }
}
