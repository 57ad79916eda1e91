using Autograd.NN;
using Autograd.NN.Optimizers;

namespace Autograd.Tests.NN;

public class OptimizerNoParametersTests
{
    public static TheoryData<string> Names => ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"];

    private static Optimizer<float> Create(string name, IEnumerable<Tensor<float>> parameters) => name switch
    {
        "SGD" => new SGD<float>(parameters),
        "Adam" => new Adam<float>(parameters),
        "AdamW" => new AdamW<float>(parameters),
        "RMSprop" => new RMSprop<float>(parameters),
        "Adagrad" => new Adagrad<float>(parameters),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static Optimizer<float> Create(string name, IEnumerable<ParamGroup<float>> groups) => name switch
    {
        "SGD" => new SGD<float>(groups),
        "Adam" => new Adam<float>(groups),
        "AdamW" => new AdamW<float>(groups),
        "RMSprop" => new RMSprop<float>(groups),
        "Adagrad" => new Adagrad<float>(groups),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void AnOptimizerGivenNoParametersThrowsNamingItself(string name)
    {
        // Oracle: PyTorch raises "optimizer got an empty parameter list"; here the message names the optimizer. A model
        // without parameters (ReLU), no groups, and groups that are all empty are the three ways to give none.
        Assert.StartsWith($"{name}: no parameters to optimize", Assert.Throws<ArgumentException>(() => Create(name, new ReLU<float>().Parameters())).Message);
        Assert.StartsWith($"{name}: no parameters to optimize", Assert.Throws<ArgumentException>(() => Create(name, Array.Empty<ParamGroup<float>>())).Message);
        Assert.StartsWith($"{name}: no parameters to optimize",
            Assert.Throws<ArgumentException>(() => Create(name, [new ParamGroup<float>([]), new ParamGroup<float>([])])).Message);
        // One parameter is enough.
        Assert.Equal(name, Create(name, [Tensor.Zeros<float>(1)]).Name);
    }
}
