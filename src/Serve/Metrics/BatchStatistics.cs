namespace Detserve.Serve.Metrics;

/// <summary>Compute durations of the executions that ran with one batch size (Triton's InferBatchStatistics).</summary>
public sealed class BatchStatistics
{
    public StatisticDurationCounter ComputeInput { get; } = new();

    public StatisticDurationCounter ComputeInfer { get; } = new();

    public StatisticDurationCounter ComputeOutput { get; } = new();
}
