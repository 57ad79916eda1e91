using System.Numerics;
using Autograd.Engine;
using Autograd.Kernels;

namespace Autograd;

// Multi-head self-attention straight from the packed in-projection [N, L, 3E] (what PyTorch's fast path,
// _native_multi_head_attention, does): the kernel reads each head's q, k and v where the projection put them and
// writes the heads' outputs side by side as [N, L, E], and the backward writes dq, dk and dv into one [N, L, 3E]
// gradient. Splitting the projection into heads and joining them again (two copies forward, and backward two more,
// a zeroed buffer and three slice additions) is gone. The rule in differentiable ops splits, attends and joins with
// views, so second order works as for ScaledDotProductAttention.
public sealed partial class Tensor<T>
{
    private static readonly OpInfo PackedAttentionOp = new("PackedSelfAttention", Saved.Input0,
        "∂/∂qkv = [∂/∂Q, ∂/∂K, ∂/∂V] per head, each as in ScaledDotProductAttention, laid out as the projection")
    {
        FreshFusedGradients = true,
    };

    /// <summary>
    /// Multi-head self-attention from a packed projection: this tensor is qkv [N, L, 3E] ([L, N, 3E] when
    /// <paramref name="batchFirst"/> is false), each position's features holding q, k and v of E = h·d features, head i
    /// the features i·d..(i+1)·d − 1 of each. Returns per head softmax(s·Q_i·K_iᵀ + M)·V_i, the heads side by side:
    /// [N, L, E] (or [L, N, E]). M is the additive <paramref name="attnMask"/> (a constant, broadcast to [N, h, L, L]),
    /// plus −∞ where key j &gt; query i when <paramref name="isCausal"/>. Equal to splitting qkv into heads [N, h, L, d],
    /// <see cref="ScaledDotProductAttention"/> and joining the heads again; one node, with no copies of the heads.
    /// </summary>
    /// <exception cref="ArgumentException">qkv is not 3-D with 3·h·d features, h is not positive, or the mask does not
    /// broadcast to [N, h, L, L].</exception>
    public Tensor<T> PackedSelfAttention(int heads, Tensor<T>? attnMask, bool isCausal, T scale, bool batchFirst = true)
    {
        const string op = "PackedSelfAttention";
        if (heads < 1) throw new ArgumentOutOfRangeException(nameof(heads), $"{op}: heads must be positive, got {heads}");
        if (Rank != 3 || Dims[2] % (3 * heads) != 0)
            throw new ArgumentException($"{op}: qkv must be [N, L, 3·E] (batch first) or [L, N, 3·E] with E a multiple of {heads} heads, got shape {Shapes.Format(Dims)}");
        var g = Geometry(heads, batchFirst);
        int[] scoreShape = [g.N, heads, g.L, g.L];
        Tensor<T>? mask = null;
        if (attnMask is not null)
        {
            if (!Shapes.BroadcastsTo(attnMask.Dims, scoreShape))
                throw new ArgumentException($"{op}: attention mask of shape {Shapes.Format(attnMask.Dims)} does not broadcast to the scores' shape [N, h, L, L] = {Shapes.Format(scoreShape)}");
            using (Tensor.NoGrad())
                mask = attnMask.Rank == 2 && attnMask.Dims[0] == g.L && attnMask.Dims[1] == g.L ? attnMask.Contiguous() : attnMask.Expand(scoreShape).Contiguous();
        }
        int batch = g.N * heads, e = heads * g.D;
        var weights = Buffers.Rent<T>(batch * g.L * g.L, clear: false);
        var output = Buffers.Rent<T>(g.N * g.L * e, clear: false);
        var problem = PackedProblem(this, g, mask, isCausal, scale);
        if (batch * g.L > 0 && g.D > 0) Kernels.Attention.Forward(problem, weights, output);
        else Array.Clear(output, 0, g.N * g.L * e);
        var p = new Tensor<T>(weights, scoreShape);
        int[] outShape = [Dims[0], Dims[1], e];
        return Graph.Record(new Tensor<T>(output, outShape), PackedAttentionOp, [this],
            (grad, _, xs) => [PackedAttentionGradComposite(grad, xs[0], g, mask, isCausal, scale)],
            fused: (grad, _, xs) => [PackedAttentionGradFused(grad, xs[0], g, p, mask, isCausal, scale)]);
    }

    /// <summary>The sizes of a packed call: batch N, length L, head count and features per head d.</summary>
    private readonly record struct PackedGeometry(int N, int L, int Heads, int D, bool BatchFirst);

    private PackedGeometry Geometry(int heads, bool batchFirst) =>
        new(batchFirst ? Dims[0] : Dims[1], batchFirst ? Dims[1] : Dims[0], heads, Dims[2] / (3 * heads), batchFirst);

