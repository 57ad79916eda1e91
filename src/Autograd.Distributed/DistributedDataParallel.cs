using System.Diagnostics;
using System.Numerics;
using System.Text;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;

namespace Autograd.Distributed;

/// <summary>
/// Data-parallel training of a <see cref="Module{T}"/> (PyTorch's <c>DistributedDataParallel</c>): every rank holds
/// the same model, runs forward and backward on its own share of each global batch, and before the optimizer step
/// every gradient is replaced by its mean over ranks, g ← (1/N) Σ_r g^(r). With each rank's loss a mean over its B/N
/// samples, that mean is the gradient of the mean loss over the whole global batch of B samples, so N ranks take the
/// same steps as one process on the global batches (up to the order of floating-point sums).
/// <para>At construction the ranks check that they hold the same parameter and buffer names and shapes (a mismatch
/// throws on every rank, naming the ranks that differ), then rank 0's parameters and buffers are broadcast.
/// Gradients are averaged in buckets of about <c>bucketCapMegabytes</c>, formed in reverse registration order (the
/// order backward produces them): a post-accumulate-gradient hook on each parameter marks it ready, and a full bucket
/// starts a non-blocking all-reduce (MPI_Iallreduce) while backward goes on with the layers below. Buckets start in
/// bucket order on every rank, as MPI requires. <see cref="FinishGradientSync"/> waits for them and must be called
/// after backward and before <c>optimizer.Step()</c>.</para>
/// <para>BatchNorm running statistics stay local to each rank (they are broadcast from rank 0 once, at
/// construction, then each rank updates them from its own samples; PyTorch's default broadcasts them every forward,
/// SyncBatchNorm reduces the batch statistics, neither is done here). Save from rank 0 with
/// <see cref="SaveCheckpoint"/>.</para>
/// </summary>
public sealed class DistributedDataParallel<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly GradientBucket<T>[] _buckets;
    private readonly List<RemovableHandle> _hooks = [];
    private readonly Stopwatch _communication = new();
    private int _nextLaunch;
    private int _noSyncDepth;

    /// <summary>
    /// Wraps <paramref name="module"/>: checks that all ranks have the same parameters, broadcasts rank 0's, and hooks
    /// the parameters that require grad so their gradients are averaged during backward. Every rank must call it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The ranks' parameter or buffer names or shapes differ.</exception>
    public DistributedDataParallel(Module<T> module, Communicator communicator, double bucketCapMegabytes = 1.0)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(communicator);
        if (!(bucketCapMegabytes > 0))
            throw new ArgumentOutOfRangeException(nameof(bucketCapMegabytes), $"DistributedDataParallel: bucket cap must be positive, got {bucketCapMegabytes} MB");
        Module = module;
        Communicator = communicator;
        CheckSameParameters();
        foreach (var (_, tensor) in module.NamedParameters().Concat(module.NamedBuffers()))
            communicator.Broadcast(tensor.AsSpan());
        _buckets = FormBuckets(module, bucketCapMegabytes);
        foreach (var bucket in _buckets)
            for (int slot = 0; slot < bucket.Names.Length; slot++)
            {
                var (b, s) = (bucket, slot);
                _hooks.Add(ParameterOf(module, bucket.Names[slot]).RegisterPostAccumulateGradHook(_ => OnGradientReady(b, s)));
            }
    }

    /// <summary>The wrapped model (its parameters are the ones to give the optimizer; its names are the checkpoint's).</summary>
    public Module<T> Module { get; }

    /// <summary>The ranks training together.</summary>
    public Communicator Communicator { get; }

    /// <summary>The parameter names of each bucket, in the order the buckets are all-reduced.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Buckets => _buckets.Select(b => (IReadOnlyList<string>)b.Names).ToArray();

    /// <summary>Time spent in gradient communication that backward did not hide: starting and testing reductions
    /// inside backward, and <see cref="FinishGradientSync"/> (waiting, averaging, copying back).</summary>
    public TimeSpan CommunicationTime => _communication.Elapsed;

    /// <summary>Runs the wrapped model (the same as <c>Module.Forward</c>).</summary>
    public Tensor<T> Forward(Tensor<T> input) => Module.Forward(input);

    /// <summary>
    /// Completes the gradient average of this step: starts the buckets backward did not fill (a parameter that got no
    /// gradient on this rank contributes zeros), waits for all of them and writes g ← (1/N) Σ_r g^(r) into every
    /// parameter's <c>Grad</c>. Every rank must call it once per step, after backward and before the optimizer step.
    /// </summary>
    public void FinishGradientSync()
    {
        _communication.Start();
        try
        {
            for (; _nextLaunch < _buckets.Length; _nextLaunch++) _buckets[_nextLaunch].Launch(Communicator);
            foreach (var bucket in _buckets) bucket.Finish(Communicator.Size);
            _nextLaunch = 0;
        }
        finally
        {
            _communication.Stop();
        }
    }

    /// <summary>
    /// Within the returned scope, backward only accumulates gradients locally (PyTorch's <c>no_sync</c>): for gradient
    /// accumulation over several micro-batches, run all but the last backward inside it; the last backward outside it
    /// then averages the accumulated sums.
    /// </summary>
    public IDisposable NoSync()
    {
        _noSyncDepth++;
        return new Scope(() => _noSyncDepth--);
    }

    /// <summary>Writes <see cref="Module"/> (and the optimizer's state) with <see cref="Checkpoint.Save{T}"/> on rank 0
    /// only, then waits for rank 0 to finish, so every rank may read the file afterwards.</summary>
    public void SaveCheckpoint(string path, Optimizer<T>? optimizer = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (Communicator.IsMain) Checkpoint.Save(path, Module, optimizer, metadata);
        Communicator.Barrier();
    }

    /// <summary>Removes the gradient hooks; the module trains alone again.</summary>
    public void Dispose()
    {
        foreach (var hook in _hooks) hook.Dispose();
        _hooks.Clear();
    }

    private void OnGradientReady(GradientBucket<T> bucket, int slot)
    {
        if (_noSyncDepth > 0) return;
        _communication.Start();
        try
        {
            bucket.MarkReady(slot);
            for (int i = 0; i < _nextLaunch; i++) _buckets[i].Progress();
            while (_nextLaunch < _buckets.Length && _buckets[_nextLaunch].IsFull)
                _buckets[_nextLaunch++].Launch(Communicator);
        }
        finally
        {
            _communication.Stop();
        }
    }

    /// <summary>Trainable parameters in reverse registration order, cut into buckets of at most the cap (a parameter
    /// larger than the cap has a bucket of its own).</summary>
    private static GradientBucket<T>[] FormBuckets(Module<T> module, double capMegabytes)
    {
        long capElements = Math.Max(1, (long)(capMegabytes * 1024 * 1024 / System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
        var buckets = new List<GradientBucket<T>>();
        var current = new List<(string, Tensor<T>)>();
        long size = 0;
        foreach (var (name, p) in module.NamedParameters().Where(p => p.Parameter.RequiresGrad).Reverse())
        {
            if (current.Count > 0 && size + p.NumElements > capElements)
            {
                buckets.Add(new GradientBucket<T>(buckets.Count, current));
                current = [];
                size = 0;
            }
            current.Add((name, p));
            size += p.NumElements;
        }
        if (current.Count > 0) buckets.Add(new GradientBucket<T>(buckets.Count, current));
        return [.. buckets];
    }

    private static Tensor<T> ParameterOf(Module<T> module, string name) =>
        module.NamedParameters().First(p => p.Name == name).Parameter;

    /// <summary>Rank 0 broadcasts its list of names and shapes; each rank compares, and a sum over ranks of
    /// "I differ" flags tells every rank which ranks differ, so all of them throw the same error.</summary>
    private void CheckSameParameters()
    {
        string mine = Signature(Module);
        var bytes = Encoding.UTF8.GetBytes(mine);
        Span<long> length = [bytes.LongLength];
        Communicator.Broadcast(length);
        var reference = new byte[length[0]];
        if (Communicator.IsMain) bytes.CopyTo(reference, 0);
        Communicator.Broadcast(reference.AsSpan());
        string theirs = Encoding.UTF8.GetString(reference);
        var flags = new double[Communicator.Size];
        flags[Communicator.Rank] = mine == theirs ? 0 : 1;
        Communicator.AllReduceSum(flags.AsSpan());
        var differing = Enumerable.Range(0, flags.Length).Where(r => flags[r] != 0).ToArray();
        if (differing.Length == 0) return;
        string detail = mine == theirs ? "" : $"; on rank {Communicator.Rank}: {FirstDifference(mine, theirs)}";
        throw new InvalidOperationException($"DistributedDataParallel: rank{(differing.Length > 1 ? "s" : "")} {string.Join(", ", differing)} " +
            $"{(differing.Length > 1 ? "have" : "has")} parameters or buffers different from rank 0's{detail}");
    }

    internal static string Signature(Module<T> module)
    {
        var text = new StringBuilder();
        foreach (var (name, p) in module.NamedParameters()) text.Append($"parameter {name} [{string.Join(", ", p.Shape)}]\n");
        foreach (var (name, b) in module.NamedBuffers()) text.Append($"buffer {name} [{string.Join(", ", b.Shape)}]\n");
        return text.ToString();
    }

    internal static string FirstDifference(string mine, string rank0)
    {
        var a = mine.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var b = rank0.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (a[i] != b[i]) return $"entry {i} is '{a[i]}' here but '{b[i]}' on rank 0";
        return a.Length > b.Length
            ? $"{a.Length} entries here, {b.Length} on rank 0 (first extra: '{a[b.Length]}')"
            : $"{a.Length} entries here, {b.Length} on rank 0 (first missing: '{b[a.Length]}')";
    }

    private sealed class Scope(Action end) : IDisposable
    {
        private Action? _end = end;
        public void Dispose()
        {
            _end?.Invoke();
            _end = null;
        }
    }
}
