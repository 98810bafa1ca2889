namespace Detserve.Serve.Core;

/// <summary>
/// A protocol-neutral inference request, built by the HTTP or gRPC front end (or by the ensemble scheduler).
/// <paramref name="ModelVersion"/> is empty for "the server's choice" (the highest ready version).
/// <paramref name="RequestedOutputs"/> empty means every output of the model.
/// <paramref name="Parameters"/> holds request-level parameters: bool, long, ulong, double or string values.
/// </summary>
public sealed record InferenceRequest(
    string ModelName,
    string ModelVersion,
    string Id,
    IReadOnlyList<InferTensor> Inputs,
    IReadOnlyList<RequestedOutput> RequestedOutputs,
    IReadOnlyDictionary<string, object> Parameters)
{
    /// <summary>Request-level queue timeout ("timeout" parameter, microseconds), honoured when the model's queue policy allows overrides.</summary>
    public ulong? TimeoutMicroseconds => Parameters.TryGetValue("timeout", out var value)
        ? value switch
        {
            long l when l >= 0 => (ulong)l,
            ulong u => u,
            _ => throw ServeException.InvalidArgument($"request parameter 'timeout' must be a non-negative integer, got {value}"),
        }
        : null;
}
