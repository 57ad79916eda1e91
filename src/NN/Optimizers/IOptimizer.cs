namespace Autograd.NN.Optimizers;

/// <summary>
/// What a learning-rate schedule needs from an optimizer, independent of the element type:
/// the parameter groups' learning rates, read and written one group at a time.
/// </summary>
public interface IOptimizer
{
    /// <summary>Number of parameter groups.</summary>
    int GroupCount { get; }

    /// <summary>The learning rate of group <paramref name="group"/>.</summary>
    double GetLearningRate(int group);

    /// <summary>Sets the learning rate of group <paramref name="group"/>.</summary>
    void SetLearningRate(int group, double learningRate);

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    void Step();

    /// <summary>Clears the gradients of every parameter.</summary>
    void ZeroGrad();
}
