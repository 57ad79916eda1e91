namespace Autograd;

/// <summary>Where an anomaly was found: in an op's forward result or in the gradients its backward produced.</summary>
public enum AnomalyPhase
{
    /// <summary>The op's result holds a NaN or an infinity.</summary>
    Forward,
    /// <summary>A gradient that the op's backward rule returned holds a NaN or an infinity.</summary>
    Backward,
}

/// <summary>
/// Thrown under <see cref="Tensor.DetectAnomaly"/> at the first NaN or infinity in an op's result or in a gradient its
/// backward produced. Names the op, the user's source line that called it (when the op ran with the mode on), the
/// shapes and statistics of what went in, and whether the op created the non-finite value or passed on one it was given.
/// </summary>
public sealed class AnomalyException : ArithmeticException
{
    internal AnomalyException(string message, string opName, AnomalyPhase phase, bool created, string? sourceFile,
        int sourceLine, IReadOnlyList<string> inputs) : base(message)
    {
        OpName = opName;
        Phase = phase;
        Created = created;
        SourceFile = sourceFile;
        SourceLine = sourceLine;
        Inputs = inputs;
    }

    /// <summary>The op whose forward result, or whose backward's gradient, is not finite (e.g. "Log", "Sqrt").</summary>
    public string OpName { get; }

    /// <summary>Forward result or backward gradient.</summary>
    public AnomalyPhase Phase { get; }

    /// <summary>True when every value the op was given was finite, so the op created the NaN or infinity (e.g. log(0));
    /// false when an input (forward) or the upstream gradient (backward) already held one and the op passed it on.</summary>
    public bool Created { get; }

    /// <summary>The source file of the user's code that called the op, or null when unknown (the op ran before the mode
    /// was turned on, or the caller has no debug information).</summary>
    public string? SourceFile { get; }

    /// <summary>The line in <see cref="SourceFile"/>, or 0 when unknown.</summary>
    public int SourceLine { get; }

    /// <summary>One line per operand (forward) or per operand and the upstream gradient (backward): its shape and
    /// statistics (min, max, NaN and infinity counts).</summary>
    public IReadOnlyList<string> Inputs { get; }
}
