namespace Autograd.Distributed;

/// <summary>
/// The group of processes training together (MPI's <c>MPI_COMM_WORLD</c>): this process's <see cref="Rank"/> among
/// <see cref="Size"/>, and the collectives data-parallel training needs. Under <c>mpirun</c> it is Open MPI's world,
/// loaded at run time from libmpi.so.40; started without a launcher it is rank 0 of 1 and every collective is the
/// identity, so the same program runs alone. Create one per process with <see cref="Initialize"/> and dispose it at
/// the end (MPI_Finalize). Every collective must be called by every rank, in the same order.
/// </summary>
public sealed unsafe class Communicator : IDisposable
{
    // MPI can be initialised once per process, which is the process's state, not this library's choice.
    private static int s_created;
    private readonly ICollectives _backend;
    private readonly UnhandledExceptionEventHandler? _abortOnCrash;

    internal Communicator(ICollectives backend, bool abortOnUnhandledException = false)
    {
        _backend = backend;
        if (abortOnUnhandledException && backend.Size > 1)
        {
            _abortOnCrash = (_, e) => AbortAfterCrash(e.ExceptionObject);
            AppDomain.CurrentDomain.UnhandledException += _abortOnCrash;
        }
    }

    /// <summary>
    /// Joins the job: Open MPI's world when this process was started by <c>mpirun</c> (Open MPI's
    /// <c>OMPI_COMM_WORLD_SIZE</c>, see <see cref="LaunchedByMpirun"/>), otherwise a single process.
    /// Under mpirun an unhandled exception on any rank prints "rank R: …" to standard error and calls MPI_Abort, so the
    /// whole job ends with a non-zero exit code instead of the other ranks waiting forever in a collective.
    /// </summary>
    /// <exception cref="InvalidOperationException">Started by mpirun but Open MPI cannot be loaded, or called twice under mpirun.</exception>
    public static Communicator Initialize()
    {
        if (!LaunchedByMpirun()) return new Communicator(new SingleProcess());
        if (Interlocked.Exchange(ref s_created, 1) != 0)
            throw new InvalidOperationException("Communicator.Initialize: already called in this process (MPI can be initialised once); pass the communicator along");
        var mpi = OpenMpi.TryLoad(out string reason)
            ?? throw new InvalidOperationException($"Communicator.Initialize: started by mpirun, but {reason}");
        return new Communicator(mpi, abortOnUnhandledException: true);
    }

    /// <summary>Rank 0 of 1 with identity collectives, without looking for MPI (for tests and single-process runs).</summary>
    public static Communicator SingleProcess() => new(new SingleProcess());

    /// <summary>True when an MPI launcher started this process: Open MPI's mpirun (<c>OMPI_COMM_WORLD_SIZE</c>), a
    /// PMIx launcher (<c>PMIX_RANK</c>) or a PMI one such as MPICH's Hydra (<c>PMI_RANK</c>; MPICH itself is not
    /// supported, so <see cref="Initialize"/> then fails by name instead of running N unrelated single processes).</summary>
    public static bool LaunchedByMpirun() =>
        new[] { "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK" }.Any(v => Environment.GetEnvironmentVariable(v) is not null);

    /// <summary>This process's index in the job, 0 ≤ Rank &lt; Size (MPI_Comm_rank).</summary>
    public int Rank => _backend.Rank;

    /// <summary>Number of processes in the job (MPI_Comm_size).</summary>
    public int Size => _backend.Size;

    /// <summary>True on rank 0, the rank that logs and writes checkpoints.</summary>
    public bool IsMain => _backend.Rank == 0;

    /// <summary>"Open MPI" or "single process".</summary>
    public string Transport => _backend.Name;

    /// <summary>Waits until every rank has called it (MPI_Barrier).</summary>
    public void Barrier() => _backend.Barrier();

    /// <summary>Overwrites <paramref name="data"/> on every rank with its contents on <paramref name="root"/> (MPI_Bcast,
    /// sent as bytes, so any unmanaged element type works). Lengths must agree on all ranks.</summary>
    public void Broadcast<TElement>(Span<TElement> data, int root = 0) where TElement : unmanaged
    {
        CheckRoot(root);
        fixed (TElement* p = data) _backend.Broadcast(p, (long)data.Length * sizeof(TElement), root);
    }

    /// <summary>In place, every rank's <paramref name="data"/> becomes the elementwise sum over ranks: x_i ← Σ_r x_i^(r)
    /// (MPI_Allreduce with MPI_IN_PLACE and MPI_SUM; buffers longer than 2³¹−1 elements go in several calls).</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="TElement"/> is neither float nor double.</exception>
    public void AllReduceSum<TElement>(Span<TElement> data) where TElement : unmanaged
    {
        var kind = KindOf<TElement>();
        fixed (TElement* p = data) _backend.AllReduceSum(p, data.Length, kind);
    }

    /// <summary>Σ_r value^(r): the sum of a scalar over all ranks (e.g. correct predictions).</summary>
    public double Sum(double value)
    {
        Span<double> one = [value];
        AllReduceSum(one);
        return one[0];
    }

    /// <summary>(1/Size) Σ_r value^(r): the mean of a scalar over all ranks (e.g. a loss for logging).</summary>
    public double Mean(double value) => Sum(value) / Size;

    /// <summary>Σ_r w^(r) v^(r) / Σ_r w^(r): a mean weighted by each rank's count (a loss averaged over all samples when
    /// ranks saw different numbers of them). Zero when the weights sum to zero.</summary>
    public double WeightedMean(double value, double weight)
    {
        Span<double> pair = [value * weight, weight];
        AllReduceSum(pair);
        return pair[1] == 0 ? 0 : pair[0] / pair[1];
    }

    /// <summary>Starts an in-place sum over ranks of a pinned buffer without waiting (MPI_Iallreduce).</summary>
    internal IPendingReduction StartAllReduceSum<TElement>(TElement* data, long count) where TElement : unmanaged =>
        _backend.StartAllReduceSum(data, count, KindOf<TElement>());

    /// <summary>Ends the whole job at once with <paramref name="errorCode"/> (MPI_Abort); a single process exits.</summary>
    public void Abort(int errorCode = 1) => _backend.Abort(errorCode);

    /// <summary>Leaves the job (MPI_Finalize). Every rank must call it; a rank that exits without it makes mpirun
    /// end the job with an error.</summary>
    public void Dispose()
    {
        if (_abortOnCrash is not null) AppDomain.CurrentDomain.UnhandledException -= _abortOnCrash;
        _backend.Close();
    }

    private void AbortAfterCrash(object exception)
    {
        try
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"rank {Rank} of {Size}: unhandled exception, aborting the MPI job: {exception}");
            Console.Error.Flush();
        }
        finally
        {
            _backend.Abort(1);
        }
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size)
            throw new ArgumentOutOfRangeException(nameof(root), $"Communicator.Broadcast: root {root} is not a rank of this job (size {Size})");
    }

    internal static ElementKind KindOf<TElement>() where TElement : unmanaged =>
        typeof(TElement) == typeof(float) ? ElementKind.Float
        : typeof(TElement) == typeof(double) ? ElementKind.Double
        : throw new NotSupportedException($"Communicator: all-reduce supports float and double, not {typeof(TElement).Name}");
}
