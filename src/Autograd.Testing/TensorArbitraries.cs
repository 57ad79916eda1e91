using Autograd.Checking;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.Testing;

/// <summary>
/// FsCheck arbitraries of shrinkable cases. Register the class with FsCheck.Xunit and a property parameter of type
/// <see cref="TensorCase{TSpec}"/> is drawn by TSpec (a built-in <see cref="Specs"/> type or
/// your own <see cref="ICaseSpec"/>) and shrunk on failure: shapes first, then values, then the cotangent.
/// </summary>
/// <example><code>
/// [Property(Arbitrary = new[] { typeof(TensorArbitraries) })]
/// public Property SoftsignHasCorrectGradients(TensorCase&lt;Specs.AnyTensor&gt; c) =&gt;
///     GradCheck.Verify(xs =&gt; xs[0] / (xs[0].Abs() + 1), c.Inputs, new GradCheckOptions { Order = 2 }).ToProperty();
/// </code></example>
public class TensorArbitraries
{
    /// <summary>Cases of <typeparamref name="TSpec"/> (FsCheck resolves this for every <see cref="TensorCase{TSpec}"/>).</summary>
    public static Arbitrary<TensorCase<TSpec>> Typed<TSpec>() where TSpec : ICaseSpec
    {
        var recipe = new CaseRecipe(TSpec.Draw, TSpec.OutputShape, c => new TensorCase<TSpec>(c));
        return Arb.From(recipe.Generator.Select(c => (TensorCase<TSpec>)c), c => recipe.Shrink(c).Cast<TensorCase<TSpec>>());
    }
}

/// <summary>
/// Shrinkable FsCheck arbitraries of cases drawn by a lambda, for <c>Prop.ForAll</c> (use <see cref="TensorArbitraries"/>
/// with FsCheck.Xunit's attribute instead when the inputs are a type).
/// </summary>
/// <example><code>
/// var cases = TensorCases.Of(g =&gt; [TensorGen.Uniform(g, TensorGen.Shape(g))]);
/// Prop.ForAll(cases, c =&gt; GradCheck.Verify(xs =&gt; xs[0].Tanh(), c.Inputs).ToProperty()).QuickCheckThrowOnFailure();
/// </code></example>
public static class TensorCases
{
    /// <summary>Cases whose inputs <paramref name="inputs"/> draws, without a cotangent.</summary>
    public static Arbitrary<TensorCase> Of(Func<Choices, Tensor<double>[]> inputs) => Of(new CaseRecipe(inputs, null, c => c));

    /// <summary>Cases whose inputs <paramref name="inputs"/> draws, with a cotangent shaped like <paramref name="f"/>'s
    /// output (f is evaluated once per case, without recording, to learn the shape).</summary>
    public static Arbitrary<TensorCase> Of(Func<Choices, Tensor<double>[]> inputs, Func<Tensor<double>[], Tensor<double>> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Of(new CaseRecipe(inputs, xs => OutputShape(f, xs), c => c));
    }

    /// <summary>One case drawn from <paramref name="seed"/> (the same case FsCheck gets for that seed), for seeded tests.</summary>
    public static TensorCase Draw(Func<Choices, Tensor<double>[]> inputs, ulong seed) => new CaseRecipe(inputs, null, c => c).Build(seed);

    internal static Arbitrary<TensorCase> Of(CaseRecipe recipe) => Arb.From(recipe.Generator, recipe.Shrink);

    internal static int[] OutputShape(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs)
    {
        using (Tensor.NoGrad()) return [.. f(xs).Shape];
    }
}

/// <summary>Extensions that turn a gradient check into an FsCheck property.</summary>
public static class GradCheckProperties
{
    /// <summary>A property that holds when the report passed; on failure FsCheck prints the report (worst element,
    /// non-differentiable points, reproduction code) beside the shrunk counterexample.</summary>
    public static Property ToProperty(this GradCheckReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Prop.Label(report.Passed, report.Passed ? "gradient check passed" : report.ToString());
    }
}

/// <summary>Built-in case specifications for <see cref="TensorCase{TSpec}"/>.</summary>
public static class Specs
{
    /// <summary>One tensor of any shape (rank 0–3, dims 1–3) with values in [−2, 2).</summary>
    public sealed class AnyTensor : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g) => [TensorGen.Uniform(g, TensorGen.Shape(g))];
    }

    /// <summary>One tensor of any shape with values in [0.3, 3) (log, sqrt, powers).</summary>
    public sealed class PositiveTensor : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g) => [TensorGen.Positive(g, TensorGen.Shape(g))];
    }

    /// <summary>One tensor of any shape with a cotangent of the same shape (for shape-preserving functions).</summary>
    public sealed class AnyTensorWithCotangent : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g) => [TensorGen.Uniform(g, TensorGen.Shape(g))];

        /// <inheritdoc />
        public static int[]? OutputShape(Tensor<double>[] inputs) => [.. inputs[0].Shape];
    }

    /// <summary>Two tensors of broadcastable shapes.</summary>
    public sealed class BroadcastPair : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g)
        {
            var (a, b) = TensorGen.BroadcastPair(g);
            return [TensorGen.Uniform(g, a), TensorGen.Uniform(g, b)];
        }
    }

    /// <summary>Three tensors of broadcastable shapes.</summary>
    public sealed class BroadcastTriple : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g)
        {
            var (a, b, c) = TensorGen.BroadcastTriple(g);
            return [TensorGen.Uniform(g, a), TensorGen.Uniform(g, b), TensorGen.Uniform(g, c)];
        }
    }

    /// <summary>A·B operands: [.. batch, m, k] and [.. batch, k, n] with broadcastable batch dims.</summary>
    public sealed class MatMulPair : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g)
        {
            var (a, b) = TensorGen.MatMulPair(g);
            return [TensorGen.Uniform(g, a), TensorGen.Uniform(g, b)];
        }
    }

    /// <summary>Probability vectors along the last dim (rank 1–3).</summary>
    public sealed class SimplexTensor : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g) => [TensorGen.Simplex(g, TensorGen.Shape(g, 1))];
    }

    /// <summary>Symmetric positive definite matrices [.. batch, n, n] with condition number ≤ 10.</summary>
    public sealed class SpdMatrix : ICaseSpec
    {
        /// <inheritdoc />
        public static Tensor<double>[] Draw(Choices g)
        {
            int n = TensorGen.Dim(g);
            return [TensorGen.SymmetricPositiveDefinite(g, [.. TensorGen.Shape(g, 0, 1), n, n])];
        }
    }
}
