namespace Autograd.PropertyTests;

/// <summary>
/// Every catalog op, first and second order, against central finite differences in double
/// (oracle: <see cref="Autograd.Checking.GradCheck"/>), over shrinkable cases from the op's generator
/// (<see cref="OpProperties.Gradients"/>). Each op is its own theory case, so a failure is reported under the op's name,
/// with the first failing case and the shrunk one.
/// </summary>
public class GradientProperties
{
    public static TheoryData<string> Ops => new(OpCatalog.All.Select(o => o.Name));

    [Theory, MemberData(nameof(Ops))]
    public void FirstOrderGradientMatchesFiniteDifferences(string op) => OpProperties.Gradients(OpCatalog.Get(op), order: 1);

    [Theory, MemberData(nameof(Ops))]
    public void SecondOrderGradientMatchesFiniteDifferences(string op) => OpProperties.Gradients(OpCatalog.Get(op), order: 2);
}
