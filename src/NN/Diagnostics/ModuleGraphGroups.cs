using System.Numerics;

namespace Autograd.NN;

/// <summary>
/// Names the graph's ops after the modules that recorded them, so that a large graph picture collapses by module:
/// <code>
/// using var groups = new ModuleGraphGroups&lt;float&gt;(model);   // hooks on the model's modules
/// var loss = Losses.CrossEntropy(model.Forward(x), labels);
/// File.WriteAllText("graph.html", loss.ToHtml(groupOf: groups.Of)); // one box per module above 200 nodes
/// </code>
/// Each module down to <c>depth</c> levels below the model ("0", "encoder", "encoder.layers.1" at depth 3) gets a
/// forward pre-hook that opens a <see cref="GraphGroups"/> block named by its path and a forward hook that closes it;
/// an op belongs to the innermost module around it. Ops of a module called through a typed overload that runs no hooks
/// (e.g. <c>LSTM.Forward(x, (h0, c0))</c>) belong to the nearest enclosing module called through
/// <see cref="Module{T}.Forward"/>. Dispose to remove the hooks; the names recorded so far stay readable.
/// </summary>
/// <typeparam name="T">Element type of the model.</typeparam>
public sealed class ModuleGraphGroups<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<IDisposable> _hooks = [];

    /// <summary>Hooks the modules of <paramref name="model"/> whose path has at most <paramref name="depth"/> parts
    /// (default 1: the model's direct children).</summary>
    public ModuleGraphGroups(Module<T> model, int depth = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), $"ModuleGraphGroups: depth must be at least 1, got {depth}");
        foreach (var (name, module) in model.NamedModules())
        {
            if (name.Length == 0 || name.Count(c => c == '.') >= depth) continue;
            var open = new Stack<IDisposable>(); // a module called inside itself (recursion) opens nested blocks
            _hooks.Add(module.RegisterForwardPreHook((_, _) =>
            {
                open.Push(Groups.Begin(name));
                return null;
            }));
            _hooks.Add(module.RegisterForwardHook((_, _, _) =>
            {
                if (open.Count > 0) open.Pop().Dispose();
                return null;
            }));
        }
    }

    /// <summary>The groups recorded so far.</summary>
    public GraphGroups Groups { get; } = new();

    /// <summary>The path of the innermost hooked module whose forward recorded <paramref name="node"/>'s op, or null
    /// (a leaf such as a parameter or the input, or an op outside every hooked module, such as the loss). Pass it as
    /// <c>groupOf</c> to <c>ToSvg</c> or <c>ToHtml</c>.</summary>
    public string? Of(SnapshotNode node) => Groups.Of(node);

    /// <summary>Removes the hooks.</summary>
    public void Dispose()
    {
        foreach (var hook in _hooks) hook.Dispose();
        _hooks.Clear();
    }
}
