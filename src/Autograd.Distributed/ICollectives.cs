namespace Autograd.Distributed;

/// <summary>Element types the collectives reduce (MPI_FLOAT, MPI_DOUBLE).</summary>
internal enum ElementKind
{
    Float,
    Double,
}

/// <summary>A reduction in flight; <see cref="Wait"/> blocks until every rank contributed.</summary>
internal interface IPendingReduction
{
    /// <summary>Lets the reduction progress without blocking (MPI_Test); true once it finished.</summary>
    bool Test();

    /// <summary>Blocks until the reduction finished (MPI_Wait).</summary>
    void Wait();
}

/// <summary>
/// What <see cref="Communicator"/> needs from a transport: the Open MPI binding, or the single process (every collective
/// the identity). Buffers are raw pointers because MPI reads and writes them outside the runtime's view; callers pin.
/// </summary>
internal unsafe interface ICollectives
{
    int Rank { get; }
    int Size { get; }
    string Name { get; }
    void Barrier();
    void Broadcast(void* data, long bytes, int root);
    void AllReduceSum(void* data, long count, ElementKind kind);
    IPendingReduction StartAllReduceSum(void* data, long count, ElementKind kind);
    void Abort(int errorCode);
    void Close();
}

/// <summary>One process alone: rank 0 of 1, every collective leaves the data as it is.</summary>
internal sealed unsafe class SingleProcess : ICollectives
{
    private sealed class Done : IPendingReduction
    {
        public static readonly Done Instance = new();
        public bool Test() => true;
        public void Wait() { }
    }

    public int Rank => 0;
    public int Size => 1;
    public string Name => "single process";
    public void Barrier() { }
    public void Broadcast(void* data, long bytes, int root) { }
    public void AllReduceSum(void* data, long count, ElementKind kind) { }
    public IPendingReduction StartAllReduceSum(void* data, long count, ElementKind kind) => Done.Instance;
    public void Abort(int errorCode) => Environment.Exit(errorCode);
    public void Close() { }
}
