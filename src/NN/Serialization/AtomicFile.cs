namespace Autograd.NN.Serialization;

/// <summary>
/// Writes a file atomically: the content goes to a temporary file in the same directory, is
/// flushed to disk, and only then replaces the destination with <see cref="File.Move(string, string, bool)"/>.
/// A reader therefore sees either the old file or the complete new one, never a partial write.
/// </summary>
internal static class AtomicFile
{
    /// <summary>
    /// Creates <paramref name="path"/> with the bytes that <paramref name="write"/> puts into the stream.
    /// If <paramref name="write"/> throws, the temporary file is deleted, any existing file at
    /// <paramref name="path"/> is left untouched, and the exception propagates.
    /// </summary>
    /// <param name="path">Destination file.</param>
    /// <param name="write">Writes the whole content into the stream it is given.</param>
    /// <param name="wrap">Test seam: wraps the file stream (for example to inject a failure mid-write).</param>
    public static void Write(string path, Action<Stream> write, Func<Stream, Stream>? wrap = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)
            ?? throw new ArgumentException($"{path}: has no parent directory", nameof(path));
        // Hidden, unique, same directory (so File.Move is a rename on the same file system).
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Stream stream = wrap is null ? file : wrap(file);
                write(stream);
                stream.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string temp)
    {
        try { File.Delete(temp); }
        catch (IOException) { /* best effort: the original exception matters more */ }
        catch (UnauthorizedAccessException) { }
    }
}
