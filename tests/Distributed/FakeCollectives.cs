using Autograd.Distributed;

namespace Autograd.Tests.Distributed;

/// <summary>
/// Rank 0 of two, where the other rank's contribution to every sum is <c>otherFactor</c> times this rank's (so the sum
/// is (1 + otherFactor)·x). Broadcasts keep rank 0's data. Reports each started reduction's length to <c>onStart</c>.
/// </summary>
internal sealed unsafe class FakeCollectives(double otherFactor, Action<long>? onStart = null) : ICollectives
{
    public int Rank => 0;
    public int Size => 2;
    public string Name => "fake";
    public List<long> Started { get; } = [];
    public void Barrier() { }
    public void Broadcast(void* data, long bytes, int root) { }

    public void AllReduceSum(void* data, long count, ElementKind kind)
    {
        for (long i = 0; i < count; i++)
        {
            if (kind == ElementKind.Double) ((double*)data)[i] *= 1 + otherFactor;
            else ((float*)data)[i] *= (float)(1 + otherFactor);
        }
    }

    public IPendingReduction StartAllReduceSum(void* data, long count, ElementKind kind)
    {
        Started.Add(count);
        onStart?.Invoke(count);
        AllReduceSum(data, count, kind);
        return new Done();
    }

    public void Abort(int errorCode) => throw new InvalidOperationException($"abort {errorCode}");
    public void Close() { }

    private sealed class Done : IPendingReduction
    {
        public bool Test() => true;
        public void Wait() { }
    }
}
