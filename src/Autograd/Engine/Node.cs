using System.Numerics;

namespace Autograd.Engine;

/// <summary>
/// Local derivative of one op: given d(loss)/d(output), returns d(loss)/d(input) for each input
/// (null where an input gets no gradient). Written with differentiable tensor ops, so the same
/// closure serves plain backward and <c>createGraph</c>. Broadcasting is undone by the engine.
/// </summary>
internal delegate Tensor<T>?[] Derivative<T>(Tensor<T> grad, Tensor<T> output, Tensor<T>[] inputs)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>One recorded op in the graph: its inputs and its local derivative.</summary>
internal sealed class Node<T>(string name, Tensor<T>[] inputs, Derivative<T> derivative)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public readonly string Name = name;
    public Tensor<T>[] Inputs = inputs;
    public Derivative<T>? Derivative = derivative;
    public int Visit;

    /// <summary>During backward: how many reachable nodes consume this one and have not run yet.</summary>
    public int Consumers;

    public bool Released => Derivative is null;

    public void Release()
    {
        Derivative = null;
        Inputs = [];
    }
}
