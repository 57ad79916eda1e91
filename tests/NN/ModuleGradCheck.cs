using Autograd.Checking;
using Autograd.NN;

namespace Autograd.Tests.NN;

/// <summary>Gradient checks of a module with respect to its input and all its parameters at once.</summary>
internal static class ModuleGradCheck
{
    /// <summary>
    /// Oracle: central finite differences (GradCheck). The parameters are passed as extra inputs; GradCheck perturbs
    /// them in place, so the module, which holds the same tensor objects, sees the perturbation.
    /// </summary>
    public static void Assert(Module<double> module, Tensor<double> input, bool secondOrder = true, double atol = 1e-5)
    {
        Tensor<double>[] inputs = [input, .. module.Parameters()];
        GradCheck.Assert(xs => module.Forward(xs[0]), inputs, secondOrder, atol: atol, name: module.GetType().Name);
    }

    /// <summary>A [shape] tensor of N(0, 1) values that requires grad, kept at least 0.05 away from 0 (the kink of ReLU-like functions).</summary>
    public static Tensor<double> Input(ulong seed, params int[] shape)
    {
        var x = Tensor.Randn<double>(shape, new Generator(seed));
        var span = x.AsSpan();
        for (int i = 0; i < span.Length; i++)
            if (Math.Abs(span[i]) < 0.05) span[i] = span[i] < 0 ? -0.05 - span[i] : 0.05 + span[i];
        x.RequiresGrad = true;
        return x;
    }
}