    /// <summary>
    /// The kernel's operands over the projection in place: batch entry b = n·h + i (sample n, head i) has its q rows at
    /// n·(L·3E) + i·d, 3E apart (batch first; [L, N, 3E]: n·3E + i·d, N·3E apart), k and v E and 2E further; the output
    /// likewise in [N, L, E] (or [L, N, E]).
    /// </summary>
    private static Kernels.Attention.Problem<T> PackedProblem(Tensor<T> qkv, PackedGeometry g, Tensor<T>? mask, bool isCausal, T scale)
    {
        var (a, offset) = qkv.RowMajor();
        int e = g.Heads * g.D;
        var inputs = PackedLayout(g, 3 * e);
        return new(g.N * g.Heads, g.L, g.L, g.D, g.D, a, offset, a, offset + e, a, offset + 2 * e,
            mask?.Storage, mask?.Offset ?? 0, mask is null || mask.Rank == 2 ? 0 : g.L * g.L, isCausal, scale)
        {
            QLayout = inputs,
            KLayout = inputs,
            VLayout = inputs,
            OLayout = PackedLayout(g, e),
        };
    }

    /// <summary>Heads of d features within rows of <paramref name="width"/> features, laid out [N, L, width] or [L, N, width].</summary>
    private static Kernels.Attention.HeadLayout PackedLayout(PackedGeometry g, int width) =>
        g.BatchFirst ? new(g.Heads, g.L * width, g.D, width) : new(g.Heads, width, g.D, g.N * width);

    /// <summary>The first-order rule as one kernel over the saved weights <paramref name="p"/>, writing dq, dk and dv into
    /// one gradient laid out as the projection.</summary>
    private static Tensor<T> PackedAttentionGradFused(Tensor<T> grad, Tensor<T> qkv, PackedGeometry g, Tensor<T> p, Tensor<T>? mask,
        bool isCausal, T scale)
    {
        int e = g.Heads * g.D;
        var dqkv = Buffers.Rent<T>(qkv.NumElements, clear: p.NumElements == 0 || g.D == 0);
        if (p.NumElements > 0 && g.D > 0)
        {
            // G [N, L, E] (or [L, N, E]) seen as [N, h, L, d]: the kernel reads each head in place when its rows are unit-stride.
            int[] s = grad.Strides;
            int[] strides = g.BatchFirst ? [s[0], g.D * s[2], s[1], s[2]] : [s[1], g.D * s[2], s[0], s[2]];
            var heads = new Layout([g.N, g.Heads, g.L, g.D], strides, grad.Offset, grad.NumElements, isContiguous: false);
            Kernels.Attention.Backward(PackedProblem(qkv, g, mask, isCausal, scale), p.Storage, grad.Storage, heads, dqkv, dqkv, dqkv,
                dqOffset: 0, dkOffset: e, dvOffset: 2 * e);
        }
        return new Tensor<T>(dqkv, (int[])qkv.Dims.Clone());
    }

    /// <summary>The rule in differentiable ops: the heads split out of qkv as views, ScaledDotProductAttention's composite
    /// rule, and the three gradients joined back into the projection's layout.</summary>
    private static Tensor<T> PackedAttentionGradComposite(Tensor<T> grad, Tensor<T> qkv, PackedGeometry g, Tensor<T>? mask,
        bool isCausal, T scale)
    {
        int e = g.Heads * g.D;
        // [N, L, 3, h, d] → [3, N, h, L, d] (batch first; from [L, N, 3, h, d] likewise).
        var split = g.BatchFirst
            ? qkv.Reshape(g.N, g.L, 3, g.Heads, g.D).Permute(2, 0, 3, 1, 4)
            : qkv.Reshape(g.L, g.N, 3, g.Heads, g.D).Permute(2, 1, 3, 0, 4);
        var gh = g.BatchFirst ? grad.Reshape(g.N, g.L, g.Heads, g.D).Permute(0, 2, 1, 3) : grad.Reshape(g.L, g.N, g.Heads, g.D).Permute(1, 2, 0, 3);
        var d = AttentionGradComposite(gh, [split.Select(0, 0), split.Select(0, 1), split.Select(0, 2)], mask, isCausal, scale, true, true, true);
        var joined = Tensor.Stack([d[0]!, d[1]!, d[2]!], 0);
        return g.BatchFirst
            ? joined.Permute(1, 3, 0, 2, 4).Reshape(g.N, g.L, 3 * e)
            : joined.Permute(3, 1, 0, 2, 4).Reshape(g.L, g.N, 3 * e);
    }
}
