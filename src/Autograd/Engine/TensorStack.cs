using System.Numerics;

namespace Autograd.Engine;

/// <summary>
/// The engine's stack of tensors (the traversal and the ready list of a backward pass). A plain array typed
/// <c>Tensor&lt;T&gt;[]</c> in code compiled for each element type: a push stores into it without the covariant-store
/// check that <see cref="Stack{T}"/>'s shared code for reference types pays on every push (one runtime call per node).
/// </summary>
internal sealed class TensorStack<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private Tensor<T>[] _items = new Tensor<T>[16];
    private int _count;

    public int Count => _count;

    public void Push(Tensor<T> tensor)
    {
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[_count++] = tensor;
    }

    public Tensor<T> Peek() => _items[_count - 1];

    public Tensor<T> Pop()
    {
        var tensor = _items[--_count];
        _items[_count] = null!;
        return tensor;
    }
}
