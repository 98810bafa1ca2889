namespace Detserve.Serve.Core;

/// <summary>
/// The single place where error codes become wire status codes. HTTP follows Triton's
/// http_server.cc HttpCodeFromError; gRPC follows its grpc utils (TRITONSERVER_Error_Code -> grpc::StatusCode).
/// </summary>
public static class ServeErrorMapping
{
    public static int ToHttpStatus(ServeErrorCode code) => code switch
    {
        ServeErrorCode.Internal => 500,
        ServeErrorCode.NotFound => 404,
        ServeErrorCode.Unavailable => 503,
        ServeErrorCode.Unsupported => 501,
        _ => 400,
    };

    /// <summary>gRPC status codes (grpc/grpc doc/statuscodes.md).</summary>
    public static int ToGrpcStatus(ServeErrorCode code) => code switch
    {
        ServeErrorCode.Cancelled => 1,
        ServeErrorCode.Unknown => 2,
        ServeErrorCode.InvalidArgument => 3,
        ServeErrorCode.NotFound => 5,
        ServeErrorCode.AlreadyExists => 6,
        ServeErrorCode.Unsupported => 12,
        ServeErrorCode.Internal => 13,
        ServeErrorCode.Unavailable => 14,
        _ => 2,
    };

    /// <summary>Wraps anything that is not already a <see cref="ServeException"/> as an internal error.</summary>
    public static ServeException ToServeException(Exception exception) => exception switch
    {
        ServeException serve => serve,
        OperationCanceledException => new ServeException(ServeErrorCode.Cancelled, "request cancelled"),
        _ => new ServeException(ServeErrorCode.Internal, exception.Message, exception),
    };
}
