using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Kernels;

/// <summary>
/// Scaled dot-product attention over a batch of B independent heads: Q [B, L, E], K [B, S, E], V [B, S, Ev], each head's
/// matrix row-major with unit-stride rows where its <see cref="HeadLayout"/> puts it (contiguous by default; heads
/// interleaved in one projection's rows, [N, L, 3, h, d], for the packed self-attention). The forward is
/// P = softmax(s·Q·Kᵀ + M), O = P·V, with Kᵀ read transposed by the GEMM (a transposed copy per head on the AVX-512
/// tiles), the scale and the additive mask applied by the row pass, and the causal mask written there as −∞ on each
/// row's blocked tail (key j &gt; query i; the tiles' row pass skips those keys) rather than added from a mask tensor;
/// for sequences longer than
/// <see cref="Block"/> the products above the diagonal blocks are skipped. The backward is the first-order rule
/// dV = Pᵀ·G, dP = G·Vᵀ, dS = s·P ⊙ (dP − Σⱼ dPⱼPⱼ), dQ = dS·K, dK = dSᵀ·Q.
/// </summary>
internal static partial class Attention
{
    /// <summary>The operands of one call: sizes, the buffers with their offsets, and the mask (null, one [L, S] matrix
    /// for every head when <see cref="MaskStride"/> is 0, or one per head when it is L·S). Q, K, V and the output O are
    /// contiguous [B, rows, cols] unless their layout is given; the gradients dQ, dK, dV take Q's, K's and V's layouts.</summary>
    public readonly record struct Problem<T>(int Batch, int L, int S, int E, int Ev,
        T[] Q, int QOffset, T[] K, int KOffset, T[] V, int VOffset,
        T[]? Mask, int MaskOffset, int MaskStride, bool Causal, T Scale)
    {
        /// <summary>Where Q's heads lie; unset (default), contiguous [B, L, E].</summary>
        public HeadLayout QLayout { get; init; }

        /// <summary>Where K's heads lie; unset, contiguous [B, S, E].</summary>
        public HeadLayout KLayout { get; init; }

        /// <summary>Where V's heads lie; unset, contiguous [B, S, Ev].</summary>
        public HeadLayout VLayout { get; init; }

        /// <summary>Where the output's heads go; unset, contiguous [B, L, Ev].</summary>
        public HeadLayout OLayout { get; init; }

        internal HeadLayout Lq => QLayout.Heads == 0 ? HeadLayout.Contiguous(L, E) : QLayout;
        internal HeadLayout Lk => KLayout.Heads == 0 ? HeadLayout.Contiguous(S, E) : KLayout;
        internal HeadLayout Lv => VLayout.Heads == 0 ? HeadLayout.Contiguous(S, Ev) : VLayout;
        internal HeadLayout Lo => OLayout.Heads == 0 ? HeadLayout.Contiguous(L, Ev) : OLayout;
    }

    /// <summary>
    /// Where each head's matrix of one operand lies in its buffer: batch entry b = n·<see cref="Heads"/> + i starts at
    /// n·<see cref="Outer"/> + i·<see cref="Inner"/> (from the operand's offset), its rows <see cref="Ld"/> apart, each row
    /// unit-stride.
    /// </summary>
    public readonly record struct HeadLayout(int Heads, int Outer, int Inner, int Ld)
    {
        /// <summary>Offset of batch entry <paramref name="b"/>'s first element.</summary>
        public int Of(int b) => b / Heads * Outer + b % Heads * Inner;

        /// <summary>One matrix [rows, cols] after another.</summary>
        public static HeadLayout Contiguous(int rows, int cols) => new(1, rows * cols, 0, cols);
    }

    /// <summary>Rows (queries) or columns (keys) per block of a causal product: the blocks above the diagonal are skipped.
    /// Blocks smaller than a head cost more in GEMM calls than the skipped products save at the sizes measured (L = 64),
    /// so only longer sequences are cut.</summary>
    private const int Block = 128;

