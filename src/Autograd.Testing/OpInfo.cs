using System.Numerics;
using FsCheck;

namespace Autograd.Testing;

/// <summary>One differentiable op (or one variant of it whose behaviour differs), as the properties enumerate it, with
/// its function instantiated for the element type <typeparamref name="T"/>. Write your own rows the same way and run
/// the catalog's properties on them with <see cref="OpProperties"/>.</summary>
/// <param name="Name">Unique name shown in test results.</param>
/// <param name="Member">The public member it exercises, formatted as a short signature such as <c>Sum(int[], bool)</c>
/// (the project's completeness test matches it against the public members of <see cref="Tensor{T}"/>).</param>
/// <param name="F">The function checked: inputs ↦ output.</param>
/// <param name="Inputs">Draws a case (shapes and values inside the op's domain) in double from recorded
/// <see cref="Choices"/>, with <see cref="TensorGen"/>; inputs that are not differentiated (masks, index tensors) do
/// not require grad. Other element types round these values. Cases drawn this way shrink (<see cref="Cases"/>).</param>
/// <param name="Reference">An independent computation of F in double on plain arrays (<see cref="Naive"/>), where one
/// exists; null otherwise.</param>
/// <param name="Atol">Absolute tolerance of the finite-difference comparison.</param>
/// <param name="Rtol">Relative tolerance of the finite-difference comparison.</param>
/// <param name="FloatTol">Float forward vs double forward: |f − d| ≤ FloatTol·ε_float·(1 + |d|).</param>
public sealed record OpInfo<T>(string Name, string Member, Func<Tensor<T>[], Tensor<T>> F,
    Func<Choices, Tensor<double>[]> Inputs, Func<Nd[], Nd>? Reference = null, double Atol = 1e-7, double Rtol = 1e-5,
    double FloatTol = OpCatalog.FloatTol)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The row's cases as a shrinkable FsCheck arbitrary (inputs only).</summary>
    public Arbitrary<TensorCase> Cases => TensorCases.Of(new CaseRecipe(Inputs, null, c => c));

    /// <summary>The row's cases with a cotangent shaped like F's output, as a shrinkable FsCheck arbitrary.</summary>
    public Arbitrary<TensorCase> GradCases => TensorCases.Of(new CaseRecipe(Inputs, OutputShape, c => c));

    /// <summary>The case FsCheck draws for <paramref name="seed"/> (inputs only), for seeded tests.</summary>
    public TensorCase Draw(ulong seed) => new CaseRecipe(Inputs, null, c => c).Build(seed);

    /// <summary>F applied to double inputs converted to <typeparamref name="T"/> (RequiresGrad kept).</summary>
    public Tensor<T> Apply(Tensor<double>[] inputs) => F([.. inputs.Select(Convert)]);

    /// <summary><paramref name="t"/>'s values rounded to <typeparamref name="T"/>, as a fresh leaf with the same RequiresGrad.</summary>
    public static Tensor<T> Convert(Tensor<double> t) =>
        Tensor.FromArray([.. t.ToArray().Select(T.CreateChecked)], [.. t.Shape], t.RequiresGrad);

    private int[] OutputShape(Tensor<double>[] inputs)
    {
        using (Tensor.NoGrad()) return [.. Apply(inputs).Shape];
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
