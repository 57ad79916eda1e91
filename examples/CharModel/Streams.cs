namespace CharModel;

/// <summary>
/// Contiguous streams for truncated backpropagation through time: the training text cut into B equal stretches, read
/// T chars per chunk in order; when a stretch has no whole chunk left, every row starts again at its beginning and the
/// caller resets the state.
/// </summary>
internal sealed class Streams(int[] text, int batch, int context)
{
    private readonly int _stretch = text.Length / batch;
    private int _position;

    /// <summary>The next chunk's inputs and targets [B·T], and whether the streams restarted (state must be reset).</summary>
    public (int[] Inputs, int[] Targets, bool Restart) Next()
    {
        bool restart = _position == 0;
        if (_position + context + 1 > _stretch)
        {
            if (context + 1 > _stretch) throw new ArgumentException($"--tbptt: {batch} streams of {_stretch} chars are shorter than context + 1 = {context + 1}");
            (_position, restart) = (0, true);
        }
        var inputs = new int[batch * context];
        var targets = new int[batch * context];
        for (int b = 0; b < batch; b++)
        {
            text.AsSpan(b * _stretch + _position, context).CopyTo(inputs.AsSpan(b * context));
            text.AsSpan(b * _stretch + _position + 1, context).CopyTo(targets.AsSpan(b * context));
        }
        _position += context;
        return (inputs, targets, restart);
    }
}
