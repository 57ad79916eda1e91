using System.Numerics;

namespace Autograd.NN.Optimizers;

/// <summary>
/// The state an optimizer keeps for one parameter: how many updates it has had (t) and its named buffers
/// (e.g. Adam's exp_avg and exp_avg_sq), each allocated on the parameter's first update.
/// </summary>
/// <typeparam name="T">Element type.</typeparam>
public sealed class ParamState<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal ParamState(int bufferCount) => Buffers = new Tensor<T>?[bufferCount];

    /// <summary>Number of updates applied to this parameter (t in the update equations).</summary>
    public long Step { get; internal set; }

    /// <summary>The buffers, in the order of the optimizer's buffer names; null until first used.</summary>
    internal Tensor<T>?[] Buffers { get; }
}
