using System.Diagnostics;
using System.Globalization;
using System.Text;
using Autograd;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;
using CharModel;

// A character-level language model on Debian's fortunes corpus, LSTM or transformer, with the anchor's definitions
// (shared/anchors/CharLm/Program.cs) of corpus, split, batches, models, optimizers and evaluation. See README.md.
Options o;
try { o = Options.Parse(args); }
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var corpus = Corpus.Load(o.Corpus, Console.Out);
var (unigram, uniform) = corpus.Baselines();
Console.WriteLine($"corpus: {corpus.Description}");
Console.WriteLine($"train-unigram cross-entropy on validation: {unigram:F4} nats = {Bits(unigram):F4} bits; uniform: {uniform:F4} nats");

var g = new Generator((ulong)o.Seed);
bool gpt = o.Model == "transformer";
CharNet model = gpt
    ? new CharTransformer(corpus.Size, o.Context, o.DModel, o.Heads, o.Layers, g)
    : new CharLstm(corpus.Size, o.Embed, o.Hidden, o.Layers, g);
Adam<float> optimizer = gpt
    ? new AdamW<float>(model.Parameters(), o.LearningRate, weightDecay: o.WeightDecay)
    : new Adam<float>(model.Parameters(), o.LearningRate, weightDecay: o.WeightDecay);
string arch = gpt
    ? $"transformer d_model {o.DModel}, {o.Heads} heads, {o.Layers} pre-LN blocks, context {o.Context}, no dropout; AdamW lr {o.LearningRate} wd {o.WeightDecay}"
    : $"LSTM embedding {o.Embed}, {o.Layers} layers x {o.Hidden}, {(o.Tbptt ? "truncated BPTT over contiguous streams" : "zero state per window")}; Adam lr {o.LearningRate}";
Console.WriteLine($"model: {arch}; {model.ParameterCount()} parameters; batch {o.Batch} x {o.Context}; {o.Steps} steps; seed {o.Seed}");

var batches = new Batches(corpus, o.Batch, o.Context, o.EvalBatches, o.Seed);
var streams = o.Tbptt ? new Streams(corpus.Train, o.Batch, o.Context) : null;
Directory.CreateDirectory(o.OutDir);
string curvePath = Path.Combine(o.OutDir, $"curve-{o.Model}.csv"), checkpointPath = Path.Combine(o.OutDir, $"{o.Model}.safetensors");
var curve = new StringBuilder("step,val_nats,val_bits,train_nats_recent,train_seconds\n");
var trainClock = new Stopwatch();
var evalClock = new Stopwatch();
double recentSum = 0, lastVal = double.NaN;
int recentCount = 0;
(Tensor<float> H, Tensor<float> C)? carried = null;

Report(0);
for (int step = 1; step <= o.Steps; step++)
{
    trainClock.Start();
    using (Tensor.Scope())
    {
        optimizer.ZeroGrad();
        Tensor<float> logits;
        int[] targets;
        if (streams is null)
        {
            (var inputs, targets) = batches.NextTrain();
            logits = model.Logits(inputs, o.Batch, o.Context);
        }
        else
        {
            // Truncated backpropagation through time: each of the B rows reads its own contiguous stretch of the text,
            // T chars per step. The LSTM starts from the state the previous chunk ended in, so it sees context longer than
            // T, but that state is detached: gradients flow back through these T steps only, and the graph (and memory)
            // of earlier chunks is not kept. Keep() lets the state outlive this step's Tensor.Scope.
            var (inputs, chunkTargets, restart) = streams.Next();
            targets = chunkTargets;
            var (chunkLogits, (h, c)) = ((CharLstm)model).Step(inputs, o.Batch, o.Context, restart ? null : carried);
            logits = chunkLogits;
            carried = (h.Detach().Keep(), c.Detach().Keep());
        }
        var loss = Losses.CrossEntropy(logits.Reshape(o.Batch * o.Context, corpus.Size), targets);
        loss.Backward();
        optimizer.Step();
        recentSum += loss.Item();
        recentCount++;
    }
    trainClock.Stop();
    if (step % o.EvalEvery == 0 || step == o.Steps) Report(step);
}
File.WriteAllText(curvePath, curve.ToString());
Checkpoint.Save(checkpointPath, model, optimizer, new Dictionary<string, string>
{
    ["model"] = o.Model, ["vocabulary"] = string.Join(",", corpus.Vocabulary.Select(ch => (int)ch)),
    ["config"] = string.Join(" ", args), ["val_nats"] = lastVal.ToString("F5"),
});
Console.WriteLine($"training curve: {curvePath}; checkpoint (model and optimizer): {checkpointPath}");

