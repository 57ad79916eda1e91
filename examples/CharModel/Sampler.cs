using Autograd;

namespace CharModel;

/// <summary>
/// Draws the next char as the anchor does: logits / temperature, keep the top k (those ≥ the k-th largest value, so ties
/// at the threshold stay), softmax over what is kept, then one categorical (multinomial) draw with a seeded generator.
/// </summary>
internal sealed class Sampler(double temperature, int topK, Generator generator)
{
    /// <summary>The drawn id for one row of logits [V].</summary>
    public int Next(Tensor<float> logits)
    {
        var scaled = logits / (float)temperature;
        int k = Math.Min(topK, scaled.Shape[^1]);
        float kth = scaled.TopK(k).Values.ToArray()[k - 1];
        var probabilities = scaled.Softmax(-1).ToArray();
        var values = scaled.ToArray();
        // Softmax over the kept entries equals the full softmax with the others set to zero and renormalised.
        double kept = 0;
        for (int i = 0; i < values.Length; i++)
            if (values[i] < kth) probabilities[i] = 0;
            else kept += probabilities[i];
        double u = generator.NextDouble() * kept, cumulative = 0;
        int last = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] == 0) continue;
            cumulative += probabilities[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // u fell past the sum by rounding
    }
}
