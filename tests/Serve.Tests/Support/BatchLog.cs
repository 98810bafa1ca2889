using System.Collections.Concurrent;

namespace Detserve.Serve.Tests.Support;

/// <summary>What the arithmetic test model saw: the number of requests and images of every execution.</summary>
public sealed class BatchLog
{
    public ConcurrentQueue<(int Requests, long Images)> Executions { get; } = new();
}
