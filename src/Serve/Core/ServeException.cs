namespace Detserve.Serve.Core;

/// <summary>
/// The one exception type of the Serve layer. Its message is what the client sees (the "error" member of
/// a KServe JSON error, or grpc-message), so it names the model, tensor, field or byte offset at fault.
/// </summary>
public class ServeException : Exception
{
    public ServeException(ServeErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public ServeException(ServeErrorCode code, string message, Exception inner)
        : base(message, inner)
    {
        Code = code;
    }

    public ServeErrorCode Code { get; }

    public static ServeException InvalidArgument(string message) => new(ServeErrorCode.InvalidArgument, message);

    public static ServeException NotFound(string message) => new(ServeErrorCode.NotFound, message);

    public static ServeException Unavailable(string message) => new(ServeErrorCode.Unavailable, message);
}
