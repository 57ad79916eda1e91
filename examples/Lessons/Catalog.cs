namespace Lessons;

/// <summary>Where a lesson writes its pictures and where it looks for Fashion-MNIST.</summary>
/// <param name="OutDir">The lesson's output folder (created).</param>
/// <param name="DataDir">The folder of the Fashion-MNIST IDX files.</param>
public sealed record LessonContext(string OutDir, string DataDir)
{
    /// <summary>A file in the output folder.</summary>
    public string File(string name) => Path.Combine(OutDir, name);
}

/// <summary>One lesson: its number, title and what runs it.</summary>
public sealed record Lesson(int Number, string Title, Action<LessonContext> Run);

/// <summary>Every lesson, in the order of the course.</summary>
public static class Catalog
{
    /// <summary>The lessons.</summary>
    public static IReadOnlyList<Lesson> All { get; } =
    [
        new(1, "forward and backward pass of a two-layer network on XOR", Lesson01Xor.Run),
        new(2, "gradient descent: learning rate too small, right, too large; stochastic, mini-batch and full batch", Lesson02GradientDescent.Run),
        new(3, "weight initialisation: zero, too small, too large, Xavier and He", Lesson03Initialisation.Run),
        new(4, "vanishing gradients: deep sigmoid against ReLU + He, batch norm and residual connections", Lesson04Vanishing.Run),
        new(5, "exploding gradients in a recurrent network, and gradient clipping", Lesson05Exploding.Run),
        new(6, "overfitting and its cures: L2, dropout, augmentation, early stopping", Lesson06Overfitting.Run),
        new(7, "local minima and saddle points: SGD, momentum and Adam on a non-convex surface", Lesson07Landscape.Run),
        new(8, "transfer learning: freeze a body trained on five classes, fine-tune a head on the other five", Lesson08Transfer.Run),
        new(9, "an alternative to backpropagation: evolution strategy and neuroevolution against backprop", Lesson09Evolution.Run),
        new(10, "interpretability: saliency maps of a Fashion-MNIST CNN", Lesson10Saliency.Run),
    ];
}
