namespace Autograd.NN.Serialization;

/// <summary>
/// A well-formed checkpoint file that does not fit the model or optimizer it is loaded into: a missing or unexpected
/// key, a shape or dtype mismatch, absent or foreign optimizer state. The message starts with the file path and lists
/// every problem found; nothing was changed. (A malformed file raises <see cref="SafeTensorsFormatException"/>.)
/// </summary>
public sealed class CheckpointException : InvalidOperationException
{
    /// <summary>Creates the exception with the message "<paramref name="path"/>: <paramref name="problem"/>".</summary>
    public CheckpointException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
    }

    /// <summary>The checkpoint file that was rejected.</summary>
    public string FilePath { get; }
}