string sample = Sample(model, corpus, o);
Console.WriteLine($"--- sample ({o.SampleLength} chars after \"\\n\", temperature {o.Temperature}, top-k {o.TopK}, seed {o.Seed}) ---");
Console.WriteLine(string.Concat(sample.Select(ch => ch < ' ' && ch != '\n' && ch != '\t' ? $"\\x{(int)ch:x2}" : ch.ToString())));
Console.WriteLine("--- end sample ---");
double trainSeconds = trainClock.Elapsed.TotalSeconds;
Console.WriteLine($"train {trainSeconds:F1} s ({trainSeconds / Math.Max(1, o.Steps) * 1000:F1} ms/step), evaluation {evalClock.Elapsed.TotalSeconds:F1} s");
Console.WriteLine($"val_loss={lastVal:F4}");
return 0;

// Validation loss (nats per char, mean over every position of the fixed validation windows), the curve row and a line.
void Report(int step)
{
    evalClock.Start();
    lastVal = Evaluate(model, batches, corpus);
    evalClock.Stop();
    double? train = recentCount > 0 ? recentSum / recentCount : null;
    (recentSum, recentCount) = (0, 0);
    double secs = trainClock.Elapsed.TotalSeconds;
    curve.Append(CultureInfo.InvariantCulture, $"{step},{lastVal:F5},{Bits(lastVal):F5},{(train is double t ? t.ToString("F5") : "")},{secs:F2}\n");
    File.WriteAllText(curvePath, curve.ToString());
    Console.WriteLine($"step {step,6}  val {lastVal:F4} nats ({Bits(lastVal):F4} bits)  train(recent) {(train is double tr ? tr.ToString("F4") : "  -   ")}  {secs,8:F1} s");
}

static double Bits(double nats) => nats / Math.Log(2);

// Mean cross-entropy over the fixed validation windows, each from a zero state, as the anchor scores them.
static double Evaluate(CharNet model, Batches batches, Corpus corpus)
{
    model.Eval();
    double sum = 0;
    using (Tensor.NoGrad())
        for (int k = 0; k < batches.ValidationBatches; k++)
        {
            using var scope = Tensor.Scope();
            var (inputs, targets) = batches.Cut(corpus.Validation, batches.ValidationStarts, k * batches.Batch);
            var logits = model.Logits(inputs, batches.Batch, batches.Context);
            sum += Losses.CrossEntropy(logits.Reshape(batches.Batch * batches.Context, corpus.Size), targets).Item();
        }
    model.Train();
    return sum / batches.ValidationBatches;
}

// Generated text after "\n": the transformer reads the whole context (cropped to its last T chars); the LSTM reads the
// newest char and carries its state, as char-rnn samples.
static string Sample(CharNet model, Corpus corpus, Options o)
{
    var sampler = new Sampler(o.Temperature, o.TopK, new Generator((ulong)o.Seed));
    var context = new List<int> { corpus.Id('\n') };
    var text = new StringBuilder();
    (Tensor<float> H, Tensor<float> C)? state = null;
    model.Eval();
    using (Tensor.NoGrad())
        for (int i = 0; i < o.SampleLength; i++)
        {
            using var scope = Tensor.Scope();
            Tensor<float> last;
            if (model is CharLstm lstm)
            {
                var (logits, (h, c)) = lstm.Step([context[^1]], 1, 1, state);
                state = (h.Keep(), c.Keep());
                last = logits.Reshape(corpus.Size);
            }
            else
            {
                int[] window = [.. context.Skip(Math.Max(0, context.Count - o.Context))];
                last = model.Logits(window, 1, window.Length).Select(0, 0).Select(0, window.Length - 1);
            }
            int next = sampler.Next(last);
            context.Add(next);
            text.Append(corpus.Vocabulary[next]);
        }
    model.Train();
    return text.ToString();
}
