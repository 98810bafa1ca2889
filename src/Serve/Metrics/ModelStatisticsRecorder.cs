using System.Collections.Concurrent;
using Detserve.Serve.Core;

namespace Detserve.Serve.Metrics;

/// <summary>
/// Counters of one model version, read by both the statistics extension and the Prometheus endpoint so the
/// two always agree. Semantics follow Triton's statistics extension (docs/protocol/extension_statistics.md):
/// success/fail are per request (whole request duration), queue and compute_* are per successful request
/// (each request of a batch gets the batch's compute durations), inference_count sums batch sizes and
/// execution_count counts model executions.
/// </summary>
public sealed class ModelStatisticsRecorder
{
    /// <summary>Latency histogram bounds in milliseconds.</summary>
    public static readonly IReadOnlyList<double> DefaultHistogramBoundsMs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

    private readonly ConcurrentDictionary<long, BatchStatistics> _batches = new();
    private readonly ConcurrentDictionary<FailureReason, long> _failuresByReason = new();
    private long _inferenceCount;
    private long _executionCount;
    private long _lastInferenceMs;

    public ModelStatisticsRecorder(string modelName, long version)
    {
        ModelName = modelName;
        Version = version;
    }

    public string ModelName { get; }

    public long Version { get; }

    public StatisticDurationCounter Success { get; } = new();

    public StatisticDurationCounter Fail { get; } = new();

    public StatisticDurationCounter Queue { get; } = new();

    public StatisticDurationCounter ComputeInput { get; } = new();

    public StatisticDurationCounter ComputeInfer { get; } = new();

    public StatisticDurationCounter ComputeOutput { get; } = new();

    public LatencyHistogram RequestDurationMs { get; } = new(DefaultHistogramBoundsMs);

    public long InferenceCount => Interlocked.Read(ref _inferenceCount);

    public long ExecutionCount => Interlocked.Read(ref _executionCount);

    public long LastInferenceMs => Interlocked.Read(ref _lastInferenceMs);

    public IReadOnlyDictionary<long, BatchStatistics> Batches => _batches;

    public IReadOnlyDictionary<FailureReason, long> FailuresByReason => _failuresByReason;

    public void RecordSuccess(long durationNs)
    {
        Success.Add(durationNs);
        RequestDurationMs.Observe(durationNs / 1e6);
        Interlocked.Exchange(ref _lastInferenceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public void RecordFailure(long durationNs, ServeErrorCode code)
    {
        Fail.Add(durationNs);
        var reason = code switch
        {
            ServeErrorCode.Unavailable => FailureReason.Rejected,
            ServeErrorCode.Cancelled => FailureReason.Canceled,
            ServeErrorCode.Internal => FailureReason.Backend,
            _ => FailureReason.Other,
        };
        _failuresByReason.AddOrUpdate(reason, 1, (_, n) => n + 1);
        Interlocked.Exchange(ref _lastInferenceMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>Per successful request: its queue time and the compute times of the execution that served it.</summary>
    public void RecordRequestTimings(long queueNs, long inputNs, long inferNs, long outputNs)
    {
        Queue.Add(queueNs);
        ComputeInput.Add(inputNs);
        ComputeInfer.Add(inferNs);
        ComputeOutput.Add(outputNs);
    }

    /// <summary>Per execution: one more model run over <paramref name="batchSize"/> images.</summary>
    public void RecordExecution(long batchSize, long inputNs, long inferNs, long outputNs)
    {
        Interlocked.Increment(ref _executionCount);
        Interlocked.Add(ref _inferenceCount, batchSize);
        var batch = _batches.GetOrAdd(batchSize, _ => new BatchStatistics());
        batch.ComputeInput.Add(inputNs);
        batch.ComputeInfer.Add(inferNs);
        batch.ComputeOutput.Add(outputNs);
    }
}