    /// <summary>Writes P [B, L, S] (the attention weights) and O (laid out by <see cref="Problem{T}.OLayout"/>); heads split
    /// over the workers, each in cache.
    /// <paramref name="path"/> picks the products: AVX-512 tiles (Attention.Tiles.cs), or GEMM calls on any other path.</summary>
    public static void Forward<T>(in Problem<T> p, T[] weights, T[] output, KernelPath path = KernelPath.Auto)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Problem<T> q = p;
        bool tiled = Tiled(path);
        PerHeads(p, (h0, h1) =>
        {
            T[]? kt = tiled ? Scratch.Rent<T>(q.S * q.E) : null;
            for (int h = h0; h < h1; h++) ForwardHead(q, h, weights, output, kt);
            if (kt is not null) Scratch.Return(kt);
        });
    }

    /// <summary>Whether <paramref name="path"/> runs the products as AVX-512 tiles (an explicit path is taken as asked,
    /// so tests run both forms on any machine).</summary>
    private static bool Tiled(KernelPath path) => (path == KernelPath.Auto ? KernelPaths.Best : path) == KernelPath.Avx512;

    /// <summary>
    /// The first-order backward from the upstream gradient G [B, L, Ev] (any layout: a head whose rows are not unit-stride,
    /// e.g. the stride-0 gradient Sum hands back, is gathered per head into scratch rather than copied whole) and the saved
    /// weights P: fills those of dQ, dK, dV that are not null.
    /// </summary>
    /// <remarks>dQ, dK and dV are laid out as Q, K and V, from <paramref name="dqOffset"/>, <paramref name="dkOffset"/> and
    /// <paramref name="dvOffset"/> (one buffer may hold all three, as the packed self-attention's gradient does).</remarks>
    public static void Backward<T>(in Problem<T> p, T[] weights, T[] grad, in Layout gradLayout, T[]? dq, T[]? dk, T[]? dv,
        KernelPath path = KernelPath.Auto, int dqOffset = 0, int dkOffset = 0, int dvOffset = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var offsets = (dqOffset, dkOffset, dvOffset);
        Problem<T> q = p;
        Layout g = gradLayout;
        bool tiled = Tiled(path);
        PerHeads(p, (h0, h1) =>
        {
            // Per task: dP/dS of one head [L, S], Vᵀ on the tiled path and, where needed, one head of G [L, Ev], all
            // reused head after head.
            var scores = Scratch.Rent<T>(q.L * q.S);
            T[]? vt = tiled ? Scratch.Rent<T>(q.S * q.Ev) : null;
            T[]? gathered = null;
            for (int h = h0; h < h1; h++)
            {
                var (ga, go, ldg) = GradHead(q, g, grad, h, ref gathered);
                BackwardHead(q, h, weights, ga, go, ldg, scores, vt, dq, dk, dv, offsets);
            }
            Scratch.Return(scores);
            if (vt is not null) Scratch.Return(vt);
            if (gathered is not null) Scratch.Return(gathered);
        });
    }

    /// <summary>Where head <paramref name="h"/> of G [*, L, Ev] is: in place when its rows are unit-stride and do not
    /// overlap (row stride ≥ Ev), else gathered row-major into <paramref name="gathered"/> (rented on first use).</summary>
    private static (T[] Array, int Offset, int Ld) GradHead<T>(in Problem<T> p, in Layout g, T[] grad, int h, ref T[]? gathered)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rank = g.Shape.Length, offset = g.Offset, rest = h, ev = p.Ev;
        for (int d = rank - 3; d >= 0; d--)
        {
            offset += rest % g.Shape[d] * g.Strides[d];
            rest /= g.Shape[d];
        }
        int rowStride = g.Strides[rank - 2], colStride = g.Strides[rank - 1];
        if ((colStride == 1 || ev == 1) && (rowStride >= ev || p.L == 1)) return (grad, offset, Math.Max(rowStride, ev));
        gathered ??= Scratch.Rent<T>(p.L * ev);
        for (int i = 0; i < p.L; i++)
        {
            var row = gathered.AsSpan(i * ev, ev);
            if (colStride == 0) row.Fill(grad[offset + i * rowStride]);
            else
                for (int j = 0; j < ev; j++) row[j] = grad[offset + i * rowStride + j * colStride];
        }
        return (gathered, 0, ev);
    }

    /// <summary>One head's forward; <paramref name="kt"/> is scratch for Kᵀ on the tiled path, null on the GEMM path.</summary>
    private static unsafe void ForwardHead<T>(in Problem<T> p, int h, T[] weights, T[] output, T[]? kt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = p.L, s = p.S, e = p.E, ev = p.Ev, block = p.Causal ? Block : l;
        int qo = p.QOffset + p.Lq.Of(h), ko = p.KOffset + p.Lk.Of(h), vo = p.VOffset + p.Lv.Of(h), po = h * l * s, oo = p.Lo.Of(h);
        int ldq = p.Lq.Ld, ldk = p.Lk.Ld, ldv = p.Lv.Ld, ldo = p.Lo.Ld;
        // Scores: a causal block of queries [i0, i1) sees keys [0, i1) only.
        if (kt is not null)
        {
            Transpose(p.K, ko, ldk, kt, s, e);
            fixed (T* qp = p.Q, ktp = kt, wp = weights)
                Product(qp + qo, ldq, 1, ktp, s, wp + po, s, l, s, e, p.Causal ? Cut.Columns : Cut.None);
        }
        else
            for (int i0 = 0; i0 < l; i0 += block)
            {
                int rows = Math.Min(block, l - i0), cols = Columns(p, i0 + rows);
                Gemm.MultiplyOnThisThread(p.Q, qo + i0 * ldq, ldq, false, p.K, ko, ldk, true, weights, po + i0 * s, s, rows, cols, e, accumulate: false);
            }
        // The scale and mask over the whole head, then −∞ on the causal cut (written last, so that no scale or mask
        // value turns it into NaN), then one max-shifted softmax over the rows (an all −∞ row gives 0/0 = NaN, as the
        // composite does); the tiled path does it row by row in registers where rows are whole vectors (SoftmaxRows).
        Span<T> head = weights.AsSpan(po, l * s);
        ReadOnlySpan<T> mask = p.Mask is null ? default : p.Mask.AsSpan(p.MaskOffset + h * p.MaskStride, l * s);
        if (kt is not null && FusedRows<T>(s))
            SoftmaxRows(head, l, s, p.Scale, mask, p.Causal);
        else
        {
            TensorPrimitives.Multiply(head, p.Scale, head);
            if (p.Mask is not null) TensorPrimitives.Add(head, mask, head);
            if (p.Causal)
                for (int i = 0; i + 1 < s && i < l; i++) head.Slice(i * s + i + 1, s - i - 1).Fill(T.NegativeInfinity);
            Softmax.Forward<T>(head, head, s, log: false);
        }
        if (kt is not null)
        {
            fixed (T* wp = weights, vp = p.V, op = output)
                Product(wp + po, s, 1, vp + vo, ldv, op + oo, ldo, l, ev, s, p.Causal ? Cut.DepthEnd : Cut.None);
            return;
        }
        for (int i0 = 0; i0 < l; i0 += block)
        {
            int rows = Math.Min(block, l - i0), cols = Columns(p, i0 + rows);
            Gemm.MultiplyOnThisThread(weights, po + i0 * s, s, false, p.V, vo, ldv, false, output, oo + i0 * ldo, ldo, rows, ev, cols, accumulate: false);
        }
    }

    /// <summary>One head's backward; <paramref name="vt"/> is scratch for Vᵀ on the tiled path, null on the GEMM path.</summary>
    private static unsafe void BackwardHead<T>(in Problem<T> p, int h, T[] weights, T[] grad, int go, int ldg, T[] scores, T[]? vt,
        T[]? dq, T[]? dk, T[]? dv, (int Q, int K, int V) gradOffsets) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = p.L, s = p.S, e = p.E, ev = p.Ev, rowBlock = p.Causal ? Block : l, colBlock = p.Causal ? Block : s;
        int qo = p.QOffset + p.Lq.Of(h), ko = p.KOffset + p.Lk.Of(h), vo = p.VOffset + p.Lv.Of(h), po = h * l * s;
        int ldq = p.Lq.Ld, ldk = p.Lk.Ld, ldv = p.Lv.Ld;
        int dqo = gradOffsets.Q + p.Lq.Of(h), dko = gradOffsets.K + p.Lk.Of(h), dvo = gradOffsets.V + p.Lv.Of(h);
        bool tiled = vt is not null;
        // dV = Pᵀ·G: causal, key j gets weight only from queries i ≥ j.
        if (dv is not null && tiled)
            fixed (T* wp = weights, gp = grad, dvp = dv)
                Product(wp + po, 1, s, gp + go, ldg, dvp + dvo, ldv, s, ev, l, p.Causal ? Cut.DepthStart : Cut.None);
        else if (dv is not null)
            ColumnProducts(p, weights, po, grad, go, ldg, ev, dv, dvo, ldv, colBlock);
        if (dq is null && dk is null) return;
        // dP = G·Vᵀ (causal: keys j ≤ i), then dS = s·P ⊙ (dP − Σ dP ⊙ P) row by row, zero where P is cut.
        if (tiled)
        {
            Transpose(p.V, vo, ldv, vt!, s, ev);
            fixed (T* gp = grad, vtp = vt, sp = scores)
                Product(gp + go, ldg, 1, vtp, s, sp, s, l, s, ev, p.Causal ? Cut.Columns : Cut.None);
        }
        else
            for (int i0 = 0; i0 < l; i0 += rowBlock)
            {
                int rows = Math.Min(rowBlock, l - i0), cols = Columns(p, i0 + rows);
                Gemm.MultiplyOnThisThread(grad, go + i0 * ldg, ldg, false, p.V, vo, ldv, true, scores, i0 * s, s, rows, cols, ev, accumulate: false);
            }
        Span<T> ds = scores.AsSpan(0, l * s);
        if (tiled && FusedRows<T>(s))
            SoftmaxGradRows(ds, weights.AsSpan(po, l * s), l, s, p.Scale, p.Causal);
        else
        {
            if (p.Causal)
                for (int i = 0; i + 1 < s && i < l; i++) ds.Slice(i * s + i + 1, s - i - 1).Clear();
            Softmax.Backward<T>(ds, weights.AsSpan(po, l * s), ds, s, log: false);
            TensorPrimitives.Multiply(ds, p.Scale, ds);
        }
        if (tiled)
        {
            // dQ = dS·K (causal: keys p ≤ i), dK = dSᵀ·Q (causal: queries i ≥ j).
            fixed (T* sp = scores, kp = p.K, qp = p.Q, dqp = dq, dkp = dk)
            {
                if (dq is not null) Product(sp, s, 1, kp + ko, ldk, dqp + dqo, ldq, l, e, s, p.Causal ? Cut.DepthEnd : Cut.None);
                if (dk is not null) Product(sp, 1, s, qp + qo, ldq, dkp + dko, ldk, s, e, l, p.Causal ? Cut.DepthStart : Cut.None);
            }
            return;
        }
        if (dq is not null)
            for (int i0 = 0; i0 < l; i0 += rowBlock)
            {
                int rows = Math.Min(rowBlock, l - i0), cols = Columns(p, i0 + rows);
                Gemm.MultiplyOnThisThread(scores, i0 * s, s, false, p.K, ko, ldk, false, dq, dqo + i0 * ldq, ldq, rows, e, cols, accumulate: false);
            }
        if (dk is not null)
            ColumnProducts(p, scores, 0, p.Q, qo, ldq, e, dk, dko, ldk, colBlock);
    }

    /// <summary>
    /// D = Aᵀ·X for one head, A [L, S] at <paramref name="ao"/> (P or dS), X [L, width] at <paramref name="xo"/> with row
    /// stride <paramref name="ldx"/>,
    /// D [S, width] at <paramref name="dOffset"/> with row stride <paramref name="ldd"/>, by blocks of keys [j0, j1); causal,
    /// rows i &lt; j0 of A are zero and skipped (a key no query sees gets a zero row).
    /// </summary>
    private static void ColumnProducts<T>(in Problem<T> p, T[] a, int ao, T[] x, int xo, int ldx, int width, T[] d, int dOffset, int ldd, int colBlock)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = p.L, s = p.S;
        for (int j0 = 0; j0 < s; j0 += colBlock)
        {
            int cols = Math.Min(colBlock, s - j0), from = p.Causal ? Math.Min(j0, l) : 0;
            if (from == l)
            {
                for (int j = j0; j < j0 + cols; j++) d.AsSpan(dOffset + j * ldd, width).Clear();
                continue;
            }
            Gemm.MultiplyOnThisThread(a, ao + from * s + j0, s, true, x, xo + from * ldx, ldx, false,
                d, dOffset + j0 * ldd, ldd, cols, width, l - from, accumulate: false);
        }
    }

    /// <summary>The keys [0, n) that query rows before <paramref name="rowEnd"/> see: all S, or min(rowEnd, S) when causal.</summary>
    private static int Columns<T>(in Problem<T> p, int rowEnd) where T : unmanaged, IFloatingPointIeee754<T> =>
        p.Causal ? Math.Min(rowEnd, p.S) : p.S;

    /// <summary>Runs <paramref name="body"/> over the heads [h0, h1), split over the workers in contiguous ranges.</summary>
    private static void PerHeads<T>(in Problem<T> p, Action<int, int> body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const long MinPerTask = 1 << 15;
        long work = (long)p.L * p.S * (p.E + p.Ev);
        int batch = p.Batch;
        int tasks = (int)Math.Clamp(batch * work / MinPerTask, 1, Math.Min(batch, Workers.ThreadCount * 4));
        if (tasks <= 1)
        {
            body(0, batch);
            return;
        }
        int per = (batch + tasks - 1) / tasks;
        Workers.For((batch + per - 1) / per, t => body(t * per, Math.Min(batch, (t + 1) * per)));
    }
}
