// Fits y = sin(x) on [-π, π] with a two-layer tanh network, using only the core autograd API:
// tensors, operators, Backward() and a hand-written gradient-descent step.
using Autograd;

var gen = new Generator(seed: 42);
int hidden = 32, steps = 2000;
float lr = 0.05f, momentum = 0.9f;

// Training data: 256 points, column vectors [256, 1].
var x = Tensor.Linspace(-MathF.PI, MathF.PI, 256).Reshape(256, 1);
var y = x.Sin();

// Parameters: leaf tensors that require grad.
var w1 = Tensor.Randn<float>([1, hidden], gen, std: 1f, requiresGrad: true);
var b1 = Tensor.Zeros<float>(hidden); b1.RequiresGrad = true;
var w2 = Tensor.Randn<float>([hidden, 1], gen, std: 1f / MathF.Sqrt(hidden), requiresGrad: true);
var b2 = Tensor.Zeros<float>(1); b2.RequiresGrad = true;
Tensor<float>[] parameters = [w1, b1, w2, b2];
var velocity = parameters.Select(p => new float[p.NumElements]).ToArray();

Tensor<float> Model(Tensor<float> input) => (input.MatMul(w1) + b1).Tanh().MatMul(w2) + b2;

float loss = float.NaN;
for (int step = 1; step <= steps; step++)
{
    var l = (Model(x) - y).Square().Mean();
    foreach (var p in parameters) p.ZeroGrad();
    l.Backward();
    // SGD with momentum, in place and outside the graph: v ← μ·v + ∂L/∂p, p ← p − lr·v.
    for (int k = 0; k < parameters.Length; k++)
    {
        var values = parameters[k].AsSpan();
        var grad = parameters[k].Grad!.AsSpan();
        var v = velocity[k];
        for (int i = 0; i < values.Length; i++)
        {
            v[i] = momentum * v[i] + grad[i];
            values[i] -= lr * v[i];
        }
    }
    loss = l.Item();
    if (step % 250 == 0) Console.WriteLine($"step {step,5}  mse {loss:F6}");
}

using (Tensor.NoGrad())
{
    foreach (float v in new[] { -2f, -0.5f, 1f, 2.5f })
    {
        float predicted = Model(Tensor.FromArray(new[] { v }, [1, 1])).Item();
        Console.WriteLine($"sin({v,4}) = {MathF.Sin(v),8:F4}   model: {predicted,8:F4}");
    }
}
Console.WriteLine($"final_mse={loss:F6}");
return loss < 1e-3f ? 0 : 1;
