using Autograd.Engine;

namespace Autograd.Tests.Engine;

/// <summary>
/// When a node runs during backward: once every consumer the root reaches has run, whatever else consumed it. Graphs
/// whose recorded consumers are not the pass's: consumers the root does not reach, consumers recorded on other threads,
/// leaves given hooks before and after use, a failure with a gradient pending, a node an earlier backward freed. A plain
/// backward from one root starts from the uses recorded with the graph and counts only when a node is left waiting, so
/// each of these also checks that start; the recorded uses themselves must be exact when threads record at once.
/// </summary>
public class ConsumerCountTests
{
    private static Tensor<double> S(double v) => Tensor.Scalar(v, requiresGrad: true);

    [Fact]
    public void A_consumer_the_root_does_not_reach_does_not_hold_up_the_node_it_consumes()
    {
        // u = 2x is also logged (u.Exp(), never backpropagated); y = (u + 1)², so dy/dx = 2(u + 1)·2 = 4(2x + 1) = 28 at
        // x = 3. u's node has two recorded consumers (Exp and v = u + 1), of which the pass reaches one, so it runs after
        // v's alone.
        var x = S(3.0);
        var u = x * 2.0;
        var logged = u.Exp();
        var v = u + 1.0;
        var y = v * v;
        y.Backward();
        Assert.Equal(28.0, x.Grad!.Item(), 12);
        Assert.NotNull(logged.GradFn);
    }

    [Fact]
    public void Nodes_deep_in_the_graph_with_unreached_consumers_run_with_their_whole_gradient()
    {
        // a = x², b = a·x = x³, each also consumed by a logged value; y = a + b + a·b = x² + x³ + x⁵.
        // dy/dx = 2x + 3x² + 5x⁴ = 4 + 12 + 80 = 96 at x = 2.
        var x = S(2.0);
        var a = x * x;
        var b = a * x;
        var logA = a.Sin();
        var logB = b.Cos();
        var y = a + b + a * b;
        y.Backward();
        Assert.Equal(96.0, x.Grad!.Item(), 10);
        Assert.NotNull(logA.GradFn);
        Assert.NotNull(logB.GradFn);
    }

    [Fact]
    public void A_second_loss_over_a_shared_trunk_gets_the_same_gradient_as_a_fresh_graph()
    {
        // Two losses share h = tanh(W·x); each backward (retaining the graph) reaches only its own head, so h's node
        // also has the other head as a consumer. Oracle: the same losses on freshly built graphs, one head each.
        var g = new Generator(5);
        var w = Tensor.Randn<double>([3, 4], g, requiresGrad: true);
        var x = Tensor.Randn<double>([4, 2], g);
        var h = w.MatMul(x).Tanh();
        var loss1 = (h * h).Sum();
        var loss2 = h.Exp().Mean();
        loss1.Backward(retainGraph: true);
        var shared1 = w.Grad!.ToArray();
        w.Grad = null;
        loss2.Backward();
        var shared2 = w.Grad!.ToArray();

        w.Grad = null;
        var h1 = w.MatMul(x).Tanh();
        (h1 * h1).Sum().Backward();
        var fresh1 = w.Grad!.ToArray();
        w.Grad = null;
        w.MatMul(x).Tanh().Exp().Mean().Backward();
        var fresh2 = w.Grad!.ToArray();
        Assert.Equal(fresh1, shared1);
        Assert.Equal(fresh2, shared2);
    }

