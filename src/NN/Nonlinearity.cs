namespace Autograd.NN;

/// <summary>The non-linearity that follows a layer, which sets the gain of <see cref="Init"/>'s initialisers.</summary>
public enum Nonlinearity
{
    /// <summary>No non-linearity: gain 1.</summary>
    Linear,
    /// <summary>Logistic sigmoid: gain 1.</summary>
    Sigmoid,
    /// <summary>tanh: gain 5/3.</summary>
    Tanh,
    /// <summary>ReLU: gain √2.</summary>
    Relu,
    /// <summary>Leaky ReLU with negative slope a: gain √(2 / (1 + a²)).</summary>
    LeakyRelu,
    /// <summary>SELU: gain 3/4.</summary>
    Selu,
}
