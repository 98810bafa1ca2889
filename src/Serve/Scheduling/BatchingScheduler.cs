using System.Diagnostics;
using Detserve.Serve.Backends;
using Detserve.Serve.Core;
using Detserve.Serve.Metrics;

namespace Detserve.Serve.Scheduling;

/// <summary>
/// One queue per model version and one dedicated worker thread per instance (instance_group count x devices).
/// A free worker takes the next batch: with dynamic batching it gathers compatible requests from the head of
/// the queue up to max_batch_size, dispatching at once when the batch is full or reaches the largest
/// preferred size, and otherwise after max_queue_delay_microseconds from the oldest request; the batch sent is
/// the longest prefix whose size is a preferred size, if any (Triton's dynamic_batch_scheduler.cc behaviour). Requests whose
/// shapes differ may share a batch only through inputs marked allow_ragged_batch.
/// Queue policy: beyond max_queue_size a request is rejected as UNAVAILABLE; a request that outlives its timeout
/// in the queue is rejected ("Request timeout expired") when the action is REJECT.
/// </summary>
public sealed class BatchingScheduler : IModelScheduler
{
    private readonly object _gate = new();
    private readonly LinkedList<PendingRequest> _queue = new();
    private readonly BatchingPolicy _policy;
    private readonly ModelStatisticsRecorder _statistics;
    private readonly string _modelName;
    private readonly IReadOnlyList<IModelInstance> _instances;
    private readonly List<Task> _workers = [];
    private bool _stopping;

    /// <summary>Takes ownership of <paramref name="instances"/>: they are disposed by <see cref="StopAsync"/>.</summary>
    public BatchingScheduler(string modelName, BatchingPolicy policy, IReadOnlyList<(string Name, IModelInstance Instance)> instances, ModelStatisticsRecorder statistics)
    {
        if (instances.Count == 0)
        {
            throw new ArgumentException("a scheduler needs at least one instance", nameof(instances));
        }

        _modelName = modelName;
        _policy = policy;
        _statistics = statistics;
        _instances = instances.Select(i => i.Instance).ToArray();
        foreach (var (name, instance) in instances)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var thread = new Thread(() => WorkerLoop(instance, done)) { IsBackground = true, Name = "detserve " + name };
            thread.Start();
            _workers.Add(done.Task);
        }
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    public Task<InferenceResponse> InferAsync(ScheduledRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var now = Stopwatch.GetTimestamp();
        var timeoutUs = _policy.DefaultTimeoutMicroseconds;
        if (_policy.AllowTimeoutOverride && request.Request.TimeoutMicroseconds is { } overrideUs)
        {
            timeoutUs = overrideUs;
        }

        var deadline = timeoutUs == 0 || !_policy.RejectOnTimeout
            ? long.MaxValue
            : now + (long)Math.Min(timeoutUs * (Stopwatch.Frequency / 1e6), long.MaxValue / 2);
        var pending = new PendingRequest(request, now, deadline, cancellationToken);
        lock (_gate)
        {
            if (_stopping)
            {
                throw ServeException.Unavailable($"model '{_modelName}' is stopping and accepts no new requests");
            }

            if (_policy.MaxQueueSize > 0 && _queue.Count >= _policy.MaxQueueSize)
            {
                throw ServeException.Unavailable($"Exceeds maximum queue size ({_policy.MaxQueueSize}) of model '{_modelName}'");
            }

            pending.Node = _queue.AddLast(pending);
            Monitor.PulseAll(_gate);
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.QueueCancellation = cancellationToken.Register(static state =>
            {
                var (p, scheduler) = ((PendingRequest, BatchingScheduler))state!;
                scheduler.CancelQueued(p);
            }, (pending, this));
        }

        return pending.Completion.Task;
    }

