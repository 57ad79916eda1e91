using Autograd.NN;

namespace Autograd.Tests.NN;

public class TrainingSmokeTests
{
    [Fact]
    public void PlainGradientDescentFitsALine()
    {
        // Oracle: the least-squares fit of y = 2x − 1 (noise-free) is w = 2, b = −1; gradient descent on the
        // mean squared error with a small step converges to it.
        var layer = new Linear<float>(1, 1, new Generator(1));
        var x = Tensor.FromArray(new float[] { -2, -1, 0, 1, 2, 3 }, [6, 1]);
        var y = x * 2f - 1f;
        for (int step = 0; step < 300; step++)
        {
            layer.ZeroGrad();
            (layer.Forward(x) - y).Square().Mean().Backward();
            foreach (var p in layer.Parameters())
            {
                var values = p.AsSpan();
                var grad = p.Grad!.ToArray();
                for (int i = 0; i < values.Length; i++) values[i] -= 0.1f * grad[i];
            }
        }
        Assert.Equal(2f, layer.Weight.Item(), 3);
        Assert.Equal(-1f, layer.Bias!.Item(), 3);
    }
}
