namespace Autograd.Tests.Core;

// Tensor.Jacobian, Hessian, Vjp, Jvp, Hvp, Vhp and the parameter-vector helpers. Oracles: central finite differences
// (f(x + εe_k) − f(x − εe_k)) / 2ε in double, and hand derivations written above the asserts.
public class FunctionalTransformTests
{
    private const double Tol = 1e-6;

    private static Tensor<double> V(params double[] values) => Tensor.FromArray(values);

    private static Tensor<double> M(int rows, int cols, params double[] values) => Tensor.FromArray(values, [rows, cols]);

    private static void Close(double[] expected, Tensor<double> actual, double tol = Tol)
    {
        var a = actual.ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int k = 0; k < a.Length; k++)
            Assert.True(Math.Abs(expected[k] - a[k]) <= tol, $"element {k}: expected {expected[k]:G10}, got {a[k]:G10}");
    }

    // Column k of ∂f/∂xs[i] by central differences; row-major [f's elements, xs[i]'s elements].
    private static double[] NumericJacobian(Func<Tensor<double>[], Tensor<double>> f, Tensor<double>[] xs, int i, double eps = 1e-6)
    {
        var values = xs[i].ToArray();
        int m = f(xs).NumElements, n = values.Length;
        var jacobian = new double[m * n];
        Tensor<double>[] With(int k, double delta)
        {
            var shifted = (double[])values.Clone();
            shifted[k] += delta;
            return [.. xs.Select((x, j) => j == i ? Tensor.FromArray(shifted, [.. x.Shape]) : x)];
        }
        for (int k = 0; k < n; k++)
        {
            var plus = f(With(k, eps)).ToArray();
            var minus = f(With(k, -eps)).ToArray();
            for (int o = 0; o < m; o++) jacobian[o * n + k] = (plus[o] - minus[o]) / (2 * eps);
        }
        return jacobian;
    }

    private static double[] NumericJacobian(Func<Tensor<double>, Tensor<double>> f, Tensor<double> x) =>
        NumericJacobian(xs => f(xs[0]), [x], 0);

    // ∇f by backward on a fresh leaf: the function whose finite differences give the Hessian.
    private static Tensor<double> Gradient(Func<Tensor<double>, Tensor<double>> f, Tensor<double> x)
    {
        var leaf = Tensor.FromArray(x.ToArray(), [.. x.Shape], requiresGrad: true);
        return Tensor.Grad([f(leaf)], [leaf])[0];
    }

    private static double[] MatVec(double[] matrix, double[] vector)
    {
        int n = vector.Length, m = matrix.Length / n;
        var result = new double[m];
        for (int o = 0; o < m; o++)
            for (int k = 0; k < n; k++) result[o] += matrix[o * n + k] * vector[k];
        return result;
    }

    private static double[] VecMat(double[] vector, double[] matrix)
    {
        int m = vector.Length, n = matrix.Length / m;
        var result = new double[n];
        for (int o = 0; o < m; o++)
            for (int k = 0; k < n; k++) result[k] += vector[o] * matrix[o * n + k];
        return result;
    }

    private static Tensor<double> Pair(Tensor<double> x) => Tensor.Stack([x.Narrow(0, 0, 1).Squeeze() * x.Narrow(0, 1, 1).Squeeze(), x.Narrow(0, 0, 1).Squeeze().Sin()]);

    private static Tensor<double> Mixed(Tensor<double> x) => (x.MatMul(M(3, 2, 1, -2, 0.5, 3, -1, 0.25)) * x.Sum()).Tanh();

    [Fact]
    public void JacobianMatchesHandDerivationAndFiniteDifferences()
    {
        // f(x) = [x0·x1, sin x0] ⇒ J = [[x1, x0], [cos x0, 0]] = [[3, 2], [cos 2, 0]] at x = (2, 3).
        var x = V(2, 3);
        var j = Tensor.Jacobian(Pair, x);
        Assert.Equal([2, 2], j.Shape);
        Close([3, 2, Math.Cos(2), 0], j, 1e-12);
        Close(NumericJacobian(Pair, x), j);
    }

    [Fact]
    public void TransformsRecordTheirOwnGraphInsideNoGrad()
    {
        // Same oracle as above: J = [[x1, x0], [cos x0, 0]] at x = (2, 3); the caller's NoGrad scope survives the call.
        using (Tensor.NoGrad())
        {
            Close([3, 2, Math.Cos(2), 0], Tensor.Jacobian(Pair, V(2, 3)), 1e-12);
            Assert.False(Tensor.IsGradEnabled);
        }
    }

    [Fact]
    public void JacobianOfMatrixFunctionHasOutputThenInputShapeAndMatchesFiniteDifferences()
    {
        // Mixed maps [2, 3] to [2, 2], so J is [2, 2, 2, 3].
        var x = M(2, 3, 0.3, -0.2, 0.5, 0.1, 0.4, -0.6);
        var j = Tensor.Jacobian(Mixed, x);
        Assert.Equal([2, 2, 2, 3], j.Shape);
        Close(NumericJacobian(Mixed, x), j);
    }

    [Fact]
    public void HessianOfCubeSumIsDiagonalSixX()
    {
        // f(x) = Σ x³ ⇒ ∂f/∂x_i = 3x_i², ∂²f/∂x_i∂x_j = 6x_i δ_ij = diag(6, −12, 3) at x = (1, −2, 0.5).
        var x = V(1, -2, 0.5);
        var h = Tensor.Hessian(t => t.Pow(3).Sum(), x);
        Assert.Equal([3, 3], h.Shape);
        Close([6, 0, 0, 0, -12, 0, 0, 0, 3], h, 1e-12);
    }

    [Fact]
    public void HessianOfMatrixFunctionMatchesFiniteDifferencesOfTheGradientAndIsSymmetric()
    {
        static Tensor<double> f(Tensor<double> x) => (x.Exp() * x.Sum()).Sum() + (x.Pow(2) * x.Sin()).Sum();
        var x = M(2, 2, 0.3, -0.4, 0.2, 0.5);
        var h = Tensor.Hessian(f, x);
        Assert.Equal([2, 2, 2, 2], h.Shape);
        Close(NumericJacobian(t => Gradient(f, t), x), h);
        Close(h.Reshape(4, 4).MT.ToArray(), h.Reshape(4, 4), 1e-12);
    }

    [Fact]
    public void VjpEqualsVTransposeJacobianAndFiniteDifferences()
    {
        var x = M(2, 3, 0.3, -0.2, 0.5, 0.1, 0.4, -0.6);
        var v = M(2, 2, 1, -0.5, 2, 0.25);
        var (y, vjp) = Tensor.Vjp(Mixed, x, v);
        Close(Mixed(x).ToArray(), y, 0);
        Assert.Equal([2, 3], vjp.Shape);
        Close(VecMat(v.ToArray(), Tensor.Jacobian(Mixed, x).ToArray()), vjp, 1e-12);
        Close(VecMat(v.ToArray(), NumericJacobian(Mixed, x)), vjp);
    }

    [Fact]
    public void JvpEqualsJacobianTimesUAndFiniteDifferences()
    {
        var x = M(2, 3, 0.3, -0.2, 0.5, 0.1, 0.4, -0.6);
        var u = M(2, 3, 1, 0, -1, 0.5, 2, -0.25);
        var (y, jvp) = Tensor.Jvp(Mixed, x, u);
        Close(Mixed(x).ToArray(), y, 0);
        Assert.Equal([2, 2], jvp.Shape);
        Close(MatVec(Tensor.Jacobian(Mixed, x).ToArray(), u.ToArray()), jvp, 1e-12);
        Close(MatVec(NumericJacobian(Mixed, x), u.ToArray()), jvp);
    }

    [Fact]
    public void HvpAndVhpEqualHessianTimesU()
    {
        static Tensor<double> f(Tensor<double> x) => (x.Sin() * x.Sum()).Sum() + x.Pow(3).Sum();
        var x = V(0.3, -1.2, 0.7);
        var u = V(1, -2, 0.5);
        var (y, hvp) = Tensor.Hvp(f, x, u);
        var (_, vhp) = Tensor.Vhp(f, x, u);
        Close([f(x).Item()], y, 0);
        var hu = MatVec(NumericJacobian(t => Gradient(f, t), x), u.ToArray());
        Close(hu, hvp);
        Close(MatVec(Tensor.Hessian(f, x).ToArray(), u.ToArray()), hvp, 1e-12);
        Close(hvp.ToArray(), vhp, 1e-12);
    }

    [Fact]
    public void SeveralInputsGiveOneBlockPerInput()
    {
        // f(a, b) = a·b with a [2, 3], b [3]: ∂f_o/∂a_pk = δ_op b_k, ∂f_o/∂b_k = a_ok.
        // vᵀJ_a = v ⊗ b, vᵀJ_b = aᵀv; J_a u_a + J_b u_b = u_a·b + a·u_b.
        static Tensor<double> f(Tensor<double>[] xs) => xs[0].MatMul(xs[1]);
        var a = M(2, 3, 1, 2, 3, -1, 0.5, 2);
        var b = V(0.5, -1, 2);
        Tensor<double>[] xs = [a, b];
        var j = Tensor.Jacobian(f, xs);
        Assert.Equal([2, 2, 3], j[0].Shape);
        Assert.Equal([2, 3], j[1].Shape);
        Close([0.5, -1, 2, 0, 0, 0, 0, 0, 0, 0.5, -1, 2], j[0], 1e-12);
        Close([1, 2, 3, -1, 0.5, 2], j[1], 1e-12);
        Close(NumericJacobian(f, xs, 0), j[0]);
        Close(NumericJacobian(f, xs, 1), j[1]);

        var v = V(2, -1);
        var (y, vjp) = Tensor.Vjp(f, xs, v);
        Close([4.5, 3], y, 1e-12); // a·b = (0.5 − 2 + 6, −0.5 − 0.5 + 4)
        Close([1, -2, 4, -0.5, 1, -2], vjp[0], 1e-12);
        Close([3, 3.5, 4], vjp[1], 1e-12);

        var ua = M(2, 3, 1, 0, 0, 0, 1, 1);
        var ub = V(1, 1, -1);
        // u_a·b = (0.5, 1); a·u_b = (1 + 2 − 3, −1 + 0.5 − 2) = (0, −2.5) ⇒ (0.5, −1.5).
        var (_, jvp) = Tensor.Jvp(f, xs, [ua, ub]);
        Close([0.5, -1.5], jvp, 1e-12);
    }

    [Fact]
    public void HessianBlocksAndHvpOfSeveralInputsMatchHandDerivation()
    {
        // f(a, b) = Σ_k a_k² b_k² ⇒ H_aa = diag(2b²), H_ab = H_ba = diag(4ab), H_bb = diag(2a²).
        static Tensor<double> f(Tensor<double>[] xs) => (xs[0] * xs[1]).Pow(2).Sum();
        var a = V(1, -2);
        var b = V(3, 0.5);
        var h = Tensor.Hessian(f, [a, b]);
        Close([18, 0, 0, 0.5], h[0][0], 1e-12);
        Close([12, 0, 0, -4], h[0][1], 1e-12);
        Close([12, 0, 0, -4], h[1][0], 1e-12);
        Close([2, 0, 0, 8], h[1][1], 1e-12);
        // H·u with u_a = (1, 0), u_b = (0, 1): (H_aa u_a + H_ab u_b, H_ba u_a + H_bb u_b) = ((18, −4), (12, 8)).
        var (_, hvp) = Tensor.Hvp(f, [a, b], [V(1, 0), V(0, 1)]);
        Close([18, -4], hvp[0], 1e-12);
        Close([12, 8], hvp[1], 1e-12);
        var (_, vhp) = Tensor.Vhp(f, [a, b], [V(1, 0), V(0, 1)]);
        Close([18, -4], vhp[0], 1e-12);
        Close([12, 8], vhp[1], 1e-12);
    }

    [Fact]
    public void AnInputTheOutputDoesNotUseGetsZeros()
    {
        static Tensor<double> f(Tensor<double>[] xs) => xs[0].Sin().Sum();
        var a = V(0.5, 1);
        var unused = M(2, 2, 1, 2, 3, 4);
        var j = Tensor.Jacobian(f, [a, unused]);
        Close([Math.Cos(0.5), Math.Cos(1)], j[0], 1e-12);
        Assert.Equal([2, 2], j[1].Shape);
        Close([0, 0, 0, 0], j[1], 0);
        var h = Tensor.Hessian(f, [a, unused]);
        Assert.Equal([2, 2, 2], h[0][1].Shape);
        Assert.Equal([2, 2, 2, 2], h[1][1].Shape);
        Assert.All(h[1].Concat(h[0].Skip(1)).SelectMany(t => t.ToArray()), e => Assert.Equal(0, e));
        var (_, vjp) = Tensor.Vjp(f, [a, unused], Tensor.Scalar(1.0));
        Close([0, 0, 0, 0], vjp[1], 0);
        // d/dt f(a + t u_a) = Σ cos(a) u_a = cos 0.5 at u_a = (1, 0); u for the unused input does not matter.
        var (_, jvp) = Tensor.Jvp(f, [a, unused], [V(1, 0), M(2, 2, 9, 9, 9, 9)]);
        Close([Math.Cos(0.5)], jvp, 1e-12);
        // An output that depends on no input at all: everything is zero.
        var (_, constant) = Tensor.Jvp(_ => V(1, 2), [a], [a]);
        Close([0, 0], constant, 0);
        Close([0, 0, 0, 0], Tensor.Hessian(t => t.Sum(), a), 0);
    }

    [Fact]
    public void CallersTensorsKeepTheirGradRequiresGradAndValues()
    {
        static Tensor<double> f(Tensor<double>[] xs) => (xs[0] * xs[1]).Pow(3).Sum();
        var a = Tensor.FromArray(new double[] { 0.5, -1 }, requiresGrad: true);
        var b = V(2, 0.25);
        Tensor<double>[] xs = [a, b];
        _ = Tensor.Jacobian(f, xs);
        _ = Tensor.Hessian(f, xs);
        _ = Tensor.Vjp(f, xs, Tensor.Scalar(1.0));
        _ = Tensor.Jvp(f, xs, [a, b]);
        _ = Tensor.Hvp(f, xs, [a, b]);
        _ = Tensor.Vhp(f, xs, [a, b], createGraph: true);
        _ = Tensor.Jacobian(f, xs, createGraph: true);
        Assert.Null(a.Grad);
        Assert.Null(b.Grad);
        Assert.True(a.RequiresGrad);
        Assert.False(b.RequiresGrad);
        Assert.True(a.IsLeaf);
        Close([0.5, -1], a, 0);
        Close([2, 0.25], b, 0);
    }

    [Fact]
    public void CreateGraphLetsAVjpBeDifferentiatedAgain()
    {
        // f(x) = x³ elementwise: vjp = 3x²v = (3·1·2, 3·4·0.5) = (6, 6); ∂(Σ vjp)/∂x = 6xv = (6·1·2, 6·(−2)·0.5) = (12, −6).
        var x = Tensor.FromArray(new double[] { 1, -2 }, requiresGrad: true);
        var v = V(2, 0.5);
        var (y, vjp) = Tensor.Vjp(t => t.Pow(3), x, v, createGraph: true);
        Close([6, 6], vjp, 1e-12);
        Assert.True(vjp.RequiresGrad);
        Close([12, -6], Tensor.Grad([vjp.Sum()], [x], null, retainGraph: true)[0], 1e-12);
        // The output stays connected too: ∂(Σ y)/∂x = 3x² = (3, 12).
        Close([3, 12], Tensor.Grad([y.Sum()], [x])[0], 1e-12);
        // Without createGraph nothing is recorded.
        var (plainY, plainVjp) = Tensor.Vjp(t => t.Pow(3), x, v);
        Assert.False(plainVjp.RequiresGrad);
        Assert.False(plainY.RequiresGrad);
    }

    [Fact]
    public void CreateGraphHessianIsDifferentiable()
    {
        // f(x) = Σ x³: H = diag(6x); ∂(Σ H)/∂x_i = 6.
        var x = Tensor.FromArray(new double[] { 1, -2 }, requiresGrad: true);
        var h = Tensor.Hessian(t => t.Pow(3).Sum(), x, createGraph: true);
        Close([6, 6], Tensor.Grad([h.Sum()], [x])[0], 1e-12);
    }

    [Fact]
    public void ParametersToVectorAndBackRoundTripsAndIsDifferentiable()
    {
        var w = M(2, 2, 1, 2, 3, 4);
        var b = V(5, 6, 7);
        var s = Tensor.Scalar(8.0);
        var vector = Tensor.ParametersToVector([w, b, s]);
        Close([1, 2, 3, 4, 5, 6, 7, 8], vector, 0);
        var pieces = Tensor.VectorToParameters(vector, [[2, 2], [3], []]);
        Assert.Equal([2, 2], pieces[0].Shape);
        Assert.Equal([3], pieces[1].Shape);
        Assert.Empty(pieces[2].Shape);
        Close(w.ToArray(), pieces[0], 0);
        Close(b.ToArray(), pieces[1], 0);
        Close([8], pieces[2], 0);
        // L(θ) = Σ_k c_k ⊙ piece_k(θ) ⇒ ∂L/∂θ = concat(c_k) = (1, 1, 1, 1, 2, 2, 2, 3).
        var theta = Tensor.FromArray(vector.ToArray(), requiresGrad: true);
        var p = Tensor.VectorToParameters(theta, [[2, 2], [3], []]);
        var loss = p[0].Sum() + (p[1] * 2.0).Sum() + p[2] * 3.0;
        Close([1, 1, 1, 1, 2, 2, 2, 3], Tensor.Grad([loss], [theta])[0], 0);
    }

    [Fact]
    public void HessianOfSmallNetworkLossMatchesFiniteDifferencesAndIsSymmetric()
    {
        // A 2-3-1 tanh MLP, loss = mean squared error over four samples, as a function of its 13 parameters in one vector.
        int[][] shapes = [[2, 3], [3], [3, 1], [1]];
        var x = M(4, 2, 0.5, -1, 1.5, 0.25, -0.5, 0.75, 0, 1);
        var target = M(4, 1, 0.2, -0.3, 0.8, 0.1);
        Tensor<double> Loss(Tensor<double> theta)
        {
            var p = Tensor.VectorToParameters(theta, shapes);
            var prediction = (x.MatMul(p[0]) + p[1]).Tanh().MatMul(p[2]) + p[3];
            return (prediction - target).Pow(2).Mean();
        }
        var theta = Tensor.ParametersToVector([
            M(2, 3, 0.3, -0.5, 0.8, 0.1, 0.7, -0.4), V(0.05, -0.1, 0.2), M(3, 1, 0.6, -0.9, 0.4), V(0.1)]);
        var h = Tensor.Hessian(Loss, theta);
        Assert.Equal([13, 13], h.Shape);
        Close(NumericJacobian(t => Gradient(Loss, t), theta), h);
        Close(h.MT.ToArray(), h, 1e-12);
        Assert.Null(theta.Grad);
        Assert.False(theta.RequiresGrad);
    }

    [Fact]
    public void TangentOfTheWrongShapeNamesMethodAndBothShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Jvp(t => t.Sin(), V(1, 2), V(1, 2, 3)));
        Assert.Contains("Jvp", error.Message);
        Assert.Contains("[3]", error.Message);
        Assert.Contains("[2]", error.Message);
        var vjpError = Assert.Throws<ArgumentException>(() => Tensor.Vjp(t => t.Sin(), V(1, 2), M(1, 2, 1, 1)));
        Assert.Contains("Vjp", vjpError.Message);
        Assert.Contains("[1, 2]", vjpError.Message);
        Assert.Contains("[2]", vjpError.Message);
    }

    [Fact]
    public void HessianOfNonScalarFunctionNamesMethodAndShape()
    {
        var error = Assert.Throws<ArgumentException>(() => Tensor.Hessian(t => t.Sin(), V(1, 2)));
        Assert.Contains("Hessian", error.Message);
        Assert.Contains("[2]", error.Message);
        var hvpError = Assert.Throws<ArgumentException>(() => Tensor.Hvp(t => t * 2.0, M(1, 2, 1, 2), M(1, 2, 1, 1)));
        Assert.Contains("Hvp", hvpError.Message);
        Assert.Contains("[1, 2]", hvpError.Message);
    }
}
