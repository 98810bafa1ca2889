namespace Detserve.Runtime;

/// <summary>Timings of <see cref="CpuBenchmark.Run"/>: seconds per batch over the timed runs, and the detections of the last run's first image.</summary>
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
    int Detections);
