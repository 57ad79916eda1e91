namespace Autograd.Testing;

public static partial class OpCatalog
{
    /// <summary>Members that return tensors but are deliberately not in the registry, each with its reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> Exceptions = new Dictionary<string, string>
    {
        ["Detach()"] = "cuts the graph by definition: no derivative to check",
        ["AddInPlace"] = "in-place change: not recorded (refused on tensors that require grad under grad mode); tested in InPlaceTests",
        ["SubInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["MulInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["DivInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["ClampInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["FillInPlace"] = "in-place change: not recorded; tested in InPlaceTests",
        ["ZeroInPlace()"] = "in-place change: not recorded; tested in InPlaceTests",
        ["CopyFrom"] = "in-place change: not recorded; tested in InPlaceTests",
        ["Keep()"] = "returns the same tensor (it only exempts its storage from TensorScope recycling): not an op",
        ["Sign()"] = "piecewise constant (derivative 0 almost everywhere); records nothing",
        ["Eq"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Ne"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Gt"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Ge"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Lt"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Le"] = "comparison: returns a 0/1 mask, piecewise constant, records nothing",
        ["Argmax"] = "index-valued: piecewise constant, records nothing",
        ["Argmin"] = "index-valued: piecewise constant, records nothing",
        ["get_Grad()"] = "accessor of the accumulated gradient, not an op",
        ["Scalar"] = "creation function: a leaf, no tensor input to differentiate",
        ["FromArray"] = "creation function: a leaf, no tensor input to differentiate",
        ["Wrap"] = "creation function: a leaf over the caller's array, no tensor input to differentiate",
        ["BatchNorm(Tensor, Tensor, Tensor, Tensor, bool, T, T)"] = "composite: training is the BatchNorm row's op plus an unrecorded update of the running statistics, evaluation is Mul and Add rows; tested in tests/NN",
        ["Full"] = "creation function: a leaf, no tensor input to differentiate",
        ["Zeros"] = "creation function: a leaf, no tensor input to differentiate",
        ["Ones"] = "creation function: a leaf, no tensor input to differentiate",
        ["ZerosLike"] = "creation function: reads only the shape of its argument",
        ["OnesLike"] = "creation function: reads only the shape of its argument",
        ["Arange"] = "creation function: a leaf, no tensor input to differentiate",
        ["Linspace"] = "creation function: a leaf, no tensor input to differentiate",
        ["Rand"] = "creation function: random leaf",
        ["Randn"] = "creation function: random leaf",
        ["Grad"] = "the gradient function itself; every second-order row differentiates through it",
        ["Jacobian"] = "functional transform built on Tensor.Grad; tested in FunctionalTransformTests",
        ["Hessian"] = "functional transform built on Tensor.Grad; tested in FunctionalTransformTests",
        ["ParametersToVector"] = "composite of the Reshape and Concat rows (flattening for the functional transforms); tested in FunctionalTransformTests",
        ["VectorToParameters"] = "composite of the Narrow and Reshape rows (unflattening for the functional transforms); tested in FunctionalTransformTests",
    };
}
