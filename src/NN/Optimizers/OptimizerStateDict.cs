using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>
/// A checkpoint of an optimizer: scalars (hyper-parameters, step counts) and tensors (per-parameter buffers) by name.
/// Keys: "step"; "param_groups.{g}.{option}" (e.g. "param_groups.0.lr") and "param_groups.{g}.num_params";
/// "state.{i}.step" and "state.{i}.{buffer}" (e.g. "state.3.exp_avg") with i counting parameters across groups in order.
/// The tensors are copies: later steps do not change a saved dictionary.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class OptimizerStateDict<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Scalar entries by name.</summary>
    public Dictionary<string, double> Scalars { get; } = [];

    /// <summary>Tensor entries by name.</summary>
    public Dictionary<string, Tensor<T>> Tensors { get; } = [];
}
