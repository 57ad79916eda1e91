namespace Autograd.NN;

/// <summary>Which fan Kaiming initialisation preserves: the forward pass's variance (fan-in) or the backward pass's (fan-out).</summary>
public enum FanMode
{
    /// <summary>Number of inputs per output unit: in·k for a weight [out, in, k…].</summary>
    FanIn,
    /// <summary>Number of outputs per input unit: out·k for a weight [out, in, k…].</summary>
    FanOut,
}
