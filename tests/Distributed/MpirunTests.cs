using System.Globalization;
using Autograd.Distributed;
using Autograd.DistributedRunner;

namespace Autograd.Tests.Distributed;

/// <summary>Real two-rank jobs under mpirun (skipped with a message where Open MPI is missing).</summary>
public sealed class MpirunTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("autograd-mpi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Dictionary<string, double[]> ReadRank(int rank) =>
        File.ReadAllLines(Path.Combine(_dir, $"rank{rank}.txt")).Select(l => l.Split(' ')).ToDictionary(
            f => f[0], f => f[1..].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());

    [MpirunFact]
    public void TwoRanks_MatchOneRank_OnTheSameGlobalBatches()
    {
        var job = MpiJob.Run(2, Timeout, "train", _dir);
        Assert.True(job.Finished && job.ExitCode == 0, $"mpirun exit {job.ExitCode} after {job.Elapsed}:\n{job.Output}");
        var one = SmallTraining.Run(Communicator.SingleProcess());
        var rank0 = ReadRank(0);
        var rank1 = ReadRank(1);
        // The two ranks start from different seeds; the broadcast makes them equal, and with two ranks the all-reduce
        // gives both the same sum bit for bit (a + b = b + a exactly in IEEE arithmetic), so they stay identical.
        Assert.Equal(rank0.Keys, rank1.Keys);
        foreach (var (name, values) in rank0) Assert.Equal(values, rank1[name]);
        // Against one rank the gradients differ only in the order of the sums: the global batch mean (1/8)Σ_8 versus
        // ((1/4)Σ_4 + (1/4)Σ_4)/2, each a few units of 2⁻⁵³ ≈ 1.1e-16 relative. Through 36 steps of SGD with momentum
        // (lr 0.2) such perturbations grow at most by the update's Lipschitz factor per step (observed: the results
        // agree to about 1e-15); 1e-8 bounds a growth of 1.6 per step over 36 steps, and is still far below the
        // change a wrong batch or a missing average makes (of order 1e-2 here).
        Assert.Equal(one.Keys, rank0.Keys);
        double worst = 0;
        foreach (var (name, values) in one)
            for (int i = 0; i < values.Length; i++)
                worst = Math.Max(worst, Math.Abs(values[i] - rank0[name][i]) / (1 + Math.Abs(values[i])));
        Assert.True(worst < 1e-8, $"largest relative difference between 1 and 2 ranks: {worst:E2}");
    }

    /// <summary>Runs a two-rank job expected to fail: it must end by itself (not hang until the timeout) with a
    /// non-zero exit code; returns its output.</summary>
    private static string FailingJob(string mode)
    {
        var job = MpiJob.Run(2, Timeout, mode, "1");
        Assert.True(job.Finished, $"the job hung for {Timeout}:\n{job.Output}");
        Assert.NotEqual(0, job.ExitCode);
        return job.Output;
    }

    [MpirunFact]
    public void RankThrowing_EndsTheJobNamingTheRank()
    {
        // Rank 0 is waiting in an all-reduce when rank 1 throws; without MPI_Abort the job would hang until the timeout.
        string output = FailingJob("throw");
        Assert.Contains("rank 1 of 2: unhandled exception", output);
        Assert.Contains("deliberate failure at step 5", output);
    }

    [MpirunFact]
    public void RankExiting_EndsTheJob()
    {
        // A rank that leaves without MPI_Finalize (a crash, a kill): mpirun itself ends the job and names the process,
        // [[job,1],rank] in Open MPI's notation.
        Assert.Contains(",1]", FailingJob("exit"));
    }

    [MpirunFact]
    public void ParameterMismatch_IsDetectedAtStart_NamingTheRank()
    {
        // Every rank throws this (rank 1 adds the entry that differs, but the abort of whichever rank is first may
        // end it before it prints; FirstDifference is tested in DistributedDataParallelTests).
        Assert.Contains("rank 1 has parameters or buffers different from rank 0's", FailingJob("mismatch"));
    }
}
