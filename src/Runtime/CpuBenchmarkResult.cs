namespace Detserve.Runtime;

/// <summary>
/// Timings of <see cref="CpuBenchmark.Run"/>: wall seconds per batch over the timed runs, the process CPU seconds (all threads) of each
/// run (on a shared machine wall time depends on the neighbours' load, CPU time much less), and the detections of the last run's first image.
/// </summary>
public sealed record CpuBenchmarkResult(
    int Height,
    int Width,
    int Batch,
    int Threads,
    string Backend,
    IReadOnlyList<double> TimesSeconds,
    double MedianSeconds,
    double MeanSeconds,
    double MinSeconds,
    double P99Seconds,
    IReadOnlyList<double> CpuSeconds,
    double MedianCpuSeconds,
    IReadOnlyDictionary<string, double> LastRunPhasesSeconds,
    int Detections);
