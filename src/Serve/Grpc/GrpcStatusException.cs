namespace Detserve.Serve.Grpc;

/// <summary>A gRPC-level failure with its status code (grpc/grpc doc/statuscodes.md), e.g. RESOURCE_EXHAUSTED for an oversized message.</summary>
public sealed class GrpcStatusException : Exception
{
    public GrpcStatusException(int status, string message)
        : base(message)
    {
        Status = status;
    }

    public int Status { get; }
}
