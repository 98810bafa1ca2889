using Microsoft.Extensions.Logging;

namespace Detserve.Serve;

/// <summary>Serve's log messages (event ids 6000-6099).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 6000, Level = LogLevel.Information, Message = "Loaded model {Model} version {Version} ({Instances} instance(s))")]
    public static partial void ModelLoaded(ILogger logger, string model, long version, int instances);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Error, Message = "Failed to load model {Model}: {Reason}")]
    public static partial void ModelLoadFailed(ILogger logger, string model, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Unloaded model {Model} version {Version}")]
    public static partial void ModelUnloaded(ILogger logger, string model, long version);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Listening: HTTP {HttpPort}, gRPC {GrpcPort}, metrics {MetricsPort}")]
    public static partial void Listening(ILogger logger, int httpPort, int grpcPort, int metricsPort);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Stopping: waiting for {Pending} accepted request(s)")]
    public static partial void Stopping(ILogger logger, int pending);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Repository poll failed: {Reason}")]
    public static partial void PollFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Error, Message = "Unhandled error answering {Path}")]
    public static partial void UnhandledError(ILogger logger, string path, Exception exception);
}
