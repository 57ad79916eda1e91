using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

public sealed partial class Tensor<T>
{
    private static readonly OpInfo MatMulOp = new("MatMul", Saved.Input0 | Saved.Input1, "∂(A·B)/∂A = G·Bᵀ", "∂(A·B)/∂B = Aᵀ·G");
    private static readonly OpInfo LinearOp = new("Linear", Saved.Input0 | Saved.Input1,
        "∂(x·Wᵀ + b)/∂x = G·W", "∂(x·Wᵀ + b)/∂W = Gᵀ·x", "∂(x·Wᵀ + b)/∂b = Σ_rows G");

    /// <summary>The in-place form of MatMul's derivative for a matrix leaf: .Grad += G·Bᵀ (operand 0) or Aᵀ·G (operand 1).</summary>
    private static readonly Accumulate<T> MatMulAccumulate = static (j, g, x, grad) =>
        j == 0 ? AddProductInto(x[0], g, x[1].MT, grad) : AddProductInto(x[1], x[0].MT, g, grad);

    /// <summary>The in-place form of Linear's weight derivative: W.Grad += Gᵀ·x over all rows.</summary>
    private static readonly Accumulate<T> LinearAccumulate = static (j, g, xs, grad) =>
    {
        if (j != 1) return false;
        Tensor<T> x = xs[0], w = xs[1];
        int rows = Shapes.Size(x.Dims.AsSpan(0, x.Rank - 1));
        var g2 = g.Rank == 2 ? g : g.Reshape(rows, w.Dims[0]);
        return AddProductInto(w, g2.MT, x.Rank == 2 ? x : x.Reshape(rows, w.Dims[1]), grad);
    };
    /// <summary>
    /// Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is treated as a row
    /// (left) or column (right) vector and its dim removed afterwards, and leading batch dims broadcast.
    /// For C = A·B: ∂/∂A = G·Bᵀ, ∂/∂B = Aᵀ·G (summed over broadcast batch dims by the engine).
    /// </summary>
    public Tensor<T> MatMul(Tensor<T> other)
    {
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least 1 dim, got shapes {Shapes.Format(Dims)} and {Shapes.Format(other.Dims)}");
        if (Rank == 1 && other.Rank == 1)
        {
            if (Dims[0] != other.Dims[0])
                throw new ArgumentException($"MatMul: vectors of lengths {Dims[0]} and {other.Dims[0]} cannot be multiplied (shapes {Shapes.Format(Dims)} and {Shapes.Format(other.Dims)})");
            return Unsqueeze(0).MatMul(other.Unsqueeze(1)).Reshape();
        }
        if (Rank == 1) return Unsqueeze(0).MatMul(other).Squeeze(-2);
        if (other.Rank == 1) return MatMul(other.Unsqueeze(-1)).Squeeze(-1);
        // For an operand that is a transposed view (x·Wᵀ, or Gᵀ·x in the backward of Linear), its gradient is computed transposed,
        // as (Gᵀ·A)ᵀ = Aᵀ·G (or (B·Gᵀ)ᵀ = G·Bᵀ), so that the leaf behind the view receives a contiguous gradient instead of a strided one.
        // A 2-D leaf whose .Grad the engine adds into may get its product added by the GEMM itself (MatMulAccumulate).
        return Graph.Record(BatchedMatMul(this, other), MatMulOp, this, other, static (g, _, x) =>
        [
            !x[0].RequiresGrad ? null : IsTransposedView(x[0]) ? x[1].MatMul(g.MT).MT : g.MatMul(x[1].MT),
            !x[1].RequiresGrad ? null : IsTransposedView(x[1]) ? g.MT.MatMul(x[0]).MT : x[0].MT.MatMul(g),
        ], accumulate: MatMulAccumulate);
    }

