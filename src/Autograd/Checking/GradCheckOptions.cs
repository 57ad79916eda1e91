namespace Autograd.Checking;

/// <summary>How <see cref="GradCheck.Verify"/> treats an element where the left and right one-sided differences disagree.</summary>
public enum NonDifferentiablePolicy
{
    /// <summary>A non-differentiable point fails the check.</summary>
    Fail,
    /// <summary>A non-differentiable point is listed in the report as a warning and is not compared (the default).</summary>
    Warn,
    /// <summary>A non-differentiable point is not compared and only counted in the check's detail.</summary>
    Skip,
}

/// <summary>The finite-difference formula <see cref="GradCheck.Verify"/> compares the analytic gradient with.</summary>
public enum Stencil
{
    /// <summary>(f(x + h) − f(x − h)) / 2h; truncation error O(h²).</summary>
    Central,
    /// <summary>(8(f(x + h) − f(x − h)) − (f(x + 2h) − f(x − 2h))) / 12h; truncation error O(h⁴).</summary>
    FourPoint,
}

/// <summary>How <see cref="GradCheck.Verify"/> compares a Jacobian with finite differences.</summary>
public enum Mode
{
    /// <summary>Every entry: one backward per output element, two to four evaluations of f per input element.</summary>
    Full,
    /// <summary>uᵀ·J·v for a few random u, v per input (one backward and four evaluations each), as PyTorch's fast mode;
    /// an input whose projection disagrees (or crosses a kink) is recomputed in full, so the report still names the element.</summary>
    Projections,
}

/// <summary>Options of <see cref="GradCheck.Verify"/>: which derivatives, how they are compared, and the seed of every
/// random vector the check draws. An element passes when |analytic − numeric| ≤ <see cref="Atol"/> + <see cref="Rtol"/>·|numeric|.</summary>
public sealed class GradCheckOptions
{
    /// <summary>1: check the Jacobian of f; 2: also check the Jacobian of the gradient vᵀ·∂f/∂x (recorded with
    /// createGraph, v a fixed random cotangent drawn from <see cref="Seed"/>), and at order 2 the symmetry of the Hessian of a scalar f.</summary>
    public int Order { get; init; } = 1;

    /// <summary>The finite-difference step h.</summary>
    public double Eps { get; init; } = 1e-6;

    /// <summary>The absolute tolerance.</summary>
    public double Atol { get; init; } = 1e-5;

    /// <summary>The relative tolerance (relative to |numeric|).</summary>
    public double Rtol { get; init; } = 1e-3;

    /// <summary>Seed of the random cotangents (second order, linearity and accumulation checks).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>What a non-differentiable point (left and right differences disagree) does; <see cref="NonDifferentiablePolicy.Warn"/> by default.</summary>
    public NonDifferentiablePolicy NonDifferentiable { get; init; } = NonDifferentiablePolicy.Warn;

    /// <summary>The stencil the numeric derivative comes from; the report's finite-difference error estimate is
    /// |central − four-point|, which estimates the central stencil's truncation error (and bounds the four-point one's).</summary>
    public Stencil Stencil { get; init; } = Stencil.Central;

    /// <summary>The absolute tolerance when a float function is compared with its double reference
    /// (<see cref="GradCheck.Verify{T}"/>): float rounding, not a finite-difference step, limits that comparison.</summary>
    public double FloatAtol { get; init; } = 1e-4;

    /// <summary>The relative tolerance when a float function is compared with its double reference.</summary>
    public double FloatRtol { get; init; } = 1e-3;

    /// <summary>Full Jacobians (the default) or random projections with a full recompute of a failing input.</summary>
    public Mode Mode { get; init; } = Mode.Full;

    /// <summary>How many random projections per input in <see cref="Mode.Projections"/> mode.</summary>
    public int Projections { get; init; } = 3;

    internal void Validate()
    {
        if (Order is not (1 or 2)) throw new ArgumentException($"GradCheckOptions: Order must be 1 or 2, got {Order}");
        if (!(Eps > 0) || double.IsInfinity(Eps)) throw new ArgumentException($"GradCheckOptions: Eps must be positive and finite, got {Eps}");
        if (Projections < 1) throw new ArgumentException($"GradCheckOptions: Projections must be at least 1, got {Projections}");
        if (!(Atol >= 0) || !(Rtol >= 0) || !(FloatAtol >= 0) || !(FloatRtol >= 0)) throw new ArgumentException($"GradCheckOptions: tolerances must be non-negative, got Atol {Atol}, Rtol {Rtol}, FloatAtol {FloatAtol}, FloatRtol {FloatRtol}");
    }
}