    [Fact]
    public void Consumers_recorded_on_many_threads_at_once_are_all_counted()
    {
        // h = 2x is consumed by 8 threads × 2000 products h·c_k at once, then summed on this thread: y = Σ_k 2x·c_k with
        // c_k = 1 + k mod 7, so dy/dx = 2 Σ_k c_k.
        var x = S(1.5);
        var h = x * 2.0;
        const int threads = 8, each = 2000;
        var parts = new Tensor<double>[threads * each];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            for (int i = 0; i < each; i++)
            {
                int k = t * each + i;
                parts[k] = h * (1.0 + k % 7);
            }
        });
        double expected = 0;
        for (int k = 0; k < parts.Length; k++) expected += 2.0 * (1.0 + k % 7);
        Tensor.Stack(parts).Sum().Backward();
        Assert.Equal(expected, x.Grad!.Item(), 9);
    }

    [Fact]
    public void Uses_recorded_by_threads_at_once_are_all_counted()
    {
        // A plain backward starts from the uses recorded with the graph (Node.Uses), so a lost count would run a node
        // before all its consumers: the count must be exact. Two threads (and more) make bare nodes consuming h as fast
        // as they can, so their increments collide often: h's node must count every one of the edges made.
        var h = S(1.0) * 2.0;
        var info = new OpInfo("Probe", Saved.None, "∂p/∂h = 1");
        const int threads = 4, each = 100_000;
        using var start = new Barrier(threads);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            start.SignalAndWait();
            for (int i = 0; i < each; i++) _ = new Node<double>(info, h, h, static (g, _, _) => [g, g], h);
        });
        // Each node holds h in two slots: two edges. Plus none from anything else (h was just made).
        Assert.Equal(2 * threads * each, h.GradFn!.Uses);
    }

    [Fact]
    public void Random_graphs_with_shared_and_unreached_tensors_get_the_gradients_of_a_counted_pass()
    {
        // Oracle: Tensor.Grad with the leaves as inputs, which counts every consumer before it runs a node; a plain
        // Backward starts from the recorded uses instead. Over 300 random graphs of vector ops whose tensors feed several
        // later ops, a random part of them unreached by the loss, with hooks on some leaves and intermediates, the two
        // must give the same gradients (to rounding: the order of sums may differ).
        var rng = new Random(11);
        for (int graph = 0; graph < 300; graph++)
        {
            var leaves = Enumerable.Range(0, 3)
                .Select(_ => Tensor.FromArray([.. Enumerable.Range(0, 3).Select(_ => rng.NextDouble() * 2 - 1)], [3], requiresGrad: true))
                .ToArray();
            var pool = new List<Tensor<double>>(leaves);
            for (int n = 0; n < 25; n++)
            {
                var (a, b) = (pool[rng.Next(pool.Count)], pool[rng.Next(pool.Count)]);
                pool.Add(rng.Next(7) switch
                {
                    0 => a + b,
                    1 => a * b * 0.5,
                    2 => a.Tanh(),
                    3 => a.Sigmoid(),
                    4 => a * 1.5 - 0.25,
                    5 => -a,
                    _ => (a - b).Tanh() * 0.7,
                });
            }
            if (rng.Next(3) == 0) leaves[rng.Next(3)].RegisterHook(g => g * 1.0);
            if (rng.Next(3) == 0) pool[3 + rng.Next(25)].RegisterHook(g => g * 1.0);
            var reached = pool.Skip(3).Where(_ => rng.Next(2) == 0).DefaultIfEmpty(pool[^1]).ToList();
            var loss = reached.Aggregate((s, t) => s + t).Sum();
            var expected = Tensor.Grad([loss], leaves, null, retainGraph: true, allowUnused: true);
            loss.Backward();
            for (int i = 0; i < 3; i++)
            {
                double[] e = expected[i].ToArray(), a = leaves[i].Grad?.ToArray() ?? new double[3];
                for (int k = 0; k < 3; k++)
                    Assert.True(Math.Abs(e[k] - a[k]) <= 1e-12 * (1 + Math.Abs(e[k])), $"graph {graph}, leaf {i}[{k}]: {a[k]}, counted pass {e[k]}");
            }
        }
    }

    [Fact]
    public void A_graph_recorded_across_threads_backpropagates_exactly()
    {
        // u = x³ on this thread; v = sin(u) on another; y = v·u back here. dy/dx = (cos(u)·u + sin(u))·3x².
        var x = S(0.7);
        var u = x.Pow(3.0);
        var v = OnAnotherThread(() => u.Sin());
        var y = v * u;
        y.Backward();
        double uu = Math.Pow(0.7, 3);
        Assert.Equal((Math.Cos(uu) * uu + Math.Sin(uu)) * 3 * 0.49, x.Grad!.Item(), 12);
    }

    [Fact]
    public void Hooks_added_to_a_leaf_after_it_was_used_see_its_whole_gradient_once()
    {
        // y = x·x + 3x: the leaf's gradient is 2x + 3 = 7 at x = 2, summed over its three uses before its hooks run.
        var x = S(2.0);
        var y = x * x + x * 3.0;
        var seen = new List<double>();
        int accumulated = 0;
        x.RegisterHook(g => { seen.Add(g.Item()); return g * 10.0; });
        x.RegisterPostAccumulateGradHook(t => accumulated++);
        y.Backward();
        Assert.Equal([7.0], seen);
        Assert.Equal(1, accumulated);
        Assert.Equal(70.0, x.Grad!.Item(), 12);
    }

    [Fact]
    public void A_leaf_hooked_before_use_is_finished_as_soon_as_its_last_consumer_has_run()
    {
        // y = x·probe(exp(w)): the root's node is x's only consumer, so x's gradient is complete after the first node and
        // its post-accumulate hook runs then (what data-parallel training overlaps communication with), before the
        // probe's backward.
        var x = S(2.0);
        var w = S(0.5);
        var order = new List<string>();
        x.RegisterPostAccumulateGradHook(_ => order.Add("x accumulated"));
        var y = x * new Probe(order).Apply(w.Exp());
        y.Backward();
        Assert.Equal(["x accumulated", "probe backward"], order);
        // dy/dx = e^w, dy/dw = x·e^w.
        Assert.Equal(Math.Exp(0.5), x.Grad!.Item(), 12);
        Assert.Equal(2.0 * Math.Exp(0.5), w.Grad!.Item(), 12);
    }

    [Fact]
    public void A_failure_drops_the_gradient_pending_on_a_node_that_also_has_an_unreached_consumer()
    {
        // u = 2x (also logged) holds y's gradient, pending, when fail(x) throws; it is dropped, so a later backward through
        // u alone gives d/dx (u·u) = 8x = 24 at x = 3, not that plus a stale gradient.
        var x = S(3.0);
        var u = x * 2.0;
        var logged = u.Exp();
        var y = u + new FailingBackward().Apply(x);
        Assert.Throws<InvalidOperationException>(() => y.Backward(retainGraph: true));
        Assert.Null(u.PendingGrad);
        x.Grad = null;
        (u * u).Backward();
        Assert.Equal(24.0, x.Grad!.Item(), 12);
        Assert.NotNull(logged.GradFn);
    }

    [Fact]
    public void A_backward_that_reaches_a_node_an_earlier_backward_freed_throws()
    {
        // y feeds a and b; a.Backward() frees y's node, so b.Backward() (whose own node is live) must refuse.
        var x = S(1.0);
        var y = x.Exp();
        var a = y * 2.0;
        var b = y * 3.0;
        a.Backward();
        var error = Assert.Throws<InvalidOperationException>(() => b.Backward());
        Assert.Contains("retainGraph", error.Message);
        Assert.Contains("Exp", error.Message);
    }

    private static Tensor<double> OnAnotherThread(Func<Tensor<double>> record)
    {
        Tensor<double>? result = null;
        var thread = new Thread(() => result = record());
        thread.Start();
        thread.Join();
        return result!;
    }

    /// <summary>The identity, logging when its backward runs.</summary>
    private sealed class Probe(List<string> order) : Function<double>
    {
        protected override Tensor<double> Forward(FunctionContext<double> ctx, Tensor<double>[] inputs) => inputs[0].Clone();

        protected override Tensor<double>?[] Backward(FunctionContext<double> ctx, Tensor<double> gradOutput)
        {
            order.Add("probe backward");
            return [gradOutput];
        }
    }
}
