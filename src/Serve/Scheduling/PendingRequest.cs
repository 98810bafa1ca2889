using Detserve.Serve.Core;

namespace Detserve.Serve.Scheduling;

/// <summary>A request waiting in (or taken from) a <see cref="BatchingScheduler"/> queue; completed exactly once.</summary>
internal sealed class PendingRequest
{
    public PendingRequest(ScheduledRequest request, long enqueueTimestamp, long deadlineTimestamp, CancellationToken cancellationToken)
    {
        Request = request;
        EnqueueTimestamp = enqueueTimestamp;
        DeadlineTimestamp = deadlineTimestamp;
        CancellationToken = cancellationToken;
    }

    public ScheduledRequest Request { get; }

    public long EnqueueTimestamp { get; }

    /// <summary>Stopwatch timestamp after which the request is rejected from the queue; long.MaxValue for none.</summary>
    public long DeadlineTimestamp { get; }

    public CancellationToken CancellationToken { get; }

    public TaskCompletionSource<InferenceResponse> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LinkedListNode<PendingRequest>? Node { get; set; }

    public CancellationTokenRegistration QueueCancellation { get; set; }

    public void Fail(ServeException error) => Completion.TrySetException(error);
}
