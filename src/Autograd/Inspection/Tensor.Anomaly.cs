using Autograd.Engine;

namespace Autograd;

public static partial class Tensor
{
    /// <summary>
    /// Turns on anomaly detection for this thread until the returned scope is disposed (PyTorch's
    /// <c>torch.autograd.detect_anomaly</c>, extended to the forward pass):
    /// <c>using (Tensor.DetectAnomaly()) { var loss = model.Forward(x)…; loss.Backward(); }</c>.
    /// Every op's result is checked for NaN and infinity as it is computed, and every gradient a backward rule returns
    /// as it is returned; the first one throws an <see cref="AnomalyException"/> naming the op, the source file and line
    /// of the user's code that called it (captured for each op while the mode is on), the shapes and statistics of its
    /// inputs (and of the upstream gradient in the backward pass), and whether the op created the value (log(0) = −∞;
    /// the derivative 1/(2√x) of √x at 0) or passed on one it was given. Ops run outside the mode have no source line.
    /// </summary>
    /// <param name="checkForwardInfinity">Whether an infinite forward result is an anomaly (default true); pass false
    /// where infinities are meant, for example additive attention masks holding −∞, so that only NaN is reported in
    /// the forward pass (the backward pass always reports both).</param>
    /// <remarks>Off, it costs each op one read of a static field. On, each op scans its result and captures a stack
    /// trace, which makes training many times slower (the README gives the measured factor): use it to find a bug,
    /// not for every run.</remarks>
    public static IDisposable DetectAnomaly(bool checkForwardInfinity = true) => Anomaly.Enter(checkForwardInfinity);

    /// <summary>True while <see cref="DetectAnomaly"/> is on for this thread.</summary>
    public static bool IsAnomalyDetectionEnabled => Anomaly.IsEnabled;
}
