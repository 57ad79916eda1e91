using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Weight initialisers. Each fills a contiguous tensor in place (not recorded by autograd) from an explicit
/// <see cref="Generator"/> and returns it. Fans follow PyTorch: a weight of shape [out, in, k₁, k₂, …] (Linear: [out, in],
/// Conv: [outChannels, inChannels/groups, kH, kW]) has fan_in = in·Πkᵢ and fan_out = out·Πkᵢ.
/// </summary>
public static class Init
{
    /// <summary>
    /// Recommended gain for a non-linearity: 1 for linear and sigmoid, 5/3 for tanh, √2 for ReLU,
    /// √(2 / (1 + a²)) for leaky ReLU with negative slope a (default 0.01), 3/4 for SELU.
    /// </summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? negativeSlope = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3.0,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1.0 + Math.Pow(negativeSlope ?? 0.01, 2))),
        Nonlinearity.Selu => 0.75,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "CalculateGain: unknown non-linearity"),
    };

    /// <summary>
    /// (fan_in, fan_out) of a weight of shape [out, in, k…]: fan_in = in·Πk, fan_out = out·Πk (the receptive field Πk is 1
    /// for Linear). Needs at least 2 dims.
    /// </summary>
    public static (int FanIn, int FanOut) Fans(IReadOnlyList<int> shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count < 2)
            throw new ArgumentException($"Init: fan in and fan out need a weight with at least 2 dims, got shape {TensorShape.Format([.. shape])}");
        int receptive = 1;
        for (int i = 2; i < shape.Count; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>Fills with samples of U(<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor<T> Uniform<T>(Tensor<T> tensor, Generator generator, double low = 0, double high = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(low <= high)) throw new ArgumentException($"Init.Uniform: low {low} exceeds high {high}");
        var span = Span("Uniform", tensor);
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateChecked(low + (high - low) * generator.NextDouble());
        return tensor;
    }

    /// <summary>Fills with samples of N(<paramref name="mean"/>, <paramref name="std"/>²).</summary>
    public static Tensor<T> Normal<T>(Tensor<T> tensor, Generator generator, double mean = 0, double std = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(std >= 0)) throw new ArgumentException($"Init.Normal: std must be non-negative, got {std}");
        var span = Span("Normal", tensor);
        for (int i = 0; i < span.Length; i++) span[i] = T.CreateChecked(mean + std * generator.NextNormal());
        return tensor;
    }

    /// <summary>Fills with <paramref name="value"/>.</summary>
    public static Tensor<T> Constant<T>(Tensor<T> tensor, double value) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span("Constant", tensor).Fill(T.CreateChecked(value));
        return tensor;
    }

    /// <summary>Fills with 0.</summary>
    public static Tensor<T> Zeros<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => Constant(tensor, 0);

    /// <summary>Fills with 1.</summary>
    public static Tensor<T> Ones<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => Constant(tensor, 1);

    /// <summary>
    /// Glorot &amp; Bengio (2010) uniform: U(−a, a) with a = gain·√(6 / (fan_in + fan_out)), so that
    /// Var = gain²·2 / (fan_in + fan_out).
    /// </summary>
    public static Tensor<T> XavierUniform<T>(Tensor<T> tensor, Generator generator, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        double a = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(tensor, generator, -a, a);
    }

    /// <summary>Glorot &amp; Bengio (2010) normal: N(0, σ²) with σ = gain·√(2 / (fan_in + fan_out)).</summary>
    public static Tensor<T> XavierNormal<T>(Tensor<T> tensor, Generator generator, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        return Normal(tensor, generator, 0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)));
    }

    /// <summary>
    /// He et al. (2015) uniform: U(−b, b) with b = gain·√(3 / fan), gain = <see cref="CalculateGain"/>(nonlinearity, a)
    /// and fan chosen by <paramref name="mode"/>; Var = gain² / fan. PyTorch's Linear and Conv default is a = √5 with
    /// leaky ReLU, which gives b = 1/√fan_in.
    /// </summary>
    public static Tensor<T> KaimingUniform<T>(Tensor<T> tensor, Generator generator, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double bound = CalculateGain(nonlinearity, a) * Math.Sqrt(3.0 / Fan(tensor, mode));
        return Uniform(tensor, generator, -bound, bound);
    }

    /// <summary>He et al. (2015) normal: N(0, σ²) with σ = gain / √fan, gain = <see cref="CalculateGain"/>(nonlinearity, a).</summary>
    public static Tensor<T> KaimingNormal<T>(Tensor<T> tensor, Generator generator, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double std = CalculateGain(nonlinearity, a) / Math.Sqrt(Fan(tensor, mode));
        return Normal(tensor, generator, 0, std);
    }

    /// <summary>
    /// Saxe et al. (2014) orthogonal initialisation: the tensor viewed as a matrix W of shape [rows = shape[0], cols = rest]
    /// is gain·Q, where A = QR is the QR factorisation (modified Gram–Schmidt, in double, with R's diagonal positive) of a
    /// standard normal matrix A of shape [max, min]; W = Q when rows ≥ cols (WᵀW = gain²·I), else Qᵀ (WWᵀ = gain²·I).
    /// </summary>
    public static Tensor<T> Orthogonal<T>(Tensor<T> tensor, Generator generator, double gain = 1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (tensor.Rank < 2)
            throw new ArgumentException($"Init.Orthogonal: needs at least 2 dims, got shape {TensorShape.Format(tensor.Shape)}");
        var span = Span("Orthogonal", tensor);
        int rows = tensor.Shape[0], cols = span.Length / Math.Max(rows, 1);
        int m = Math.Max(rows, cols), n = Math.Min(rows, cols);
        // Column j of the tall m×n matrix is q[j*m .. j*m + m).
        var q = new double[m * n];
        for (int i = 0; i < q.Length; i++) q[i] = generator.NextNormal();
        for (int j = 0; j < n; j++)
        {
            var v = q.AsSpan(j * m, m);
            // Two passes of Gram–Schmidt against the earlier columns ("twice is enough", Giraud et al. 2005).
            for (int pass = 0; pass < 2; pass++)
                for (int i = 0; i < j; i++)
                {
                    var u = q.AsSpan(i * m, m);
                    double r = Dot(u, v);
                    for (int k = 0; k < m; k++) v[k] -= r * u[k];
                }
            double norm = Math.Sqrt(Dot(v, v));
            if (norm == 0) throw new InvalidOperationException("Init.Orthogonal: degenerate random matrix");
            for (int k = 0; k < m; k++) v[k] /= norm;
        }
        // W[r, c] = Q[r, c] when rows ≥ cols (Q is rows×cols), else Qᵀ[r, c] = Q[c, r].
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                span[r * cols + c] = T.CreateChecked(gain * (rows >= cols ? q[c * m + r] : q[r * m + c]));
        return tensor;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    private static int Fan<T>(Tensor<T> tensor, FanMode mode) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (fanIn, fanOut) = Fans(tensor.Shape);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan <= 0) throw new ArgumentException($"Init: zero {mode} for shape {TensorShape.Format(tensor.Shape)}");
        return fan;
    }

    private static Span<T> Span<T>(string name, Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsContiguous)
            throw new ArgumentException($"Init.{name}: tensor of shape {TensorShape.Format(tensor.Shape)} must be contiguous");
        return tensor.AsSpan();
    }
}
