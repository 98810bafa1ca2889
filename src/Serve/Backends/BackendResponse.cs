using Detserve.Serve.Core;

namespace Detserve.Serve.Backends;

/// <summary>The outputs for one request of a batch, or the error that request alone failed with.</summary>
public sealed record BackendResponse(IReadOnlyList<InferTensor>? Outputs, ServeException? Error)
{
    public static BackendResponse Success(IReadOnlyList<InferTensor> outputs) => new(outputs, null);

    public static BackendResponse Failure(ServeException error) => new(null, error);
}
