namespace Detserve.Serve.Client;

/// <summary>A gRPC call that ended with a non-OK grpc-status; carries the status and the (decoded) grpc-message.</summary>
public sealed class GrpcCallException : Exception
{
    public GrpcCallException(string method, int status, string message)
        : base($"{method} failed with gRPC status {status}: {message}")
    {
        Method = method;
        Status = status;
        StatusMessage = message;
    }

    public string Method { get; }

    public int Status { get; }

    public string StatusMessage { get; }
}
