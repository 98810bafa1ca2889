namespace Detserve.Serve.Metrics;

/// <summary>A thread-safe (count, total nanoseconds) pair: Triton's StatisticDuration.</summary>
public sealed class StatisticDurationCounter
{
    private long _count;
    private long _ns;

    public long Count => Interlocked.Read(ref _count);

    public long Ns => Interlocked.Read(ref _ns);

    public void Add(long ns)
    {
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _ns, Math.Max(0, ns));
    }
}
