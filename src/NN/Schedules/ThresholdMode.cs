namespace Autograd.NN.Schedules;

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved on the best value b by threshold θ.</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than b·(1 − θ) in Min mode, b·(1 + θ) in Max mode.</summary>
    Relative,
    /// <summary>Absolute: better than b − θ in Min mode, b + θ in Max mode.</summary>
    Absolute,
}
