namespace Detserve.Serve.Backends;

/// <summary>
/// One loaded copy of a model. <see cref="Execute"/> runs a batch of requests (a dynamic batch may hold
/// requests of different shapes when the config allows ragged batching) and is only ever called from
/// the instance's own worker thread, so it may block.
/// </summary>
public interface IModelInstance : IDisposable
{
    /// <summary>
    /// Runs the batch. Returns one <see cref="BackendResponse"/> per request, in order; a failure that
    /// concerns one request only (an undecodable image) is that response's error, not an exception.
    /// Call <see cref="ExecutionTimer.MarkInputDone"/> / <see cref="ExecutionTimer.MarkInferDone"/> to split
    /// the statistics into compute_input, compute_infer and compute_output.
    /// </summary>
    IReadOnlyList<BackendResponse> Execute(IReadOnlyList<BackendRequest> batch, ExecutionTimer timer, CancellationToken cancellationToken);
}
