namespace Detserve.Serve.Metrics;

/// <summary>The "reason" label of nv_inference_request_failure, as Triton's metrics.md lists them.</summary>
public enum FailureReason
{
    Rejected,
    Canceled,
    Backend,
    Other,
}
