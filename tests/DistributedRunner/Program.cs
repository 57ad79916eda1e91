// Runs small data-parallel scenarios under mpirun for the tests in tests/Distributed:
//   train OUT_DIR          the training of SmallTraining; each rank writes OUT_DIR/rank{R}.txt (name, then values)
//   throw RANK             rank RANK throws in the middle of training while the others wait in an all-reduce
//   exit RANK              rank RANK exits with code 3 without MPI_Finalize
//   mismatch RANK          rank RANK builds a model with a different shape
using System.Globalization;
using Autograd;
using Autograd.Distributed;
using Autograd.DistributedRunner;
using Autograd.NN;

using var communicator = Communicator.Initialize();
string mode = args.Length > 0 ? args[0] : "";
switch (mode)
{
    case "train":
        var parameters = SmallTraining.Run(communicator);
        Directory.CreateDirectory(args[1]);
        using (var writer = new StreamWriter(Path.Combine(args[1], $"rank{communicator.Rank}.txt")))
            foreach (var (name, values) in parameters)
                writer.WriteLine($"{name} {string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
        break;
    case "throw":
        int failing = int.Parse(args[1], CultureInfo.InvariantCulture);
        SmallTraining.Run(communicator, step =>
        {
            if (step == 5 && communicator.Rank == failing) throw new InvalidOperationException($"deliberate failure at step {step}");
        });
        break;
    case "exit":
        int leaving = int.Parse(args[1], CultureInfo.InvariantCulture);
        SmallTraining.Run(communicator, step =>
        {
            if (step == 5 && communicator.Rank == leaving) Environment.Exit(3);
        });
        break;
    case "mismatch":
        int odd = int.Parse(args[1], CultureInfo.InvariantCulture);
        var model = new Linear<double>(4, communicator.Rank == odd ? 5 : 3, new Generator(1));
        using (new DistributedDataParallel<double>(model, communicator)) { }
        break;
    default:
        Console.Error.WriteLine("usage: DistributedRunner train OUT_DIR | throw RANK | exit RANK | mismatch RANK");
        return 2;
}
return 0;
