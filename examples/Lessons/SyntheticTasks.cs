using Autograd;

namespace Lessons;

/// <summary>Small synthetic problems the lessons train on, made from a seed.</summary>
public static class SyntheticTasks
{
    /// <summary>
    /// A classification task: inputs x ~ N(0, 1) of <paramref name="features"/> features, labels argmaxₖ (x·V)ₖ of a random
    /// linear "teacher" V with <paramref name="classes"/> columns.
    /// </summary>
    public static (Tensor<float> Inputs, int[] Labels) Teacher(int count, int features, int classes, ulong seed)
    {
        var generator = new Generator(seed);
        var x = Tensor.Randn<float>([count, features], generator);
        var teacher = Tensor.Randn<float>([features, classes], generator);
        return (x, x.MatMul(teacher).ArgmaxIndices(1));
    }
}
