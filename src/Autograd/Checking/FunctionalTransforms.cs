using System.Numerics;

namespace Autograd;

// torch.autograd.functional: Jacobian, Hessian and their products with vectors, for functions of one or several
// tensors. Everything is built on Tensor.Grad (one backward pass per vector–Jacobian product). The function runs on
// copies of the inputs that require grad (detached ones; with createGraph, an input that requires grad is passed
// through a recorded identity instead so that results stay differentiable with respect to it), so the caller's
// tensors, their RequiresGrad and their .Grad are left untouched. Graphs are always retained: they are local to the
// call (the collector reclaims them), and a function that closes over a tensor the caller computed earlier must not
// have that tensor's history freed under it.
public static partial class Tensor
{
    /// <summary>
    /// The Jacobian of <paramref name="f"/> at <paramref name="x"/>: J[o…, i…] = ∂f(x)[o…] / ∂x[i…], of shape
    /// f(x).Shape ++ x.Shape. Costs one forward pass and one backward pass per element of f(x) (a vector–Jacobian
    /// product with each one-hot cotangent), as PyTorch's <c>jacobian</c>. With <paramref name="createGraph"/> the
    /// result is itself differentiable.
    /// </summary>
    public static Tensor<T> Jacobian<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jacobian(xs => f(xs[0]), [x], createGraph)[0];
    }

    /// <summary>
    /// The Jacobian of <paramref name="f"/> with respect to each of <paramref name="xs"/>: block i is
    /// ∂f(xs)[o…] / ∂xs[i][k…], of shape f(xs).Shape ++ xs[i].Shape; an input f does not depend on gets zeros.
    /// One forward pass and one backward pass per element of f(xs).
    /// </summary>
    public static Tensor<T>[] Jacobian<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var mode = EnableGrad();
        var inputs = FunctionalInputs("Jacobian", f, xs, createGraph);
        return JacobianRows(Apply("Jacobian", f, inputs), inputs, createGraph);
    }

    /// <summary>
    /// The Hessian of the scalar function <paramref name="f"/> at <paramref name="x"/>: H[i…, j…] = ∂²f / ∂x[i…] ∂x[j…],
    /// of shape x.Shape ++ x.Shape, computed as the Jacobian of the gradient (the gradient recorded with createGraph):
    /// one forward pass, one recorded backward pass, then one backward pass per element of x.
    /// f(x) must have exactly one element.
    /// </summary>
    public static Tensor<T> Hessian<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        return Hessian(xs => f(xs[0]), [x], createGraph)[0][0];
    }

    /// <summary>
    /// The Hessian blocks of the scalar function <paramref name="f"/>: block [i][j] is ∂²f / ∂xs[i][k…] ∂xs[j][l…],
    /// of shape xs[i].Shape ++ xs[j].Shape. One recorded backward pass, then one backward pass per element of all inputs.
    /// </summary>
    public static Tensor<T>[][] Hessian<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, bool createGraph = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var mode = EnableGrad();
        var inputs = FunctionalInputs("Hessian", f, xs, createGraph);
        var gradient = ScalarGradient("Hessian", Apply("Hessian", f, inputs), inputs);
        // Rows of the Jacobian of the flattened gradient: block j is [Σ sizes, xs[j]…]; row range i belongs to xs[i].
        var columns = JacobianRows(ParametersToVector(gradient), inputs, createGraph);
        var blocks = new Tensor<T>[inputs.Length][];
        for (int i = 0, offset = 0; i < inputs.Length; offset += inputs[i].NumElements, i++)
        {
            blocks[i] = new Tensor<T>[inputs.Length];
            for (int j = 0; j < inputs.Length; j++)
                blocks[i][j] = columns[j].Narrow(0, offset, inputs[i].NumElements).Reshape([.. inputs[i].Dims, .. inputs[j].Dims]);
        }
        return blocks;
    }

    /// <summary>
    /// The output f(x) and the vector–Jacobian product vᵀ·J = Σ_o v[o] ∂f(x)[o] / ∂x (shaped like x), with
    /// <paramref name="v"/> shaped like f(x). One forward and one backward pass.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> Vjp) Vjp<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, Tensor<T> v,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var (y, vjp) = Vjp(xs => f(xs[0]), [x], v, createGraph);
        return (y, vjp[0]);
    }

    /// <summary>
    /// The output f(xs) and, for each input, vᵀ·∂f/∂xs[i] (shaped like xs[i]; zeros for an input f does not use),
    /// with <paramref name="v"/> shaped like f(xs). One forward and one backward pass.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T>[] Vjp) Vjp<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, Tensor<T> v,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(v);
        using var mode = EnableGrad();
        var inputs = FunctionalInputs("Vjp", f, xs, createGraph);
        var y = Apply("Vjp", f, inputs);
        if (!Shapes.Equal(v.Dims, y.Dims))
            throw new ArgumentException($"Vjp: cotangent v has shape {Shapes.Format(v.Dims)} but f's output has shape {Shapes.Format(y.Dims)}");
        return (Output(y, createGraph), VjpCore(y, inputs, v, createGraph));
    }

    /// <summary>
    /// The output f(x) and the Jacobian–vector product J·u = Σ_k ∂f(x)/∂x[k] u[k] (shaped like f(x)), with
    /// <paramref name="u"/> shaped like x. Uses the double-backward construction: g(w) = wᵀ·J is recorded for a dummy
    /// cotangent w (one forward pass and one backward pass with createGraph), and J·u = ∂⟨g(w), u⟩/∂w is a second
    /// backward pass, so it costs about twice a <see cref="Vjp{T}(Func{Tensor{T}, Tensor{T}}, Tensor{T}, Tensor{T}, bool)"/>.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> Jvp) Jvp<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, Tensor<T> u,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        return Jvp(xs => f(xs[0]), [x], [u], createGraph);
    }

    /// <summary>
    /// The output f(xs) and Σ_i J_i·us[i] (shaped like f(xs)), J_i = ∂f/∂xs[i], each us[i] shaped like xs[i].
    /// Double-backward construction as in the one-input overload: two backward passes, the first one recorded.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> Jvp) Jvp<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, Tensor<T>[] us,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var mode = EnableGrad();
        var inputs = FunctionalInputs("Jvp", f, xs, createGraph);
        CheckTangents("Jvp", us, inputs);
        var y = Apply("Jvp", f, inputs);
        if (!y.RequiresGrad) return (Output(y, createGraph), ZerosLike(y));
        // g(w) = wᵀ·J is linear in w, so ∂⟨g(w), u⟩/∂w = J·u whatever w is; zeros keep it cheap.
        var w = ZerosLike(y);
        w.RequiresGrad = true;
        var g = Grad([y], inputs, [w], createGraph: true, retainGraph: true, allowUnused: true);
        var used = Enumerable.Range(0, g.Length).Where(i => g[i].RequiresGrad).ToArray();
        if (used.Length == 0) return (Output(y, createGraph), ZerosLike(y));
        var jvp = Grad([.. used.Select(i => g[i])], [w], [.. used.Select(i => us[i])], createGraph, retainGraph: true, allowUnused: true)[0];
        return (Output(y, createGraph), jvp);
    }

    /// <summary>
    /// The output f(x) of the scalar function <paramref name="f"/> and the Hessian–vector product H·u (shaped like x),
    /// computed as ∂⟨∇f(x), u⟩/∂x = uᵀ·H, which is H·u because the Hessian of a twice continuously differentiable f
    /// is symmetric. One forward pass and two backward passes (the first recorded); the Hessian is never formed.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> Hvp) Hvp<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, Tensor<T> u,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var (y, hvp) = HessianProduct("Hvp", xs => f(xs[0]), [x], [u], createGraph);
        return (y, hvp[0]);
    }

    /// <summary>
    /// The output f(xs) and, for each input i, Σ_j H_ij·us[j] with H_ij = ∂²f / ∂xs[i] ∂xs[j] (shaped like xs[i]).
    /// One forward pass and two backward passes.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T>[] Hvp) Hvp<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, Tensor<T>[] us,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        HessianProduct("Hvp", f, xs, us, createGraph);

    /// <summary>
    /// The output f(x) of the scalar function <paramref name="f"/> and the vector–Hessian product vᵀ·H = ∂⟨∇f(x), v⟩/∂x
    /// (shaped like x), as PyTorch's <c>vhp</c>; equal to <see cref="Hvp{T}(Func{Tensor{T}, Tensor{T}}, Tensor{T}, Tensor{T}, bool)"/>
    /// since the Hessian is symmetric. One forward pass and two backward passes.
    /// </summary>
    public static (Tensor<T> Output, Tensor<T> Vhp) Vhp<T>(Func<Tensor<T>, Tensor<T>> f, Tensor<T> x, Tensor<T> v,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        var (y, vhp) = HessianProduct("Vhp", xs => f(xs[0]), [x], [v], createGraph);
        return (y, vhp[0]);
    }

    /// <summary>The output f(xs) and, for each input j, Σ_i vs[i]ᵀ·H_ij (shaped like xs[j]). Two backward passes.</summary>
    public static (Tensor<T> Output, Tensor<T>[] Vhp) Vhp<T>(Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs, Tensor<T>[] vs,
        bool createGraph = false) where T : unmanaged, IFloatingPointIeee754<T> =>
        HessianProduct("Vhp", f, xs, vs, createGraph);

    // ∂⟨∇f, u⟩/∂xs: the gradient recorded with createGraph, then one more backward pass seeded with u.
    private static (Tensor<T>, Tensor<T>[]) HessianProduct<T>(string method, Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] xs,
        Tensor<T>[] us, bool createGraph) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using var mode = EnableGrad();
        var inputs = FunctionalInputs(method, f, xs, createGraph);
        CheckTangents(method, us, inputs);
        var y = Apply(method, f, inputs);
        var gradient = ScalarGradient(method, y, inputs);
        var used = Enumerable.Range(0, gradient.Length).Where(i => gradient[i].RequiresGrad).ToArray();
        var product = used.Length == 0
            ? [.. inputs.Select(ZerosLike)]
            : Grad([.. used.Select(i => gradient[i])], inputs, [.. used.Select(i => us[i])], createGraph, retainGraph: true, allowUnused: true);
        return (Output(y, createGraph), product);
    }

    // Stacks one vector–Jacobian product per element of y (one-hot cotangents): block i is [y…, inputs[i]…].
    private static Tensor<T>[] JacobianRows<T>(Tensor<T> y, Tensor<T>[] inputs, bool createGraph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.NumElements;
        var rows = new Tensor<T>[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++) rows[i] = new Tensor<T>[n];
        for (int o = 0; o < n; o++)
        {
            var oneHot = new T[n];
            oneHot[o] = T.One;
            var grads = VjpCore(y, inputs, FromArrayNoCopy(oneHot, [.. y.Dims]), createGraph);
            for (int i = 0; i < inputs.Length; i++) rows[i][o] = grads[i];
        }
        var blocks = new Tensor<T>[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            int[] shape = [.. y.Dims, .. inputs[i].Dims];
            blocks[i] = n == 0 ? Zeros<T>(shape) : Stack(rows[i]).Reshape(shape);
        }
        return blocks;
    }

    private static Tensor<T>[] VjpCore<T>(Tensor<T> y, Tensor<T>[] inputs, Tensor<T> v, bool createGraph)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        y.RequiresGrad
            ? Grad([y], inputs, [v], createGraph, retainGraph: true, allowUnused: true)
            : [.. inputs.Select(ZerosLike)];

    // ∇f recorded with createGraph (so that it can be differentiated again); f must be scalar-valued.
    private static Tensor<T>[] ScalarGradient<T>(string method, Tensor<T> y, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.NumElements != 1)
            throw new ArgumentException($"{method}: f must return a one-element tensor, got shape {Shapes.Format(y.Dims)}");
        return y.RequiresGrad
            ? Grad([y], inputs, null, createGraph: true, retainGraph: true, allowUnused: true)
            : [.. inputs.Select(ZerosLike)];
    }

    // The tensors f is called with: leaves that require grad over the caller's storage, or, with createGraph and an
    // input that already requires grad, a recorded identity of it (x·1), so results stay connected to the caller's graph.
    private static Tensor<T>[] FunctionalInputs<T>(string method, Delegate f, Tensor<T>[] xs, bool createGraph)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Length == 0) throw new ArgumentException($"{method}: no inputs given");
        var inputs = new Tensor<T>[xs.Length];
        for (int i = 0; i < xs.Length; i++)
        {
            var x = xs[i] ?? throw new ArgumentNullException(nameof(xs), $"{method}: input {i} is null");
            if (createGraph && x.RequiresGrad)
                inputs[i] = x * T.One;
            else
            {
                inputs[i] = x.Detach();
                inputs[i].RequiresGrad = true;
            }
        }
        return inputs;
    }

    private static Tensor<T> Apply<T>(string method, Func<Tensor<T>[], Tensor<T>> f, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        f(inputs) ?? throw new InvalidOperationException($"{method}: f returned null");

    private static void CheckTangents<T>(string method, Tensor<T>[] us, Tensor<T>[] inputs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(us);
        if (us.Length != inputs.Length)
            throw new ArgumentException($"{method}: {inputs.Length} inputs but {us.Length} vectors");
        for (int i = 0; i < us.Length; i++)
        {
            var u = us[i] ?? throw new ArgumentNullException(nameof(us), $"{method}: vector {i} is null");
            if (!Shapes.Equal(u.Dims, inputs[i].Dims))
                throw new ArgumentException($"{method}: vector {i} has shape {Shapes.Format(u.Dims)} but input {i} has shape {Shapes.Format(inputs[i].Dims)}");
        }
    }

    private static Tensor<T> Output<T>(Tensor<T> y, bool createGraph) where T : unmanaged, IFloatingPointIeee754<T> =>
        createGraph ? y : y.Detach();
}
