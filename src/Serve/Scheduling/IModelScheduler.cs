using Detserve.Serve.Core;

namespace Detserve.Serve.Scheduling;

/// <summary>Runs validated requests of one model version; <see cref="StopAsync"/> answers everything accepted, then releases the instances.</summary>
public interface IModelScheduler
{
    Task<InferenceResponse> InferAsync(ScheduledRequest request, CancellationToken cancellationToken);

    /// <summary>Queued requests waiting for an instance (the nv_inference_pending_request_count gauge).</summary>
    int PendingCount { get; }

    Task StopAsync();
}
