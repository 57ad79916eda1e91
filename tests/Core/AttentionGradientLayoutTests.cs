using Autograd.NN;
using Autograd.Tests.NN;

namespace Autograd.Tests.Core;

/// <summary>
/// The fused attention backward reading the upstream gradient G in the layout it arrives in: the stride-0 gradient of a
/// plain Sum, a gradient broadcast along the query rows or along the heads, and a transposed one. Oracle: the gradients
/// of the same attention composed of MatMul, Softmax and an additive causal mask (rules checked by finite differences
/// on their own), with the same reduction after it.
/// </summary>
public class AttentionGradientLayoutTests
{
    public static TheoryData<string> Reductions => ["sum", "sum over rows", "sum over heads", "transposed"];

    private static Tensor<double> Reduce(string how, Tensor<double> y, Tensor<double> w) => how switch
    {
        "sum" => y.Sum(),
        // G = ∂/∂y of Σ_b,i (Σ_j y[b, i, j])·w[j] broadcast back along the rows: row stride 0, unit column stride.
        "sum over rows" => (y.Sum(-2) * w.Select(0, 0).Select(0, 0)).Sum(),
        // Broadcast along the leading (head) dim: each head's rows are in place, heads at stride 0.
        "sum over heads" => (y.Sum(0) * w.Select(0, 0)).Sum(),
        // G arrives transposed: unit row stride, column stride L.
        _ => (y.MT * w).Sum(),
    };

    [Theory]
    [MemberData(nameof(Reductions))]
    public void TheGradientIsReadInItsOwnLayout(string how)
    {
        var r = new Generator(11);
        var q = Tensor.Randn<double>([4, 6, 5], r, requiresGrad: true);
        var k = Tensor.Randn<double>([4, 6, 5], r, requiresGrad: true);
        var v = Tensor.Randn<double>([4, 6, 6], r, requiresGrad: true);
        var w = Tensor.Randn<double>([4, 6, 6], r);
        Reduce(how, q.ScaledDotProductAttention(k, v, null, true, 0.45), w).Backward();
        double[] dq = q.Grad!.ToArray(), dk = k.Grad!.ToArray(), dv = v.Grad!.ToArray();
        (q.Grad, k.Grad, v.Grad) = (null, null, null);
        var scores = (q * 0.45).MatMul(k.MT) + Functional.CausalMask<double>(6, 6);
        Reduce(how, scores.Softmax(-1).MatMul(v), w).Backward();
        AttentionReference.Close(q.Grad!.ToArray(), dq);
        AttentionReference.Close(k.Grad!.ToArray(), dk);
        AttentionReference.Close(v.Grad!.ToArray(), dv);
    }
}
