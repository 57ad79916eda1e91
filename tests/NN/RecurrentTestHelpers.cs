using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Shared pieces of the recurrent layer tests.</summary>
internal static class RecurrentTestHelpers
{
    /// <summary>Sets <paramref name="target"/> to <paramref name="values"/> (same element count) without recording.</summary>
    public static void Set(Tensor<double> target, params double[] values)
    {
        using (Tensor.NoGrad()) target.CopyFrom(Tensor.FromArray(values, [.. target.Shape]));
    }

    /// <summary>Copies <paramref name="source"/>'s values into <paramref name="target"/> without recording.</summary>
    public static void Copy(Tensor<double> target, Tensor<double> source)
    {
        using (Tensor.NoGrad()) target.CopyFrom(source);
    }

    /// <summary>Asserts elementwise |expected − actual| ≤ tol, with the shapes equal.</summary>
    public static void Close(Tensor<double> expected, Tensor<double> actual, double tol = 1e-12)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        double[] e = expected.ToArray(), a = actual.ToArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= tol, $"element {i}: expected {e[i]:G17}, got {a[i]:G17}");
    }

    /// <summary>The logistic function 1 / (1 + e^(−v)), written here independently of the library.</summary>
    public static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    /// <summary>Every tensor flattened and joined, so that one gradient check covers several outputs.</summary>
    public static Tensor<double> Joined(params Tensor<double>[] parts) => Tensor.Concat([.. parts.Select(p => p.Reshape(-1))]);

    /// <summary>A [shape] tensor of N(0, 1) values that requires grad.</summary>
    public static Tensor<double> Leaf(ulong seed, params int[] shape) => ModuleGradCheck.Input(seed, shape);
}
