using Autograd.NN;
using Autograd.ReproRunner;

namespace Autograd.Tests.Reliability;

/// <summary>
/// The thread-safety promises of docs/threads-and-determinism.md: independent graphs on different threads give the
/// bits they give alone; grad mode and tensor scopes belong to the thread that set them; one model in eval mode can
/// serve inference under NoGrad on several threads at once. Each test starts its threads together behind a barrier so
/// that they overlap.
/// </summary>
public class ThreadSafetyTests
{
    private const int Threads = 3;

    [Fact]
    public void IndependentTrainings_OnSeveralThreads_GiveTheBitsOfTheSameRunsAlone()
    {
        // Oracle: each run alone, one after the other; then all at once, on their own threads.
        var runs = Enumerable.Range(0, Threads).Select(i => new ReproOptions(i % 2 == 0 ? "mlp" : "cnn", 6, Seed: (ulong)(10 + i))).ToArray();
        var alone = runs.Select(r => ReproTraining.Run(r)).ToArray();
        var together = new ReproResult[Threads];
        RunTogether(i => together[i] = ReproTraining.Run(runs[i]));
        for (int i = 0; i < Threads; i++)
        {
            Assert.Equal(alone[i].StateHash, together[i].StateHash);
            Assert.Equal(alone[i].Losses, together[i].Losses);
        }
    }

    [Fact]
    public void GradMode_IsPerThread()
    {
        // Thread 0 sits inside NoGrad while the others record: its results have no node, theirs do, and every
        // thread's mode is as it set it after the others changed theirs.
        var recorded = new bool[Threads];
        var modeAfter = new bool[Threads];
        using var bothInside = new Barrier(Threads);
        RunTogether(i =>
        {
            var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0 }, requiresGrad: true);
            using (i == 0 ? Tensor.NoGrad() : null)
            {
                bothInside.SignalAndWait();
                recorded[i] = (x * x).Exp().GradFn is not null;
                modeAfter[i] = Tensor.IsGradEnabled;
                bothInside.SignalAndWait();
            }
        });
        Assert.Equal([false, true, true], recorded);
        Assert.Equal([false, true, true], modeAfter);
    }

    [Fact]
    public void TensorScope_IsPerThread_EndingOneLeavesTheOthersTensorsValid()
    {
        // Thread 0 opens a scope, makes a tensor in it and ends it while the others hold tensors made (outside any
        // scope of theirs) during that scope: theirs stay readable, and thread 0's own throws, naming its scope.
        using var made = new Barrier(Threads);
        using var ended = new Barrier(Threads);
        var values = new double[Threads][];
        Exception? ownError = null;
        RunTogether(i =>
        {
            // 64 elements: at least Buffers.MinPooled, so results come from the pool and belong to a scope.
            var x = Tensor.Arange<double>(64);
            if (i == 0)
            {
                Tensor<double> inside;
                using (Tensor.Scope("thread zero"))
                {
                    inside = x * 2.0;
                    made.SignalAndWait();
                }
                ended.SignalAndWait();
                ownError = Record.Exception(() => inside.ToArray());
                values[i] = [];
                return;
            }
            made.SignalAndWait();
            var y = x * (i + 1.0);
            ended.SignalAndWait();
            values[i] = y.ToArray();
        });
        Assert.NotNull(ownError);
        Assert.Contains("thread zero", ownError.Message);
        // y = x · (i + 1) for x = [0, 1, …, 63].
        for (int i = 1; i < Threads; i++) Assert.Equal(Enumerable.Range(0, 64).Select(v => v * (i + 1.0)), values[i]);
    }

    [Fact]
    public void OneModel_SharedReadOnlyForInference_OnSeveralThreads()
    {
        // Oracle: each thread's batch through the model alone, before any sharing; then all threads run their batches
        // through the same model 20 times at once (eval mode, NoGrad) and must get those bits every time, and the
        // parameters must be unchanged.
        var model = ReproTraining.Build("cnn", new Generator(5), new Generator(6)).Eval();
        var before = ReproTraining.StateHash(model);
        var inputs = Enumerable.Range(0, Threads).Select(i => Tensor.Rand<float>([8, 1, 28, 28], new Generator((ulong)(20 + i)))).ToArray();
        float[][] alone;
        using (Tensor.NoGrad()) alone = inputs.Select(x => model.Forward(x).ToArray()).ToArray();
        var mismatches = new int[Threads];
        RunTogether(i =>
        {
            using var _ = Tensor.NoGrad();
            for (int k = 0; k < 20; k++)
                if (!model.Forward(inputs[i]).ToArray().SequenceEqual(alone[i])) mismatches[i]++;
        });
        Assert.Equal(new int[Threads], mismatches);
        Assert.Equal(before, ReproTraining.StateHash(model));
    }

    /// <summary>Runs body(0), …, body(Threads − 1) on their own threads, started together; rethrows the first failure.</summary>
    private static void RunTogether(Action<int> body)
    {
        using var start = new Barrier(Threads);
        var errors = new Exception?[Threads];
        var threads = Enumerable.Range(0, Threads).Select(i => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(i);
            }
            catch (Exception e) { errors[i] = e; }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        foreach (var e in errors) if (e is not null) throw new AggregateException(e);
    }
}
