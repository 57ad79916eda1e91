// A tiny program built only from the NuGet packages: trains an MLP on XOR with DistributedDataParallel (one rank
// when started alone), saves and reloads a checkpoint, checks a gradient by finite differences, and exits non-zero
// if anything is off. .ci/pack-check runs it.
using Autograd;
using Autograd.Checking;
using Autograd.Distributed;
using Autograd.NN;
using Autograd.NN.Optimizers;
using Autograd.NN.Serialization;

using var communicator = Communicator.Initialize();
var x = Tensor.FromArray(new[] { 0f, 0, 0, 1, 1, 0, 1, 1 }, [4, 2]);
int[] y = [0, 1, 1, 0];
var model = new Sequential<float>(new Linear<float>(2, 8, new Generator(1)), new Tanh<float>(), new Linear<float>(8, 2, new Generator(2)));
using var ddp = new DistributedDataParallel<float>(model, communicator);
var optimizer = new Adam<float>(model.Parameters(), lr: 0.05);
float first = 0, last = 0;
for (int step = 0; step < 300; step++)
{
    optimizer.ZeroGrad();
    var loss = Losses.CrossEntropy(ddp.Forward(x), y);
    loss.Backward();
    ddp.FinishGradientSync();
    optimizer.Step();
    if (step == 0) first = loss.Item();
    last = loss.Item();
}
var predicted = model.Forward(x).ArgmaxIndices(1);
Console.WriteLine($"XOR: loss {first:F4} -> {last:F4}, predictions [{string.Join(", ", predicted)}] on {communicator.Size} rank(s) ({communicator.Transport})");

// Rank 0 writes the checkpoint under a name made from its process id, which every rank learns by broadcast.
Span<int> id = [Environment.ProcessId];
communicator.Broadcast(id);
string file = Path.Combine(Path.GetTempPath(), $"package-consumer-{id[0]}.safetensors");
ddp.SaveCheckpoint(file, optimizer);
var copy = new Sequential<float>(new Linear<float>(2, 8, new Generator(5)), new Tanh<float>(), new Linear<float>(8, 2, new Generator(6)));
Checkpoint.LoadModel(file, copy);
communicator.Barrier();
if (communicator.IsMain) File.Delete(file);
bool sameAfterLoad = model.Forward(x).ToArray().SequenceEqual(copy.Forward(x).ToArray());

// d/dx Σ x³ = 3x², checked against finite differences.
var ok = GradCheck.Check(t => (t[0] * t[0] * t[0]).Sum(), [Tensor.FromArray(new[] { 0.5, -1.25 }, requiresGrad: true)]);
Console.WriteLine($"checkpoint round trip: {sameAfterLoad}; gradient check: {ok.Passed}");
return last < 0.05f && predicted.SequenceEqual(y) && sameAfterLoad && ok.Passed ? 0 : 1;
