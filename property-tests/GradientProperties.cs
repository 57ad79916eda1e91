using Autograd.Checking;
using FsCheck;
using FsCheck.Fluent;

namespace Autograd.PropertyTests;

/// <summary>
/// Every registry op, first and second order, against central finite differences in double
/// (oracle: <see cref="GradCheck"/>), over random shapes and values from the op's generator.
/// Each op is its own theory case, so a failure is reported under the op's name.
/// </summary>
public class GradientProperties
{
    public static TheoryData<string> Ops => new(OpRegistry.All.Select(o => o.Name));

    [Theory, MemberData(nameof(Ops))]
    public void FirstOrderGradientMatchesFiniteDifferences(string op) => Run(OpRegistry.Get(op), secondOrder: false);

    [Theory, MemberData(nameof(Ops))]
    public void SecondOrderGradientMatchesFiniteDifferences(string op) => Run(OpRegistry.Get(op), secondOrder: true);

    private static void Run(OpInfo<double> op, bool secondOrder) =>
        Prop.ForAll(PropertyConfig.Seeds, seed => CheckCase(op, seed, secondOrder))
            .Check(PropertyConfig.For($"{op.Name} ({(secondOrder ? "second" : "first")} order)"));

    /// <summary>Checks one case; throws naming the op, the order, the case seed and the input shapes.</summary>
    internal static void CheckCase(OpInfo<double> op, ulong seed, bool secondOrder)
    {
        var inputs = op.Inputs(new Generator(seed));
        var result = secondOrder
            ? GradCheck.CheckSecondOrder(op.F, inputs, atol: op.Atol, rtol: op.Rtol)
            : GradCheck.Check(op.F, inputs, atol: op.Atol, rtol: op.Rtol);
        if (!result.Passed)
            throw new GradCheckException(
                $"{op.Name}: {(secondOrder ? "second" : "first")}-order check, case seed {seed}, input shapes " +
                $"{string.Join(" ", inputs.Select(t => $"[{string.Join(", ", t.Shape)}]"))}: {result}");
    }
}
