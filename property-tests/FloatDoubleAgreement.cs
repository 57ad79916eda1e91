using System.Numerics;
using FsCheck.Xunit;

namespace Autograd.PropertyTests;

/// <summary>
/// The float kernels compute what the double kernels compute: for registry ops (same names, same input generators and
/// domains), the float forward on float-rounded inputs matches the double forward within float tolerance. The double
/// result is the oracle; its own correctness is what the gradient checks rest on.
/// </summary>
public class FloatDoubleAgreement
{
    /// <summary>The registry rows with a generic twin below, so the same op runs in float and in double.</summary>
    public static readonly string[] Ops =
    [
        "Add", "Sub", "Mul", "Div", "Div(scalar, tensor)", "Neg", "Pow(scalar exponent)", "Pow(integer exponent, negative base)",
        "Pow(tensor exponent)", "Maximum", "Minimum", "Exp", "Log", "Sqrt", "Abs", "Sin", "Cos", "Tanh", "Sigmoid", "Erf",
        "Relu", "LeakyRelu(slope)", "Clamp", "Softplus", "Softplus(beta, threshold)", "Gelu", "Gelu(tanh approximation)",
        "Silu", "Elu", "Sum(dims, keepDim)", "Mean(dims)", "Var()", "Std(dim, keepDim)", "Max(dim)", "LogSumExp(dim, keepDim)",
        "Softmax(0)", "LogSoftmax(-1)", "MatMul 1-D·1-D", "MatMul batched, broadcast batch dims", "MatMul both transposed",
        "Mul of a transposed view and a broadcast operand", "Softmax of a transposed view", "Gather(dim 1)", "ScatterAdd",
        "IndexSelect", "IndexAdd", "Where", "Concat",
    ];

    private static Tensor<T> Forward<T>(string name, Tensor<T>[] x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T C(double v) => T.CreateChecked(v);
        int[] Ints(Tensor<T> t) => [.. t.ToArray().Select(int.CreateChecked)];
        return name switch
        {
            "Add" => x[0] + x[1],
            "Sub" => x[0] - x[1],
            "Mul" => x[0] * x[1],
            "Div" => x[0] / x[1],
            "Div(scalar, tensor)" => C(1.7) / x[0],
            "Neg" => x[0].Neg(),
            "Pow(scalar exponent)" => x[0].Pow(C(2.5)),
            "Pow(integer exponent, negative base)" => x[0].Pow(C(3)),
            "Pow(tensor exponent)" => x[0].Pow(x[1]),
            "Maximum" => x[0].Maximum(x[1]),
            "Minimum" => x[0].Minimum(x[1]),
            "Exp" => x[0].Exp(),
            "Log" => x[0].Log(),
            "Sqrt" => x[0].Sqrt(),
            "Abs" => x[0].Abs(),
            "Sin" => x[0].Sin(),
            "Cos" => x[0].Cos(),
            "Tanh" => x[0].Tanh(),
            "Sigmoid" => x[0].Sigmoid(),
            "Erf" => x[0].Erf(),
            "Relu" => x[0].Relu(),
            "LeakyRelu(slope)" => x[0].LeakyRelu(C(0.2)),
            "Clamp" => x[0].Clamp(C(-0.5), C(1)),
            "Softplus" => x[0].Softplus(),
            "Softplus(beta, threshold)" => x[0].Softplus(C(2), C(3)),
            "Gelu" => x[0].Gelu(),
            "Gelu(tanh approximation)" => x[0].Gelu(tanhApproximation: true),
            "Silu" => x[0].Silu(),
            "Elu" => x[0].Elu(),
            "Sum(dims, keepDim)" => x[0].Sum([0, 2], keepDim: true),
            "Mean(dims)" => x[0].Mean([0, 1]),
            "Var()" => x[0].Var(),
            "Std(dim, keepDim)" => x[0].Std(dim: 0, keepDim: true),
            "Max(dim)" => x[0].Max(-1),
            "LogSumExp(dim, keepDim)" => x[0].LogSumExp(-1, keepDim: true),
            "Softmax(0)" => x[0].Softmax(0),
            "LogSoftmax(-1)" => x[0].LogSoftmax(-1),
            "MatMul 1-D·1-D" or "MatMul batched, broadcast batch dims" => x[0].MatMul(x[1]),
            "MatMul both transposed" => x[0].MT.MatMul(x[1].MT),
            "Mul of a transposed view and a broadcast operand" => x[0].MT * x[1],
            "Softmax of a transposed view" => x[0].MT.Softmax(-1),
            "Gather(dim 1)" => x[0].Gather(1, x[1]),
            "ScatterAdd" => x[0].ScatterAdd(1, x[1], x[2]),
            "IndexSelect" => x[0].IndexSelect(1, Ints(x[1])),
            "IndexAdd" => x[0].IndexAdd(1, Ints(x[1]), x[2]),
            "Where" => Tensor.Where(x[0], x[1], x[2]),
            "Concat" => Tensor.Concat(x, 1),
            _ => throw new ArgumentException($"no generic twin for registry op '{name}'"),
        };
    }

    [Fact]
    public void GenericTwinsComputeTheRegistryFunctions()
    {
        // The twin in double must be the registry's own function, so the float check tests the registered op.
        var g = new Generator(7);
        foreach (var name in Ops)
        {
            var op = OpRegistry.Get(name);
            var x = op.Inputs(g);
            Laws.Close(op.F(x), Forward(name, x), $"{name}: generic twin vs registry row", atol: 0, rtol: 0);
        }
    }

    // |float − double| ≤ 1e-5 + 1e-4·|double|: float rounds inputs and every step to 24 bits (≈ 6e-8 relative), and
    // these small ops amplify that by far less than 100.
    [Property(MaxTest = 30, Replay = PropertyConfig.Replay)]
    public void FloatForwardMatchesDoubleForward(int seed)
    {
        for (int r = 0; r < Ops.Length; r++)
        {
            var name = Ops[r];
            var x = OpRegistry.Get(name).Inputs(new Generator(((ulong)(uint)seed << 16) + (ulong)r));
            var xf = x.Select(t => Tensor.FromArray([.. t.ToArray().Select(v => (float)v)], [.. t.Shape])).ToArray();
            var xd = x.Select(t => Tensor.FromArray([.. t.ToArray().Select(v => (double)(float)v)], [.. t.Shape])).ToArray();
            var expected = Forward(name, xd);
            var actual = Forward(name, xf);
            Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{name}: float shape differs from double shape");
            Laws.Close(expected.ToArray(), [.. actual.ToArray().Select(v => (double)v)], $"{name}: float vs double forward", atol: 1e-5, rtol: 1e-4);
        }
    }
}
