using System.Runtime.InteropServices;

namespace Autograd.Distributed;

/// <summary>
/// Open MPI through function pointers found at run time in libmpi.so.40 (or libmpi.so). Open MPI's handles are the
/// addresses of exported objects (<c>MPI_COMM_WORLD</c> is <c>&amp;ompi_mpi_comm_world</c>, <c>MPI_FLOAT</c> is
/// <c>&amp;ompi_mpi_float</c>, <c>MPI_SUM</c> is <c>&amp;ompi_mpi_op_sum</c>), so they are looked up with
/// <see cref="NativeLibrary.GetExport"/> like the functions. Initialised with MPI_THREAD_SERIALIZED: the caller may be
/// any thread (a thread-pool continuation, a test runner's worker), and a lock makes the calls one at a time.
/// MPI's default error handler (MPI_ERRORS_ARE_FATAL) aborts the whole job on a failed call, so return codes are
/// checked only as a second line of defence.
/// </summary>
internal sealed unsafe class OpenMpi : ICollectives
{
    private const int ThreadSerialized = 2; // MPI_THREAD_SERIALIZED in Open MPI's mpi.h
    private static readonly nint InPlace = 1; // MPI_IN_PLACE is (void*)1 in Open MPI's mpi.h
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];

    private readonly Lock _gate = new();
    private readonly nint _world, _float, _double, _byte, _sum;
    private readonly delegate* unmanaged<int*, int> _initialized, _finalized;
    private readonly delegate* unmanaged<int*, nint*, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int*, int> _commRank, _commSize;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int> _iallreduce;
    private readonly delegate* unmanaged<nint*, nint, int> _wait;
    private readonly delegate* unmanaged<nint*, int*, nint, int> _test;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private bool _closed;

    /// <summary>Loads Open MPI, or returns null with the reason when no library is found.</summary>
    public static OpenMpi? TryLoad(out string reason)
    {
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "ompi_mpi_comm_world", out _))
            {
                reason = $"{name} is not Open MPI (no ompi_mpi_comm_world symbol; MPICH and others are not supported)";
                return null;
            }
            reason = "";
            return new OpenMpi(handle);
        }
        reason = $"Open MPI not found (tried {string.Join(", ", LibraryNames)}); install it with: apt-get install openmpi-bin";
        return null;
    }

    private OpenMpi(nint library)
    {
        nint F(string name) => NativeLibrary.GetExport(library, name);
        _world = F("ompi_mpi_comm_world");
        _float = F("ompi_mpi_float");
        _double = F("ompi_mpi_double");
        _byte = F("ompi_mpi_byte");
        _sum = F("ompi_mpi_op_sum");
        _initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)F("MPI_Finalized");
        _initThread = (delegate* unmanaged<int*, nint*, int, int*, int>)F("MPI_Init_thread");
        _finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
        _commRank = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)F("MPI_Comm_size");
        _barrier = (delegate* unmanaged<nint, int>)F("MPI_Barrier");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)F("MPI_Bcast");
        _allreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, int>)F("MPI_Allreduce");
        _iallreduce = (delegate* unmanaged<nint, void*, int, nint, nint, nint, nint*, int>)F("MPI_Iallreduce");
        _wait = (delegate* unmanaged<nint*, nint, int>)F("MPI_Wait");
        _test = (delegate* unmanaged<nint*, int*, nint, int>)F("MPI_Test");
        _abort = (delegate* unmanaged<nint, int, int>)F("MPI_Abort");

        int flag, provided, rank, size;
        Check(_initialized(&flag), "MPI_Initialized");
        if (flag == 0)
        {
            Check(_initThread(null, null, ThreadSerialized, &provided), "MPI_Init_thread");
            if (provided < ThreadSerialized)
                throw new InvalidOperationException($"MPI_Init_thread: Open MPI provides thread level {provided}, need MPI_THREAD_SERIALIZED ({ThreadSerialized})");
        }
        Check(_commRank(_world, &rank), "MPI_Comm_rank");
        Check(_commSize(_world, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
    }

    public int Rank { get; }
    public int Size { get; }
    public string Name => "Open MPI";

    private nint TypeOf(ElementKind kind) => kind == ElementKind.Float ? _float : _double;
    private static int ElementSize(ElementKind kind) => kind == ElementKind.Float ? sizeof(float) : sizeof(double);

    private void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"{call} failed on rank {Rank} with MPI error {code}");
    }

    public void Barrier()
    {
        lock (_gate) Check(_barrier(_world), "MPI_Barrier");
    }

    public void Broadcast(void* data, long bytes, int root)
    {
        lock (_gate)
            foreach (var (offset, count) in Chunks(bytes))
                Check(_bcast((byte*)data + offset, count, _byte, root, _world), "MPI_Bcast");
    }

    public void AllReduceSum(void* data, long count, ElementKind kind)
    {
        int size = ElementSize(kind);
        lock (_gate)
            foreach (var (offset, n) in Chunks(count))
                Check(_allreduce(InPlace, (byte*)data + offset * size, n, TypeOf(kind), _sum, _world), "MPI_Allreduce");
    }

    public IPendingReduction StartAllReduceSum(void* data, long count, ElementKind kind)
    {
        int size = ElementSize(kind);
        var requests = new List<nint>();
        lock (_gate)
        {
            foreach (var (offset, n) in Chunks(count))
            {
                nint request;
                Check(_iallreduce(InPlace, (byte*)data + offset * size, n, TypeOf(kind), _sum, _world, &request), "MPI_Iallreduce");
                requests.Add(request);
            }
        }
        return new Pending(this, [.. requests]);
    }

    /// <summary>MPI counts are ints: a longer buffer goes as several calls of at most 2³¹−1 elements.</summary>
    internal static IEnumerable<(long Offset, int Count)> Chunks(long count)
    {
        for (long offset = 0; offset < count; offset += int.MaxValue)
            yield return (offset, (int)Math.Min(int.MaxValue, count - offset));
    }

    private sealed class Pending(OpenMpi mpi, nint[] requests) : IPendingReduction
    {
        private int _next;

        public bool Test()
        {
            lock (mpi._gate)
            {
                while (_next < requests.Length)
                {
                    int flag;
                    fixed (nint* r = &requests[_next]) mpi.Check(mpi._test(r, &flag, 0), "MPI_Test");
                    if (flag == 0) return false;
                    _next++;
                }
                return true;
            }
        }

        public void Wait()
        {
            lock (mpi._gate)
            {
                for (; _next < requests.Length; _next++)
                    fixed (nint* r = &requests[_next]) mpi.Check(mpi._wait(r, 0), "MPI_Wait"); // 0 is MPI_STATUS_IGNORE
            }
        }
    }

    public void Abort(int errorCode)
    {
        // No lock: another thread may hold it inside a collective that will never finish.
        _abort(_world, errorCode);
    }

    public void Close()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
            int flag;
            Check(_finalized(&flag), "MPI_Finalized");
            if (flag == 0) Check(_finalize(), "MPI_Finalize");
        }
    }
}