    /// <summary>
    /// Affine map over the last dim (PyTorch's F.linear): y = x·Wᵀ + b for x [*, in], W [out, in] and an optional
    /// b [out], giving y [*, out]. With G the upstream gradient viewed as [rows, out] (rows = Π*):
    /// ∂/∂x = G·W, ∂/∂W = Gᵀ·x (over all rows), ∂/∂b = Σ_rows G.
    /// </summary>
    /// <remarks>
    /// Fused: the output starts as b in every row and the product is accumulated onto it by one GEMM (which writes b into
    /// each tile of the output as it reaches it), so there is no separate broadcast add in the forward nor a broadcast
    /// reduction in the backward. The derivative is written in differentiable ops, so it also serves createGraph; ∂/∂W
    /// comes out contiguous in the weight's [out, in] layout.
    /// </remarks>
    public Tensor<T> Linear(Tensor<T> weight, Tensor<T>? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw new ArgumentException($"Linear: weight must be [out, in], got shape {Shapes.Format(weight.Dims)}");
        int outFeatures = weight.Dims[0], inFeatures = weight.Dims[1];
        if (Rank == 0 || Dims[^1] != inFeatures)
            throw new ArgumentException($"Linear: input has {(Rank == 0 ? 0 : Dims[^1])} features, weight expects {inFeatures} (input shape {Shapes.Format(Dims)})");
        if (bias is not null && (bias.Rank != 1 || bias.Dims[0] != outFeatures))
            throw new ArgumentException($"Linear: bias shape {Shapes.Format(bias.Dims)} should be [{outFeatures}]");
        int rows = Shapes.Size(Dims.AsSpan(0, Rank - 1));
        var shape = (int[])Dims.Clone();
        shape[^1] = outFeatures;
        bool multiply = rows > 0 && outFeatures > 0 && inFeatures > 0;
        var y = Buffers.Rent<T>(clear: !multiply && bias is null, length: rows * outFeatures);
        var (b, bOffset) = bias is null ? (null, 0) : bias.RowMajor();
        if (b is not null && !multiply) Gemm.FillRows(b, bOffset, y, 0, outFeatures, rows, outFeatures);
        if (multiply)
        {
            var (x, transX, ldx) = RowsOperand(this, inFeatures);
            var (w, transW, ldw) = GemmOperand(weight);
            // op(B) = Wᵀ [in, out]: W stored row-major is read transposed; a transposed view of W is already Wᵀ.
            if (b is null)
                Gemm.Multiply(x.Storage, x.Offset, ldx, transX, w.Storage, w.Offset, ldw, !transW,
                    y, 0, outFeatures, rows, outFeatures, inFeatures, accumulate: false);
            else
                Gemm.MultiplyPlusRow(x.Storage, x.Offset, ldx, transX, w.Storage, w.Offset, ldw, !transW, b, bOffset,
                    y, 0, outFeatures, rows, outFeatures, inFeatures);
        }
        var result = new Tensor<T>(y, shape);
        Tensor<T>[] inputs = bias is null ? [this, weight] : [this, weight, bias];
        return Graph.Record(result, LinearOp, inputs, static (g, _, xs) =>
        {
            Tensor<T> x = xs[0], w = xs[1];
            int rows = Shapes.Size(x.Dims.AsSpan(0, x.Rank - 1));
            var g2 = g.Rank == 2 ? g : g.Reshape(rows, w.Dims[0]);
            var grads = new Tensor<T>?[xs.Length];
            if (x.RequiresGrad) grads[0] = x.Rank == 2 ? g2.MatMul(w) : g2.MatMul(w).Reshape(x.Dims);
            if (w.RequiresGrad) grads[1] = g2.MT.MatMul(x.Rank == 2 ? x : x.Reshape(rows, w.Dims[1]));
            if (xs.Length == 3 && xs[2].RequiresGrad) grads[2] = g2.Sum(0);
            return grads;
        }, accumulate: LinearAccumulate);
    }

    /// <summary>
    /// For the in-place form of a 2-D product's derivative: adds a·b to <paramref name="grad"/> (the .Grad of the matrix
    /// <paramref name="input"/>, which the engine checked is contiguous and of its shape) with one accumulating GEMM
    /// and returns true; returns false, doing nothing, for batched or broadcast products or when the gradient shares
    /// storage with an operand.
    /// </summary>
    private static bool AddProductInto(Tensor<T> input, Tensor<T> a, Tensor<T> b, Tensor<T> grad)
    {
        if (input.Rank != 2 || a.Rank != 2 || b.Rank != 2) return false;
        if (a.SharesStorageWith(grad) || b.SharesStorageWith(grad)) return false;
        AddMatMulInto(a, b, grad);
        return true;
    }

    /// <summary>C += A·B for matrices A [m, k], B [k, n] and a contiguous C [m, n] that shares no storage with them;
    /// not recorded.</summary>
    private static void AddMatMulInto(Tensor<T> a, Tensor<T> b, Tensor<T> c)
    {
        int m = a.Dims[0], k = a.Dims[1], n = b.Dims[1];
        if (m == 0 || n == 0 || k == 0) return;
        (a, bool transA, int lda) = GemmOperand(a);
        (b, bool transB, int ldb) = GemmOperand(b);
        Gemm.Multiply(a.Storage, a.Offset, lda, transA, b.Storage, b.Offset, ldb, transB, c.Storage, c.Offset, n, m, n, k, accumulate: true);
    }

