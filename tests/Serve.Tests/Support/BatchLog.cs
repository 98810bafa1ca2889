using System.Collections.Concurrent;

namespace Detserve.Serve.Tests.Support;

/// <summary>What the arithmetic test model saw: the number of requests and images of every execution.</summary>
public sealed class BatchLog
{
    private int _active;
    private int _maxActive;

    public ConcurrentQueue<(int Requests, long Images)> Executions { get; } = new();

    /// <summary>The most executions that were running at the same time (instances working in parallel).</summary>
    public int MaxConcurrentExecutions => Volatile.Read(ref _maxActive);

    public void Enter()
    {
        var active = Interlocked.Increment(ref _active);
        int seen;
        while (active > (seen = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, active, seen) != seen)
        {
        }
    }

    public void Exit() => Interlocked.Decrement(ref _active);
}
