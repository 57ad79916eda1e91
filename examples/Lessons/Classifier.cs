using Autograd;
using Autograd.NN;
using Autograd.NN.Data;
using Autograd.NN.Optimizers;

namespace Lessons;

/// <summary>The training epoch and the evaluation the image lessons share.</summary>
public static class Classifier
{
    /// <summary>One epoch in training mode: for each batch, cross-entropy, backward and an optimizer step (one scope per step).</summary>
    public static void TrainEpoch(Module<float> model, DataLoader<float> loader, Optimizer<float> optimizer)
    {
        model.Train();
        foreach (var batch in loader)
        {
            using var scope = Tensor.Scope();
            var loss = Losses.CrossEntropy(model.Forward(batch.Inputs), batch.Labels());
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
        }
    }

    /// <summary>Cross-entropy and accuracy of <paramref name="model"/> on <paramref name="set"/>, in eval mode.</summary>
    public static (double Loss, double Accuracy) Evaluate(Module<float> model, ImageSet set)
    {
        model.Eval();
        using var noGrad = Tensor.NoGrad();
        var logits = model.Forward(set.Tensor());
        int correct = logits.ArgmaxIndices(1).Zip(set.Labels).Count(p => p.First == p.Second);
        return (Losses.CrossEntropy(logits, set.Labels).Item(), (double)correct / set.Count);
    }
}
