using System.Numerics;
using System.Numerics.Tensors;

namespace Autograd.Distributed;

/// <summary>
/// A group of parameters whose gradients are all-reduced together from one pinned flat buffer: filled when the last of
/// them has its gradient, summed over ranks without blocking, then divided by the number of ranks and copied back.
/// </summary>
internal sealed unsafe class GradientBucket<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] _parameters;
    private readonly int[] _offsets;
    private readonly bool[] _ready;
    private readonly T[] _buffer; // on the pinned object heap: MPI writes into it while backward runs
    private readonly T* _address;
    private int _readyCount;
    private IPendingReduction? _pending;

    public GradientBucket(int index, IReadOnlyList<(string Name, Tensor<T> Parameter)> parameters)
    {
        Index = index;
        Names = parameters.Select(p => p.Name).ToArray();
        _parameters = parameters.Select(p => p.Parameter).ToArray();
        _offsets = new int[_parameters.Length + 1];
        for (int i = 0; i < _parameters.Length; i++) _offsets[i + 1] = checked(_offsets[i] + _parameters[i].NumElements);
        _ready = new bool[_parameters.Length];
        _buffer = GC.AllocateArray<T>(_offsets[^1], pinned: true);
        fixed (T* p = _buffer) _address = p;
    }

    public int Index { get; }
    public string[] Names { get; }
    public int Elements => _buffer.Length;
    public bool IsFull => _readyCount == _parameters.Length;
    public bool IsLaunched => _pending is not null;

    /// <summary>Marks parameter <paramref name="slot"/> as having its whole gradient for this step.</summary>
    public void MarkReady(int slot)
    {
        if (_ready[slot])
            throw new InvalidOperationException($"DistributedDataParallel: parameter '{Names[slot]}' received a second gradient before FinishGradientSync(); " +
                "call FinishGradientSync() after every backward, or accumulate over several backward passes inside NoSync()");
        _ready[slot] = true;
        _readyCount++;
    }

    /// <summary>Copies the gradients into the buffer (zeros for a parameter without one) and starts the sum over ranks.</summary>
    public void Launch(Communicator communicator)
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            var target = _buffer.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
            var grad = _parameters[i].Grad;
            if (grad is null) target.Clear();
            else if (grad.IsContiguous) grad.AsReadOnlySpan().CopyTo(target);
            else grad.ToArray().CopyTo(target);
        }
        _pending = communicator.StartAllReduceSum(_address, _buffer.Length);
    }

    /// <summary>Lets a launched reduction progress (Open MPI has no progress thread here); true once finished.</summary>
    public bool Progress() => _pending?.Test() ?? false;

    /// <summary>Waits for the sum, divides by the number of ranks and writes the mean into each parameter's gradient.</summary>
    public void Finish(int ranks)
    {
        _pending!.Wait();
        if (ranks > 1) TensorPrimitives.Multiply<T>(_buffer, T.One / T.CreateChecked(ranks), _buffer);
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            var mean = _buffer.AsSpan(_offsets[i], _offsets[i + 1] - _offsets[i]);
            if (p.Grad is { IsContiguous: true, IsLeaf: true } grad) mean.CopyTo(grad.AsSpan());
            else p.Grad = Tensor.FromArray(mean.ToArray(), p.Shape.ToArray());
        }
        _pending = null;
        Array.Clear(_ready);
        _readyCount = 0;
    }
}
