using System.Globalization;
using Autograd.NN;
using Autograd.NN.Optimizers;

namespace Autograd.Tests.NN;

public class DiagnosticsGradientFlowTests
{
    // A Sequential(Linear(3, 2)) with W = [[1, 2, 3], [4, 5, 6]], b = [0.5, −1], input rows [1, 0, −1] and [2, 1, 1],
    // loss L = Σ y. Hand derivation: ∂L/∂W[j, :] = Σₙ xₙ = [3, 1, 0] for both rows j, so ‖g_W‖² = 2 · (9 + 1) = 20;
    // ∂L/∂b = [2, 2] (two rows), ‖g_b‖² = 8; ‖W‖² = 1 + 4 + 9 + 16 + 25 + 36 = 91; ‖b‖² = 0.25 + 1 = 1.25.
    private static (Sequential<double> Model, SGD<double> Optimizer) Step(GradientFlowMonitor<double>? monitor = null, bool afterStep = true)
    {
        var model = Model();
        var optimizer = new SGD<double>(model.Parameters(), lr: 0.1);
        monitor ??= new GradientFlowMonitor<double>(model);
        Run(model, optimizer, monitor, afterStep);
        return (model, optimizer);
    }

    private static Sequential<double> Model()
    {
        var linear = new Linear<double>(3, 2, new Generator(1));
        using (Tensor.NoGrad())
        {
            linear.Weight.CopyFrom(Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
            linear.Bias!.CopyFrom(Tensor.FromArray(new double[] { 0.5, -1 }));
        }
        return new Sequential<double>(linear);
    }

    private static void Run(Sequential<double> model, SGD<double> optimizer, GradientFlowMonitor<double> monitor, bool afterStep = true)
    {
        optimizer.ZeroGrad();
        model.Forward(Tensor.FromArray(new double[] { 1, 0, -1, 2, 1, 1 }, [2, 3])).Sum().Backward();
        monitor.Record();
        optimizer.Step();
        if (afterStep) monitor.AfterStep();
    }

    [Fact]
    public void NormsAndRatiosMatchTheHandDerivation()
    {
        var model = Model();
        var optimizer = new SGD<double>(model.Parameters(), lr: 0.1);
        var monitor = new GradientFlowMonitor<double>(model);
        Run(model, optimizer, monitor);
        var weight = monitor.Records.Single(r => r.Name == "0.weight");
        var bias = monitor.Records.Single(r => r.Name == "0.bias");
        Assert.Equal("0", weight.Layer);
        Assert.Equal(Math.Sqrt(20), weight.GradNorm, 12);
        Assert.Equal(Math.Sqrt(91), weight.WeightNorm, 12);
        Assert.Equal(Math.Sqrt(20 / 91.0), weight.GradToWeight, 12);
        // Plain SGD: Δw = −lr · g, so ‖Δw‖ = 0.1 · ‖g‖ and ‖Δw‖/‖w‖ = 0.1 · √20 / √91.
        Assert.Equal(0.1 * Math.Sqrt(20), weight.UpdateNorm, 12);
        Assert.Equal(0.1 * Math.Sqrt(20 / 91.0), weight.UpdateToWeight, 12);
        Assert.Equal(Math.Sqrt(8), bias.GradNorm, 12);
        Assert.Equal(Math.Sqrt(1.25), bias.WeightNorm, 12);
        Assert.Equal(0.1 * Math.Sqrt(8), bias.UpdateNorm, 12);
        // The layer "0" together: ‖g‖² = 20 + 8, ‖w‖² = 91 + 1.25, ‖Δw‖² = 0.01 · 28.
        var layer = Assert.Single(monitor.LayerRecords());
        Assert.Equal(("0", 0), (layer.Layer, layer.Step));
        Assert.Equal(Math.Sqrt(28), layer.GradNorm, 12);
        Assert.Equal(Math.Sqrt(92.25), layer.WeightNorm, 12);
        Assert.Equal(0.1 * Math.Sqrt(28), layer.UpdateNorm, 12);
        Assert.Equal(["0"], monitor.Layers);
    }

    [Fact]
    public void NormsEqualNormsComputedIndependentlyOverSteps()
    {
        // Oracle: √Σ g² over the parameter's Grad read directly after each backward, and ‖w_after − w_before‖ from copies.
        var model = new Sequential<double>(new Linear<double>(4, 5, new Generator(3)), new Tanh<double>(), new Linear<double>(5, 2, new Generator(4)));
        var optimizer = new SGD<double>(model.Parameters(), lr: 0.05, momentum: 0.9);
        var monitor = new GradientFlowMonitor<double>(model);
        var x = Tensor.Randn<double>([6, 4], new Generator(5));
        var expected = new List<(string, double, double)>();
        for (int step = 0; step < 3; step++)
        {
            optimizer.ZeroGrad();
            model.Forward(x).Square().Mean().Backward();
            monitor.Record();
            var before = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.ToArray());
            optimizer.Step();
            monitor.AfterStep();
            foreach (var (name, p) in model.NamedParameters())
                expected.Add((name, Math.Sqrt(p.Grad!.ToArray().Sum(v => v * v)),
                    Math.Sqrt(p.ToArray().Zip(before[name], (a, b) => (a - b) * (a - b)).Sum())));
        }
        Assert.Equal(12, monitor.Records.Count);
        Assert.Equal(["0", "2"], monitor.Layers);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Item1, monitor.Records[i].Name);
            Assert.Equal(i / 4, monitor.Records[i].Step);
            Assert.Equal(expected[i].Item2, monitor.Records[i].GradNorm, 12);
            Assert.Equal(expected[i].Item3, monitor.Records[i].UpdateNorm, 12);
        }
    }

    [Fact]
    public void FlagsTriggerAtTheThresholds()
    {
        // ‖g_W‖ = √20 ≈ 4.47 and ‖g_b‖ = √8 ≈ 2.83 (derivation above). Vanishing means strictly below, exploding strictly above.
        GradientFlag[] Flags(double vanishing, double exploding)
        {
            var model = Model();
            var monitor = new GradientFlowMonitor<double>(model, vanishing, exploding);
            Run(model, new SGD<double>(model.Parameters(), lr: 0.1), monitor);
            return [.. monitor.Records.Select(r => r.Flag)];
        }
        Assert.Equal([GradientFlag.None, GradientFlag.None], Flags(1, 10));
        Assert.Equal([GradientFlag.None, GradientFlag.Vanishing], Flags(3, 10));
        Assert.Equal([GradientFlag.None, GradientFlag.None], Flags(Math.Sqrt(8), 10));
        Assert.Equal([GradientFlag.Exploding, GradientFlag.None], Flags(1, 4));
        Assert.Equal([GradientFlag.None, GradientFlag.None], Flags(1, Math.Sqrt(20)));
        Assert.Equal([GradientFlag.Exploding, GradientFlag.Vanishing], Flags(3, 4));
    }

    [Fact]
    public void NonFiniteGradientIsExploding()
    {
        // Oracle: a NaN anywhere makes the norm NaN, which is not finite, so it is flagged exploding whatever the threshold.
        var model = Model();
        var monitor = new GradientFlowMonitor<double>(model, 1e-9, 1e9);
        model.Forward(Tensor.FromArray(new double[] { 1, 0, double.NaN }, [1, 3])).Sum().Backward();
        monitor.Record();
        Assert.Equal(GradientFlag.Exploding, monitor.Records.Single(r => r.Name == "0.weight").Flag);
        Assert.Equal(GradientFlag.None, monitor.Records.Single(r => r.Name == "0.bias").Flag);
        Assert.Single(monitor.Flagged);
        Assert.Equal(GradientFlag.Exploding, monitor.LayerRecords().Single().Flag);
    }

    [Fact]
    public void FrozenParametersAreNotWatchedAndMissingStepLeavesNaN()
    {
        var model = Model();
        ((Linear<double>)model[0]).Bias!.RequiresGrad = false;
        var monitor = new GradientFlowMonitor<double>(model);
        Run(model, new SGD<double>(model.Parameters().Where(p => p.RequiresGrad), lr: 0.1), monitor, afterStep: false);
        var record = Assert.Single(monitor.Records);
        Assert.Equal("0.weight", record.Name);
        Assert.True(double.IsNaN(record.UpdateToWeight));
    }

    [Fact]
    public void AfterStepWithoutRecordFailsByName()
    {
        var monitor = new GradientFlowMonitor<double>(Model());
        var error = Assert.Throws<InvalidOperationException>(monitor.AfterStep);
        Assert.StartsWith("GradientFlowMonitor.AfterStep:", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientFlowMonitor<double>(Model(), 1, 1));
    }

    [Fact]
    public void CsvHasOneRowPerParameterPerStep()
    {
        using var dir = new TempDirectory();
        var model = Model();
        var optimizer = new SGD<double>(model.Parameters(), lr: 0.1);
        var monitor = new GradientFlowMonitor<double>(model);
        Run(model, optimizer, monitor);
        Run(model, optimizer, monitor);
        monitor.WriteCsv(dir.File("flow.csv"));
        var lines = File.ReadAllLines(dir.File("flow.csv"));
        Assert.Equal("step,layer,parameter,grad_norm,weight_norm,update_norm,grad_to_weight,update_to_weight,flag", lines[0]);
        Assert.Equal(5, lines.Length);
        // The first row is step 0's weight: ‖g‖ = √20 (derivation above), flag none.
        var cells = lines[1].Split(',');
        Assert.Equal(["0", "0", "0.weight"], cells[..3]);
        Assert.Equal(Math.Sqrt(20), double.Parse(cells[3], CultureInfo.InvariantCulture), 12);
        Assert.Equal("none", cells[8]);
        Assert.StartsWith("1,0,0.bias,", lines[4]);
    }
}
