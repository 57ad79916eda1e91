using Autograd.NN;
using Autograd.NN.Optimizers;

namespace Autograd.Tests.NN;

public class OptimizerNoParametersTests
{
    public static TheoryData<string> Names => ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"];

    // Each optimizer's two public constructors: from a parameter list and from parameter groups.
    private static readonly Dictionary<string, (Func<IEnumerable<Tensor<float>>, Optimizer<float>> FromList, Func<IEnumerable<ParamGroup<float>>, Optimizer<float>> FromGroups)> Constructors = new()
    {
        ["SGD"] = (p => new SGD<float>(p), g => new SGD<float>(g)),
        ["Adam"] = (p => new Adam<float>(p), g => new Adam<float>(g)),
        ["AdamW"] = (p => new AdamW<float>(p), g => new AdamW<float>(g)),
        ["RMSprop"] = (p => new RMSprop<float>(p), g => new RMSprop<float>(g)),
        ["Adagrad"] = (p => new Adagrad<float>(p), g => new Adagrad<float>(g)),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void AnOptimizerGivenNoParametersThrowsNamingItself(string name)
    {
        // Oracle: PyTorch raises "optimizer got an empty parameter list"; here the message names the optimizer. A model
        // without parameters (ReLU), no groups, and groups that are all empty are the three ways to give none.
        var (fromList, fromGroups) = Constructors[name];
        Assert.StartsWith($"{name}: no parameters to optimize", Assert.Throws<ArgumentException>(() => fromList(new ReLU<float>().Parameters())).Message);
        Assert.StartsWith($"{name}: no parameters to optimize", Assert.Throws<ArgumentException>(() => fromGroups([])).Message);
        Assert.StartsWith($"{name}: no parameters to optimize",
            Assert.Throws<ArgumentException>(() => fromGroups([new ParamGroup<float>([]), new ParamGroup<float>([])])).Message);
        // One parameter is enough.
        Assert.Equal(name, fromList([Tensor.Zeros<float>(1)]).Name);
    }
}