    private static Tensor<T> BatchedMatMul(Tensor<T> a, Tensor<T> b)
    {
        int m = a.Dims[^2], k = a.Dims[^1], n = b.Dims[^1];
        if (b.Dims[^2] != k)
            throw new ArgumentException($"MatMul: shapes {Shapes.Format(a.Dims)} and {Shapes.Format(b.Dims)} are not aligned ({k} columns vs {b.Dims[^2]} rows)");
        var batch = Shapes.Broadcast("MatMul", a.Dims.AsSpan(0, a.Rank - 2), b.Dims.AsSpan(0, b.Rank - 2));
        var shape = new int[batch.Length + 2];
        batch.CopyTo(shape, 0);
        shape[^2] = m;
        shape[^1] = n;
        var c = Buffers.Rent<T>(Shapes.Size(shape), clear: false); // every product below overwrites its block of C
        var result = new Tensor<T>(c, shape);
        if (c.Length == 0) return result;
        (a, bool transA, int lda) = GemmOperand(a);
        (b, bool transB, int ldb) = GemmOperand(b);
        var aBatch = Shapes.BroadcastStrides(a.Dims.AsSpan(0, a.Rank - 2), a.Strides.AsSpan(0, a.Rank - 2), batch);
        var bBatch = Shapes.BroadcastStrides(b.Dims.AsSpan(0, b.Rank - 2), b.Strides.AsSpan(0, b.Rank - 2), batch);
        int count = Shapes.Size(batch);
        if (UniformStride(aBatch, batch, out int aStride) && UniformStride(bBatch, batch, out int bStride))
        {
            Gemm.MultiplyBatched(count, a.Storage, a.Offset, aStride, lda, transA, b.Storage, b.Offset, bStride, ldb, transB,
                c, 0, m * n, n, m, n, k, accumulate: false);
            return result;
        }
        var index = new int[batch.Length];
        for (int p = 0; p < count; p++)
        {
            int oa = a.Offset, ob = b.Offset;
            for (int i = 0; i < batch.Length; i++) { oa += index[i] * aBatch[i]; ob += index[i] * bBatch[i]; }
            Gemm.Multiply(a.Storage, oa, lda, transA, b.Storage, ob, ldb, transB, c, p * m * n, n, m, n, k, accumulate: false);
            for (int i = batch.Length - 1; i >= 0 && ++index[i] == batch[i]; i--) index[i] = 0;
        }
        return result;
    }

    /// <summary>
    /// Whether the batch offsets are p·stride for the flat batch index p = Σ i_d·P_d (P_d = Π_{e&gt;d} batch_e):
    /// true when every dim of size &gt; 1 has stride_d = stride·P_d (including stride 0 for a broadcast operand).
    /// </summary>
    private static bool UniformStride(int[] strides, int[] batch, out int stride)
    {
        stride = 0;
        int last = Array.FindLastIndex(batch, b => b != 1);
        if (last < 0) return true;
        stride = strides[last];
        long place = 1;
        for (int d = last; d >= 0; d--)
        {
            if (batch[d] != 1 && strides[d] != stride * place) return false;
            place *= batch[d];
        }
        return true;
    }

    /// <summary>True when the last two dims are a row-major matrix read transposed (its MT is contiguous).</summary>
    private static bool IsTransposedView(Tensor<T> t) =>
        !t.IsContiguous && t.Dims[^2] > 1 && t.Dims[^1] > 1 && t.Strides[^2] == 1 && t.Strides[^1] == t.Dims[^2];

    /// <summary>The last two dims of <paramref name="t"/> as GEMM reads them (row-major or transposed, with the row
    /// stride), or of a contiguous copy where their strides fit neither.</summary>
    private static (Tensor<T> Matrix, bool Transposed, int Ld) GemmOperand(Tensor<T> t)
    {
        if (!MatrixLayout(t, out bool transposed, out int ld))
        {
            t = t.ContiguousCopy();
            MatrixLayout(t, out transposed, out ld);
        }
        return (t, transposed, ld);
    }

    /// <summary><paramref name="x"/> [*, features] as a [rows, features] GEMM operand: a 2-D tensor may be read
    /// transposed or row-strided, other ranks must be contiguous (else copied).</summary>
    private static (Tensor<T> Matrix, bool Transposed, int Ld) RowsOperand(Tensor<T> x, int features) =>
        x.Rank == 2 ? GemmOperand(x) : (x.IsContiguous ? x : x.ContiguousCopy(), false, features);

    /// <summary>Whether the last two dims can be read directly by GEMM, as a row-major or a transposed matrix.</summary>
    private static bool MatrixLayout(Tensor<T> t, out bool transposed, out int ld)
    {
        int rows = t.Dims[^2], cols = t.Dims[^1];
        int rs = t.Strides[^2], cs = t.Strides[^1];
        if ((cols == 1 || cs == 1) && (rows == 1 || rs >= cols))
        {
            transposed = false;
            ld = rows == 1 ? cols : rs;
            return true;
        }
        if ((rows == 1 || rs == 1) && (cols == 1 || cs >= rows))
        {
            transposed = true;
            ld = cols == 1 ? rows : cs;
            return true;
        }
        transposed = false;
        ld = 0;
        return false;
    }
}
