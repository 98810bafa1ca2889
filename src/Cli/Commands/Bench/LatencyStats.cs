namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// trtexec's five numbers over a set of timings (milliseconds): min, max, mean, median and the 99th percentile. The
/// percentile is the nearest rank (the smallest value with at least 99% of the timings at or below it), as
/// CpuBenchmark reports it.
/// </summary>
public sealed record LatencyStats(double Min, double Max, double Mean, double Median, double P99)
{
    /// <summary>The statistics of <paramref name="values"/>; an empty list is an error naming <paramref name="what"/>.</summary>
    public static LatencyStats From(IReadOnlyList<double> values, string what)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new CliException($"{what}: no timings to summarize");
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        int rank = Math.Clamp((int)Math.Ceiling(0.99 * n) - 1, 0, n - 1);
        return new LatencyStats(sorted[0], sorted[^1], sorted.Average(), median, sorted[rank]);
    }
}
