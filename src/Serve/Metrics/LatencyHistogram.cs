namespace Detserve.Serve.Metrics;

/// <summary>
/// A Prometheus histogram with fixed upper bounds (cumulative buckets are computed when written).
/// Thread-safe: one Interlocked add per observation.
/// </summary>
public sealed class LatencyHistogram
{
    private readonly long[] _bucketCounts;
    private long _count;
    private long _sumTicks;

    public LatencyHistogram(IReadOnlyList<double> upperBounds)
    {
        for (var i = 1; i < upperBounds.Count; i++)
        {
            if (!(upperBounds[i] > upperBounds[i - 1]))
            {
                throw new ArgumentException("histogram bounds must increase", nameof(upperBounds));
            }
        }

        UpperBounds = upperBounds;
        _bucketCounts = new long[upperBounds.Count];
    }

    public IReadOnlyList<double> UpperBounds { get; }

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Sum of observations (same unit as the bounds), kept in 1e-6 units to stay exact under Interlocked.</summary>
    public double Sum => Interlocked.Read(ref _sumTicks) / 1e6;

    public void Observe(double value)
    {
        for (var i = 0; i < UpperBounds.Count; i++)
        {
            if (value <= UpperBounds[i])
            {
                Interlocked.Increment(ref _bucketCounts[i]);
                break;
            }
        }

        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumTicks, (long)(value * 1e6));
    }

    /// <summary>Cumulative count of observations at or below each bound (Prometheus "le" buckets).</summary>
    public long[] CumulativeCounts()
    {
        var result = new long[_bucketCounts.Length];
        var running = 0L;
        for (var i = 0; i < _bucketCounts.Length; i++)
        {
            running += Interlocked.Read(ref _bucketCounts[i]);
            result[i] = running;
        }

        return result;
    }
}
