using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Serve.Protocol.Health;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Detserve.Serve.Grpc;

/// <summary>
/// The gRPC endpoint (port 8001), framed by hand over Kestrel's HTTP/2: POST /inference.GRPCInferenceService/{Method}
/// and /grpc.health.v1.Health/Check, content-type application/grpc, length-prefixed protobuf messages, and the
/// status as grpc-status / grpc-message trailers (grpc/grpc doc/PROTOCOL-HTTP2.md) through IHttpResponseTrailersFeature.
/// </summary>
public sealed class GrpcApi
{
    private const string InferenceService = "/inference.GRPCInferenceService/";
    private const string HealthCheck = "/grpc.health.v1.Health/Check";

    private readonly InferenceService _service;
    private readonly int _maxMessageBytes;
    private readonly ILogger _logger;

    public GrpcApi(InferenceService service, int maxMessageBytes, ILogger logger)
    {
        _service = service;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/grpc";
        var status = 0;
        string? message = null;
        try
        {
            if (!context.Request.Protocol.StartsWith("HTTP/2", StringComparison.Ordinal) || context.Request.Method != "POST")
            {
                throw new GrpcStatusException(13, "gRPC needs POST over HTTP/2");
            }

            if (!(context.Request.ContentType ?? string.Empty).StartsWith("application/grpc", StringComparison.Ordinal))
            {
                throw new GrpcStatusException(13, $"unsupported content-type '{context.Request.ContentType}'");
            }

            if (context.Request.Headers.TryGetValue("grpc-encoding", out var encoding) && encoding.ToString() is not ("identity" or ""))
            {
                throw new GrpcStatusException(12, $"grpc-encoding '{encoding}' is not supported");
            }

            using var deadline = Deadline(context);
            try
            {
                await DispatchAsync(context, path, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ServeException { Code: ServeErrorCode.Cancelled }
                && deadline.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
            {
                throw new GrpcStatusException(4, "Deadline Exceeded");
            }
        }
        catch (GrpcStatusException e)
        {
            (status, message) = (e.Status, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var error = ServeErrorMapping.ToServeException(e);
            if (error.Code == ServeErrorCode.Internal)
            {
                Log.UnhandledError(_logger, path, e);
            }

            (status, message) = (ServeErrorMapping.ToGrpcStatus(error.Code), error.Message);
        }

        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null)
        {
            context.Response.AppendTrailer("grpc-message", PercentEncode(message));
        }
    }

    /// <summary>
    /// The call's token: the client going away, or its grpc-timeout passing ("TimeoutValue TimeoutUnit", up to 8 digits and
    /// one of H M S m u n, PROTOCOL-HTTP2.md), after which the call ends with DEADLINE_EXCEEDED.
    /// </summary>
    private static CancellationTokenSource Deadline(HttpContext context)
    {
        TimeSpan? timeout = null;
        if (context.Request.Headers.TryGetValue("grpc-timeout", out var header))
        {
            var text = header.ToString();
            if (text.Length is < 2 or > 9 || !long.TryParse(text.AsSpan(0, text.Length - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                throw new GrpcStatusException(13, $"malformed grpc-timeout '{text}'");
            }

            timeout = text[^1] switch
            {
                'H' => TimeSpan.FromHours(value),
                'M' => TimeSpan.FromMinutes(value),
                'S' => TimeSpan.FromSeconds(value),
                'm' => TimeSpan.FromMilliseconds(value),
                'u' => TimeSpan.FromMicroseconds(value),
                'n' => TimeSpan.FromTicks(Math.Max(1, value / 100)),
                _ => throw new GrpcStatusException(13, $"malformed grpc-timeout '{text}'"),
            };
        }

        var source = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        // CancelAfter takes at most ~49 days; a longer deadline is no deadline in practice.
        if (timeout is { } t && t < TimeSpan.FromDays(30))
        {
            source.CancelAfter(t);
        }

        return source;
    }

    private async Task DispatchAsync(HttpContext context, string path, CancellationToken cancellationToken)
    {
        if (path == HealthCheck)
        {
            var request = await ReadSingleAsync(context, HealthCheckRequest.Parser, cancellationToken).ConfigureAwait(false);
            if (request.Service is not ("" or "inference.GRPCInferenceService"))
            {
                throw new GrpcStatusException(5, $"unknown service '{request.Service}'");
            }

            var servingStatus = _service.IsReady ? HealthCheckResponse.Types.ServingStatus.Serving : HealthCheckResponse.Types.ServingStatus.NotServing;
            await WriteAsync(context.Response.BodyWriter, new HealthCheckResponse { Status = servingStatus }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!path.StartsWith(InferenceService, StringComparison.Ordinal))
        {
            throw new GrpcStatusException(12, $"unknown service for method {path}");
        }

        var method = path[InferenceService.Length..];
        if (method == "ModelStreamInfer")
        {
            await StreamInferAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        IMessage response = method switch
        {
            "ServerLive" => Unary(await ReadSingleAsync(context, ServerLiveRequest.Parser, cancellationToken).ConfigureAwait(false), _ => new ServerLiveResponse { Live = _service.IsLive }),
            "ServerReady" => Unary(await ReadSingleAsync(context, ServerReadyRequest.Parser, cancellationToken).ConfigureAwait(false), _ => new ServerReadyResponse { Ready = _service.IsReady }),
            "ModelReady" => Unary(await ReadSingleAsync(context, ModelReadyRequest.Parser, cancellationToken).ConfigureAwait(false), r => new ModelReadyResponse { Ready = _service.ModelReady(r.Name, r.Version) }),
            "ServerMetadata" => Unary(await ReadSingleAsync(context, ServerMetadataRequest.Parser, cancellationToken).ConfigureAwait(false), _ => _service.ServerMetadata()),
            "ModelMetadata" => Unary(await ReadSingleAsync(context, ModelMetadataRequest.Parser, cancellationToken).ConfigureAwait(false), r => _service.ModelMetadata(r.Name, r.Version)),
            "ModelConfig" => Unary(await ReadSingleAsync(context, ModelConfigRequest.Parser, cancellationToken).ConfigureAwait(false), r => new ModelConfigResponse { Config = _service.ModelConfiguration(r.Name, r.Version) }),
            "ModelStatistics" => Unary(await ReadSingleAsync(context, ModelStatisticsRequest.Parser, cancellationToken).ConfigureAwait(false), r => _service.Statistics(r.Name, r.Version)),
            "RepositoryIndex" => Unary(await ReadSingleAsync(context, RepositoryIndexRequest.Parser, cancellationToken).ConfigureAwait(false), r => _service.Index(r.Ready)),
            "ModelInfer" => await InferAsync(await ReadSingleAsync(context, ModelInferRequest.Parser, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            "RepositoryModelLoad" => await LoadAsync(await ReadSingleAsync(context, RepositoryModelLoadRequest.Parser, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            "RepositoryModelUnload" => await UnloadAsync(await ReadSingleAsync(context, RepositoryModelUnloadRequest.Parser, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false),
            "SystemSharedMemoryStatus" => Unary(await ReadSingleAsync(context, SystemSharedMemoryStatusRequest.Parser, cancellationToken).ConfigureAwait(false), _ => new SystemSharedMemoryStatusResponse()),
            "CudaSharedMemoryStatus" => Unary(await ReadSingleAsync(context, CudaSharedMemoryStatusRequest.Parser, cancellationToken).ConfigureAwait(false), _ => new CudaSharedMemoryStatusResponse()),
            "SystemSharedMemoryRegister" or "SystemSharedMemoryUnregister" or "CudaSharedMemoryRegister" or "CudaSharedMemoryUnregister" or "TraceSetting" or "LogSettings"
                => throw new ServeException(ServeErrorCode.Unsupported, $"{method} is not supported by Detserve"),
            _ => throw new GrpcStatusException(12, $"unknown method {method}"),
        };
        await WriteAsync(context.Response.BodyWriter, response, cancellationToken).ConfigureAwait(false);
    }

    private static TResponse Unary<TRequest, TResponse>(TRequest request, Func<TRequest, TResponse> handler) => handler(request);

    private async Task<IMessage> InferAsync(ModelInferRequest message, CancellationToken cancellationToken)
    {
        var response = await _service.InferAsync(GrpcInferCodec.ToRequest(message), cancellationToken).ConfigureAwait(false);
        return GrpcInferCodec.ToMessage(response);
    }

    private async Task<IMessage> LoadAsync(RepositoryModelLoadRequest request, CancellationToken cancellationToken)
    {
        if (request.Parameters.Keys.Any(k => k == "config" || k.StartsWith("file:", StringComparison.Ordinal)))
        {
            throw new ServeException(ServeErrorCode.Unsupported, "load with a config or file override is not supported; edit the repository instead");
        }

        await _service.Repository.LoadAsync(request.ModelName, cancellationToken).ConfigureAwait(false);
        return new RepositoryModelLoadResponse();
    }

    private async Task<IMessage> UnloadAsync(RepositoryModelUnloadRequest request, CancellationToken cancellationToken)
    {
        await _service.Repository.UnloadAsync(request.ModelName, cancellationToken).ConfigureAwait(false);
        return new RepositoryModelUnloadResponse();
    }

    /// <summary>
    /// ModelStreamInfer: every request on the stream is run as it arrives; each answer (or its error, in
    /// error_message, keeping the stream open) is written as soon as it is ready. The call ends after the
    /// client half-closes and every request read has been answered.
    /// </summary>
    private async Task StreamInferAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var reader = new GrpcMessageReader<ModelInferRequest>(context.Request.BodyReader, ModelInferRequest.Parser, _maxMessageBytes);
        var writeLock = new SemaphoreSlim(1, 1);
        var pending = new List<Task>();
        await context.Response.StartAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { } request)
        {
            pending.Add(AnswerStreamRequestAsync(context.Response.BodyWriter, writeLock, request, cancellationToken));
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    private async Task AnswerStreamRequestAsync(PipeWriter writer, SemaphoreSlim writeLock, ModelInferRequest request, CancellationToken cancellationToken)
    {
        ModelStreamInferResponse message;
        try
        {
            var response = await _service.InferAsync(GrpcInferCodec.ToRequest(request), cancellationToken).ConfigureAwait(false);
            message = new ModelStreamInferResponse { InferResponse = GrpcInferCodec.ToMessage(response) };
        }
        catch (ServeException e)
        {
            message = new ModelStreamInferResponse
            {
                ErrorMessage = e.Message,
                InferResponse = new ModelInferResponse { ModelName = request.ModelName, ModelVersion = request.ModelVersion, Id = request.Id },
            };
        }

        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAsync(writer, message, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            writeLock.Release();
        }
    }

    private async Task<T> ReadSingleAsync<T>(HttpContext context, MessageParser<T> parser, CancellationToken cancellationToken)
        where T : IMessage<T>
    {
        var reader = new GrpcMessageReader<T>(context.Request.BodyReader, parser, _maxMessageBytes);
        var message = await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new GrpcStatusException(13, "the request stream ended before the request message");
        return message;
    }

    private static async Task WriteAsync(PipeWriter writer, IMessage message, CancellationToken cancellationToken)
    {
        var size = message.CalculateSize();
        var span = writer.GetSpan(GrpcFrame.HeaderSize);
        GrpcFrame.WriteHeader(span, size);
        writer.Advance(GrpcFrame.HeaderSize);
        message.WriteTo((IBufferWriter<byte>)writer);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>grpc-message is percent-encoded: bytes outside printable ASCII, and '%' itself (PROTOCOL-HTTP2.md).</summary>
    public static string PercentEncode(string message)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }
}
