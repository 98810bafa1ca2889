namespace Detserve.Serve.Client;

/// <summary>
/// One concurrency level, perf_analyzer style: client-side throughput and latency percentiles (microseconds), and the
/// server-side averages per request from the model's statistics over the same window (queue, compute_input,
/// compute_infer, compute_output). <see cref="ServerOverheadP50Us"/> is p50 latency minus the average compute_infer:
/// what the server and the network add around the engine.
/// </summary>
public sealed record ConcurrencyResult(
    int Concurrency,
    long Requests,
    long Errors,
    double ThroughputPerSecond,
    double AverageUs,
    double P50Us,
    double P90Us,
    double P95Us,
    double P99Us,
    double ServerQueueUs,
    double ServerComputeInputUs,
    double ServerComputeInferUs,
    double ServerComputeOutputUs)
{
    public double ServerOverheadP50Us => P50Us - ServerComputeInferUs;
}
