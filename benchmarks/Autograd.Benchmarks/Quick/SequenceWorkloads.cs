using Autograd.NN;
using Autograd.NN.Optimizers;
using CharModel;

namespace Autograd.Benchmarks.Quick;

/// <summary>
/// The sequence workloads of the libtorch anchor (shared/anchors/TsBench/Program.cs), built as it builds them: the same
/// sizes, batches, step counts, optimizers and timing (a step's mean time over one pass, best of three passes; attention:
/// best of 20 runs after 3 warm-up runs), after untimed warm-up that brings the JIT's code to its final tier. The
/// character models are the CharModel example's classes (CharModels.cs, linked into this project), so the benchmark
/// times the model the example trains.
/// </summary>
internal static class SequenceWorkloads
{
    /// <summary>The names <c>--only</c> accepts for these workloads.</summary>
    public static readonly string[] Keys = ["lstm", "gru", "charlstm", "transformer", "attention"];

    private const int Passes = 3, Vocabulary = 65, Context = 64;

    /// <summary>Least untimed time before a workload's timed passes (see <see cref="BestPass"/>).</summary>
    private const double WarmUpSeconds = 3;

    /// <summary>Warm-up goes on past <see cref="WarmUpSeconds"/> while a pass still has the runtime compile this many
    /// methods or more (tiered compilation still at work), up to <see cref="MaxWarmUpSeconds"/>.</summary>
    private const int SettledCompilations = 5;

    /// <summary>Most untimed time before a workload's timed passes.</summary>
    private const double MaxWarmUpSeconds = 15;

    /// <summary>Runs the workloads named in <paramref name="only"/> (all when null), in the anchor's order.</summary>
    public static void Run(QuickResults r, TextWriter log, IReadOnlyCollection<string>? only = null)
    {
        bool Named(string key) => only is null || only.Contains(key);
        if (Named("lstm"))
            r.LstmStepMs = Classifier("lstm", log, g =>
            {
                var lstm = new LSTM<float>(28, 128, g, batchFirst: true);
                return (lstm, x => lstm.Forward(x).Output);
            });
        if (Named("gru"))
            r.GruStepMs = Classifier("gru", log, g =>
            {
                var gru = new GRU<float>(28, 128, g, batchFirst: true);
                return (gru, x => gru.Forward(x).Output);
            });
        if (Named("transformer")) r.TransformerStepMs = Transformer(log);
        if (Named("attention")) r.AttentionFwdBwdMs = Attention(log);
        if (Named("charlstm")) r.CharLstmStepMs = CharLstmTbptt(log);
    }

    /// <summary>
    /// lstm_step_ms and gru_step_ms: a one-layer recurrent net (28 inputs, 128 hidden, batch first) reading 28 steps, a
    /// Linear 128→10 on the last step's output, cross-entropy, Adam (lr 1e-3); batch 64 over 30 pre-generated batches
    /// of random N(0, 1) inputs [64, 28, 28] and labels in [0, 10).
    /// </summary>
    private static double Classifier(string name, TextWriter log,
        Func<Generator, (Module<float> Net, Func<Tensor<float>, Tensor<float>> Outputs)> build)
    {
        const int batch = 64, batches = 30;
        var g = new Generator(0);
        var (net, outputs) = build(g);
        var head = new Linear<float>(128, Workloads.Classes, g);
        var optimizer = new Adam<float>(net.Parameters().Concat(head.Parameters()), lr: 1e-3);
        var (x, labels) = Workloads.RandomData(g, batch * batches, 28, 28);
        var y = Workloads.SliceLabels(labels, batch);
        return BestPass(name, log, batches, _ => { }, i =>
        {
            optimizer.ZeroGrad();
            var output = outputs(x.Narrow(0, i * batch, batch));
            var loss = Losses.CrossEntropy(head.Forward(output.Select(1, 27)), y[i]);
            loss.Backward();
            optimizer.Step();
        });
    }

    /// <summary>
    /// transformer_step_ms: the nanoGPT-style character model (vocabulary 65, context 64, d_model 128, 4 heads, 2
    /// pre-LayerNorm blocks, no dropout), AdamW (lr 3e-4, weight decay 0.1), batch 32 over 20 batches of random token
    /// rows of 65; inputs are the first 64 tokens, targets the last 64.
    /// </summary>
    private static double Transformer(TextWriter log)
    {
        const int batch = 32, batches = 20;
        var g = new Generator(0);
        var model = new CharTransformer(Vocabulary, Context, 128, 4, 2, g);
        var optimizer = new AdamW<float>(model.Parameters(), lr: 3e-4, weightDecay: 0.1);
        var rows = RandomTokens(g, batch * batches, Context + 1);
        int[][] inputs = [.. Enumerable.Range(0, batches).Select(i => Cut(rows, i * batch, batch, 0))];
        int[][] targets = [.. Enumerable.Range(0, batches).Select(i => Cut(rows, i * batch, batch, 1))];
        return BestPass("transformer", log, batches, _ => { }, i =>
        {
            optimizer.ZeroGrad();
            var logits = model.Logits(inputs[i], batch, Context);
            var loss = Losses.CrossEntropy(logits.Reshape(batch * Context, Vocabulary), targets[i]);
            loss.Backward();
            optimizer.Step();
        });
    }

