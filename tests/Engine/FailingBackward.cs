namespace Autograd.Tests.Engine;

/// <summary>The identity, whose backward throws: for tests of what a failed backward pass leaves behind.</summary>
internal sealed class FailingBackward : Function<double>
{
    protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0].Clone();

    protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> gradOutput) =>
        throw new InvalidOperationException("fail");
}
