using System.Diagnostics;
using Detserve.Serve.Protocol;

namespace Detserve.Serve.Scheduling;

/// <summary>
/// How a model's queue forms batches, read from its config: Triton's dynamic batcher
/// (docs/user_guide/model_configuration.md "Dynamic Batcher": preferred_batch_size, max_queue_delay_microseconds,
/// default_queue_policy) or, without dynamic_batching, one request per execution.
/// </summary>
public sealed record BatchingPolicy(
    int MaxBatchSize,
    bool Dynamic,
    IReadOnlyList<int> PreferredBatchSizes,
    long MaxQueueDelayTicks,
    int MaxQueueSize,
    ulong DefaultTimeoutMicroseconds,
    bool AllowTimeoutOverride,
    bool RejectOnTimeout,
    IReadOnlySet<string> RaggedInputs)
{
    public static BatchingPolicy FromConfig(ModelConfig config)
    {
        var ragged = config.Input.Where(i => i.AllowRaggedBatch).Select(i => i.Name).ToHashSet();
        if (config.SchedulingChoiceCase != ModelConfig.SchedulingChoiceOneofCase.DynamicBatching)
        {
            return new BatchingPolicy(config.MaxBatchSize, false, [], 0, 0, 0, false, true, ragged);
        }

        var dynamic = config.DynamicBatching;
        var queue = dynamic.DefaultQueuePolicy ?? new ModelQueuePolicy();
        var delayTicks = (long)(dynamic.MaxQueueDelayMicroseconds * (Stopwatch.Frequency / 1e6));
        return new BatchingPolicy(
            config.MaxBatchSize,
            config.MaxBatchSize > 0,
            dynamic.PreferredBatchSize.OrderBy(s => s).ToArray(),
            delayTicks,
            (int)Math.Min(queue.MaxQueueSize, int.MaxValue),
            queue.DefaultTimeoutMicroseconds,
            queue.AllowTimeoutOverride,
            queue.TimeoutAction == ModelQueuePolicy.Types.TimeoutAction.Reject,
            ragged);
    }
}