    public async Task StopAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        await Task.WhenAll(_workers).ConfigureAwait(false);
        foreach (var instance in _instances)
        {
            instance.Dispose();
        }
    }

    private bool CancelQueued(PendingRequest pending)
    {
        lock (_gate)
        {
            if (pending.Node is null)
            {
                return false;
            }

            _queue.Remove(pending.Node);
            pending.Node = null;
        }

        pending.Fail(new ServeException(ServeErrorCode.Cancelled, $"request for model '{_modelName}' was cancelled while queued"));
        return true;
    }

    private void WorkerLoop(IModelInstance instance, TaskCompletionSource done)
    {
        try
        {
            while (TakeBatch() is { } batch)
            {
                RunBatch(instance, batch);
            }
        }
        finally
        {
            done.TrySetResult();
        }
    }

    /// <summary>Blocks this worker until a batch is due; null once stopping and the queue is empty.</summary>
    private List<PendingRequest>? TakeBatch()
    {
        lock (_gate)
        {
            while (true)
            {
                var now = Stopwatch.GetTimestamp();
                RejectExpiredLocked(now);
                if (_queue.First is null)
                {
                    if (_stopping)
                    {
                        return null;
                    }

                    Monitor.Wait(_gate);
                    continue;
                }

                if (!_policy.Dynamic)
                {
                    return DequeueLocked(1);
                }

                var head = _queue.First.Value;
                var total = 0L;
                var count = 0;
                var blocked = false;
                for (var node = _queue.First; node is not null; node = node.Next)
                {
                    var candidate = node.Value;
                    if (total + candidate.Request.BatchSize > _policy.MaxBatchSize || (count > 0 && !Compatible(head, candidate)))
                    {
                        blocked = true;
                        break;
                    }

                    total += candidate.Request.BatchSize;
                    count++;
                }

                var waited = now - head.EnqueueTimestamp;
                var largestPreferred = _policy.PreferredBatchSizes.Count > 0 ? _policy.PreferredBatchSizes[^1] : 0;
                var full = total >= _policy.MaxBatchSize;
                if (full || blocked || _stopping || waited >= _policy.MaxQueueDelayTicks || (largestPreferred > 0 && total >= largestPreferred))
                {
                    return DequeueLocked(PreferredPrefix(count));
                }

                var remainingMs = (int)Math.Ceiling((_policy.MaxQueueDelayTicks - waited) * 1000.0 / Stopwatch.Frequency);
                Monitor.Wait(_gate, Math.Clamp(remainingMs, 1, 1000));
            }
        }
    }

    /// <summary>The longest prefix of the first <paramref name="count"/> requests whose batch size is a preferred size, else all of them.</summary>
    private int PreferredPrefix(int count)
    {
        if (_policy.PreferredBatchSizes.Count == 0)
        {
            return count;
        }

        var best = 0;
        var running = 0L;
        var index = 0;
        for (var node = _queue.First; node is not null && index < count; node = node.Next, index++)
        {
            running += node.Value.Request.BatchSize;
            if (_policy.PreferredBatchSizes.Contains((int)running))
            {
                best = index + 1;
            }
        }

        return best > 0 ? best : count;
    }

    /// <summary>Same shape for every input not marked allow_ragged_batch (the batch dimension aside).</summary>
    private bool Compatible(PendingRequest head, PendingRequest candidate)
    {
        foreach (var input in head.Request.Request.Inputs)
        {
            if (_policy.RaggedInputs.Contains(input.Name))
            {
                continue;
            }

            var other = candidate.Request.Request.Inputs.FirstOrDefault(i => i.Name == input.Name);
            if (other is null || other.Shape.Count != input.Shape.Count)
            {
                return false;
            }

            for (var d = 1; d < input.Shape.Count; d++)
            {
                if (other.Shape[d] != input.Shape[d])
                {
                    return false;
                }
            }
        }

        return true;
    }

    private List<PendingRequest> DequeueLocked(int count)
    {
        var batch = new List<PendingRequest>(count);
        for (var i = 0; i < count && _queue.First is { } node; i++)
        {
            _queue.RemoveFirst();
            node.Value.Node = null;
            batch.Add(node.Value);
        }

        return batch;
    }

    private void RejectExpiredLocked(long now)
    {
        var node = _queue.First;
        while (node is not null)
        {
            var next = node.Next;
            if (node.Value.DeadlineTimestamp <= now)
            {
                _queue.Remove(node);
                node.Value.Node = null;
                node.Value.Fail(ServeException.Unavailable($"Request timeout expired for model '{_modelName}'"));
            }

            node = next;
        }
    }

    private void RunBatch(IModelInstance instance, List<PendingRequest> batch)
    {
        var dispatch = Stopwatch.GetTimestamp();
        using var batchCancellation = new CancellationTokenSource();
        var live = batch.Count;
        var registrations = new List<CancellationTokenRegistration>(batch.Count);
        foreach (var pending in batch)
        {
            pending.QueueCancellation.Dispose();
            if (pending.CancellationToken.CanBeCanceled)
            {
                // The execution is cancelled only when every request in it has gone away.
                registrations.Add(pending.CancellationToken.Register(() =>
                {
                    if (Interlocked.Decrement(ref live) == 0)
                    {
                        batchCancellation.Cancel();
                    }
                }));
            }
        }

        try
        {
            var requests = batch.Select(p => new BackendRequest(p.Request.Request.Inputs, p.Request.RequestedOutputs)).ToArray();
            var timer = new ExecutionTimer();
            IReadOnlyList<BackendResponse> responses;
            try
            {
                responses = instance.Execute(requests, timer, batchCancellation.Token);
                if (responses.Count != batch.Count)
                {
                    throw new ServeException(ServeErrorCode.Internal, $"model '{_modelName}' returned {responses.Count} responses for a batch of {batch.Count} requests");
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var error = e is OperationCanceledException && batchCancellation.IsCancellationRequested
                    ? new ServeException(ServeErrorCode.Cancelled, $"request for model '{_modelName}' was cancelled during execution")
                    : ServeErrorMapping.ToServeException(e);
                foreach (var pending in batch)
                {
                    pending.Fail(error);
                }

                return;
            }

            var (inputNs, inferNs, outputNs) = timer.Split(Stopwatch.GetTimestamp());
            _statistics.RecordExecution(batch.Sum(p => p.Request.BatchSize), inputNs, inferNs, outputNs);
            for (var i = 0; i < batch.Count; i++)
            {
                var pending = batch[i];
                var response = responses[i];
                if (response.Error is { } error)
                {
                    pending.Fail(error);
                    continue;
                }

                try
                {
                    var outputs = SelectOutputs(pending.Request, response.Outputs ?? []);
                    _statistics.RecordRequestTimings(ElapsedNs(pending.EnqueueTimestamp, dispatch), inputNs, inferNs, outputNs);
                    var request = pending.Request.Request;
                    pending.Completion.TrySetResult(new InferenceResponse(request.ModelName, request.ModelVersion, request.Id, outputs));
                }
                catch (ServeException e)
                {
                    pending.Fail(e);
                }
            }
        }
        finally
        {
            foreach (var registration in registrations)
            {
                registration.Dispose();
            }
        }
    }

    /// <summary>The requested outputs in the order asked for, or every output the backend produced.</summary>
    private IReadOnlyList<InferTensor> SelectOutputs(ScheduledRequest scheduled, IReadOnlyList<InferTensor> produced)
    {
        if (scheduled.Request.RequestedOutputs.Count == 0)
        {
            return produced;
        }

        var result = new List<InferTensor>(scheduled.Request.RequestedOutputs.Count);
        foreach (var requested in scheduled.Request.RequestedOutputs)
        {
            var tensor = produced.FirstOrDefault(t => t.Name == requested.Name)
                ?? throw new ServeException(ServeErrorCode.Internal, $"model '{_modelName}' did not produce requested output '{requested.Name}'");
            result.Add(tensor);
        }

        return result;
    }

    private static long ElapsedNs(long from, long to) => (long)((to - from) * (1e9 / Stopwatch.Frequency));
}
