namespace Autograd.Tests;

/// <summary>
/// Tests that change <c>Workers.ThreadCount</c>, a process-wide setting, run alone, after the parallel tests. Run beside
/// them, one test's thread count of 1 left another's <c>Workers.For</c> without its helper thread: the workers' test of
/// a thread stuck in its block waited its 20 s and failed (once in twelve runs of the suite).
/// </summary>
[CollectionDefinition(nameof(ProcessSettings), DisableParallelization = true)]
public sealed class ProcessSettings;
