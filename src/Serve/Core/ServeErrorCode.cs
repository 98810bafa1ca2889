namespace Detserve.Serve.Core;

/// <summary>
/// What went wrong, in Triton's vocabulary (TRITONSERVER_Error_Code in tritonserver.h). The HTTP and gRPC
/// front ends map these to status codes in one place each (<see cref="ServeErrorMapping"/>).
/// </summary>
public enum ServeErrorCode
{
    Unknown,
    Internal,
    NotFound,
    InvalidArgument,
    Unavailable,
    Unsupported,
    AlreadyExists,
    Cancelled,
}