    /// <summary>
    /// char_lstm_step_ms: Embedding 65→64, 2-layer LSTM of 256 (batch first), Linear 256→65, Adam (lr 2e-3), by truncated
    /// backpropagation through time: 32 random token streams of 20·64 + 1 tokens cut into 20 windows of 64 steps; the
    /// state is carried, detached, from window to window and starts at zero in each pass.
    /// </summary>
    private static double CharLstmTbptt(TextWriter log)
    {
        const int batch = 32, windows = 20;
        var g = new Generator(0);
        var model = new CharLstm(Vocabulary, 64, 256, 2, g);
        var optimizer = new Adam<float>(model.Parameters(), lr: 2e-3);
        var streams = RandomTokens(g, batch, windows * Context + 1);
        int[][] inputs = [.. Enumerable.Range(0, windows).Select(j => Window(streams, j * Context))];
        int[][] targets = [.. Enumerable.Range(0, windows).Select(j => Window(streams, j * Context + 1))];
        (Tensor<float> H, Tensor<float> C)? state = null;
        return BestPass("charlstm", log, windows, _ => state = null, j =>
        {
            optimizer.ZeroGrad();
            var (logits, (h, c)) = model.Step(inputs[j], batch, Context, state);
            var loss = Losses.CrossEntropy(logits.Reshape(batch * Context, Vocabulary), targets[j]);
            loss.Backward();
            optimizer.Step();
            state = (h.Detach().Keep(), c.Detach().Keep()); // outlives the step's scope; no graph behind it
        });
    }

    /// <summary>
    /// attention_fwd_bwd_ms: causal scaled dot-product attention on q, k, v [32, 4, 64, 32] (N(0, 1), requiring grad),
    /// then sum().Backward(), with the gradients cleared to null before each run (the anchor's <c>x.grad = None</c>; here
    /// ZeroGrad, which also takes the gradients' buffers back for the next run instead of leaving them to the garbage
    /// collector); best of 20 runs after at least 3 warm-up runs and one second.
    /// </summary>
    private static double Attention(TextWriter log)
    {
        var g = new Generator(0);
        int[] shape = [32, 4, Context, 32];
        var q = Tensor.Randn<float>(shape, g, requiresGrad: true);
        var k = Tensor.Randn<float>(shape, g, requiresGrad: true);
        var v = Tensor.Randn<float>(shape, g, requiresGrad: true);
        void Once()
        {
            q.ZeroGrad();
            k.ZeroGrad();
            v.ZeroGrad();
            using var scope = Tensor.Scope();
            Functional.ScaledDotProductAttention(q, k, v, isCausal: true).Sum().Backward();
        }
        // The anchor's 3 warm-up runs, continued for at least a second as the scalar chain's warm-up: 23 calls leave most
        // methods in the runtime's tier-0 code, and the figure would time the JIT rather than the attention.
        var warm = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.Elapsed.TotalSeconds < 1; i++) Once();
        double ms = Measure.BestSeconds(20, Once) * 1e3;
        log.WriteLine($"attention forward + backward: {ms:F3} ms (best of 20)");
        return ms;
    }

    /// <summary>Mean step time in ms over one pass of <paramref name="steps"/> steps (each in its own
    /// <see cref="Tensor.Scope"/>), best of three passes; <paramref name="beforePass"/> runs untimed before each. The
    /// passes follow untimed warm-up passes, at least one and at least <see cref="WarmUpSeconds"/> of them, as the MLP,
    /// the scalar chain and attention are warmed up: a training step calls hundreds of methods, and the runtime's
    /// tiered compilation takes about three seconds of steps to bring them all to optimised code (the LSTM step ran
    /// 30, 13–14, 10–15, 10–17, 13–16, 11–15 ms/step in its first six passes, then 7–11, in three fresh processes).
    /// The transformer's step takes longer: the runtime's count of compiled methods went 2468, 2544, 2655, 2659 at 2.8,
    /// 3.7, 4.8 and 5.7 s, then rose by 0–2 a pass; so warm-up lasts until a pass compiles fewer than
    /// <see cref="SettledCompilations"/> methods. The anchor's libtorch code is compiled ahead of time and needs no such
    /// warm-up.</summary>
    private static double BestPass(string name, TextWriter log, int steps, Action<int> beforePass, Action<int> step)
    {
        void Pass()
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = Tensor.Scope();
                step(i);
            }
        }

        var warm = System.Diagnostics.Stopwatch.StartNew();
        int warmPasses = 0;
        long compiled;
        do
        {
            beforePass(0);
            long before = System.Runtime.JitInfo.GetCompiledMethodCount();
            Pass();
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            warmPasses++;
        } while (warm.Elapsed.TotalSeconds < WarmUpSeconds
            || (compiled >= SettledCompilations && warm.Elapsed.TotalSeconds < MaxWarmUpSeconds));
        log.WriteLine($"{name}: {warmPasses} warm-up passes ({warm.Elapsed.TotalSeconds:F1} s; the last compiled {compiled} methods)");
        double best = double.MaxValue;
        for (int pass = 0; pass < Passes; pass++)
        {
            beforePass(pass);
            double ms = Measure.Seconds(Pass) * 1e3 / steps;
            log.WriteLine($"{name} pass {pass}: {ms:F2} ms/step");
            best = Math.Min(best, ms);
        }
        return best;
    }

    private static int[][] RandomTokens(Generator g, int rows, int length) =>
        [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, length).Select(_ => g.NextInt(Vocabulary)).ToArray())];

    /// <summary>Rows [first, first + count) of <paramref name="rows"/>, tokens [shift, shift + 64) of each, row-major.</summary>
    private static int[] Cut(int[][] rows, int first, int count, int shift) =>
        [.. Enumerable.Range(first, count).SelectMany(r => rows[r].Skip(shift).Take(Context))];

    /// <summary>Tokens [start, start + 64) of every stream, row-major [32, 64].</summary>
    private static int[] Window(int[][] streams, int start) =>
        [.. streams.SelectMany(s => s.Skip(start).Take(Context))];
}
