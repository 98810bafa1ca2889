using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Detserve.Serve.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Detserve.Serve.Http;

/// <summary>
/// The HTTP/REST endpoint (port 8000): KServe v2 routes plus Triton's extensions
/// (docs/protocol/README.md, extension_model_repository.md, extension_statistics.md, extension_binary_data.md).
/// Every failure is answered as {"error": "..."} with the status of <see cref="ServeErrorMapping.ToHttpStatus"/>.
/// </summary>
public sealed class HttpApi
{
    /// <summary>The binary tensor data extension's header: length of the JSON part of the body.</summary>
    public const string HeaderLengthName = "Inference-Header-Content-Length";

    private readonly InferenceService _service;
    private readonly long _maxBodyBytes;
    private readonly ILogger _logger;

    public HttpApi(InferenceService service, long maxBodyBytes, ILogger logger)
    {
        _service = service;
        _maxBodyBytes = Math.Min(maxBodyBytes, int.MaxValue - 1);
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await WriteErrorAsync(context, e.StatusCode, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var error = ServeErrorMapping.ToServeException(e);
            if (error.Code == ServeErrorCode.Internal)
            {
                Log.UnhandledError(_logger, context.Request.Path, e);
            }

            if (context.RequestAborted.IsCancellationRequested)
            {
                return;
            }

            await WriteErrorAsync(context, ServeErrorMapping.ToHttpStatus(error.Code), error.Message).ConfigureAwait(false);
        }
    }

    private async Task RouteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        var segments = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/');
        if (segments.Length == 0 || segments[0] != "v2")
        {
            await WriteErrorAsync(context, 404, "Not Found").ConfigureAwait(false);
            return;
        }

        switch (segments[1..])
        {
            case []:
                RequireMethod(method, "GET");
                await WriteJsonAsync(context, ProtoJson.ToNode(_service.ServerMetadata())).ConfigureAwait(false);
                return;
            case ["health", "live"]:
                RequireMethod(method, "GET");
                context.Response.StatusCode = _service.IsLive ? 200 : 400;
                return;
            case ["health", "ready"]:
                RequireMethod(method, "GET");
                context.Response.StatusCode = _service.IsReady ? 200 : 400;
                return;
            case ["models", "stats"]:
                RequireMethod(method, "GET");
                await WriteJsonAsync(context, ProtoJson.ToNode(_service.Statistics(string.Empty, string.Empty))).ConfigureAwait(false);
                return;
            case ["repository", "index"]:
                RequireMethod(method, "POST");
                await IndexAsync(context, cancellationToken).ConfigureAwait(false);
                return;
            case ["repository", "models", var model, "load"]:
                RequireMethod(method, "POST");
                await RejectConfigOverrideAsync(context, cancellationToken).ConfigureAwait(false);
                await _service.Repository.LoadAsync(model, cancellationToken).ConfigureAwait(false);
                context.Response.StatusCode = 200;
                return;
            case ["repository", "models", var model, "unload"]:
                RequireMethod(method, "POST");
                await _service.Repository.UnloadAsync(model, cancellationToken).ConfigureAwait(false);
                context.Response.StatusCode = 200;
                return;
            case ["models", var model, ..]:
                await ModelRouteAsync(context, method, model, segments[3..], cancellationToken).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, 404, "Not Found").ConfigureAwait(false);
                return;
        }
    }

    private async Task ModelRouteAsync(HttpContext context, string method, string model, string[] tail, CancellationToken cancellationToken)
    {
        var version = string.Empty;
        if (tail is ["versions", var v, ..])
        {
            version = v;
            tail = tail[2..];
        }

        switch (tail)
        {
            case []:
                RequireMethod(method, "GET");
                await WriteJsonAsync(context, ProtoJson.ToNode(_service.ModelMetadata(model, version))).ConfigureAwait(false);
                return;
            case ["ready"]:
                RequireMethod(method, "GET");
                context.Response.StatusCode = _service.ModelReady(model, version) ? 200 : 400;
                return;
            case ["config"]:
                RequireMethod(method, "GET");
                await WriteJsonAsync(context, ProtoJson.ToNode(_service.ModelConfiguration(model, version))).ConfigureAwait(false);
                return;
            case ["stats"]:
                RequireMethod(method, "GET");
                await WriteJsonAsync(context, ProtoJson.ToNode(_service.Statistics(model, version))).ConfigureAwait(false);
                return;
            case ["infer"]:
                RequireMethod(method, "POST");
                await InferAsync(context, model, version, cancellationToken).ConfigureAwait(false);
                return;
            default:
                await WriteErrorAsync(context, 404, "Not Found").ConfigureAwait(false);
                return;
        }
    }

    private async Task InferAsync(HttpContext context, string model, string version, CancellationToken cancellationToken)
    {
        long? headerLength = null;
        if (context.Request.Headers.TryGetValue(HeaderLengthName, out var headerValue))
        {
            headerLength = long.TryParse(headerValue.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
                ? parsed
                : throw ServeException.InvalidArgument($"{HeaderLengthName} '{headerValue}' is not a non-negative integer");
        }

        var body = await ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        var request = JsonInferenceRequestReader.Read(model, version, body, headerLength);
        var response = await _service.InferAsync(request, cancellationToken).ConfigureAwait(false);
        var encoded = JsonInferenceResponseWriter.Write(response, request);
        context.Response.StatusCode = 200;
        if (encoded.BinaryChunks.Count > 0)
        {
            context.Response.ContentType = "application/octet-stream";
            context.Response.Headers[HeaderLengthName] = encoded.Json.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            context.Response.ContentType = "application/json";
        }

        context.Response.ContentLength = encoded.Json.Length + encoded.BinaryLength;
        await context.Response.Body.WriteAsync(encoded.Json, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in encoded.BinaryChunks)
        {
            await context.Response.Body.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task IndexAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var readyOnly = false;
        var body = await ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        if (body.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonInferenceRequestReader.MaxDepth });
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("ready", out var ready))
                {
                    readyOnly = ready.ValueKind == JsonValueKind.True;
                }
            }
            catch (JsonException e)
            {
                throw ServeException.InvalidArgument($"failed to parse the request JSON buffer: {e.Message}");
            }
        }

        var index = (JsonObject)ProtoJson.ToNode(_service.Index(readyOnly));
        var models = (JsonArray)index["models"]!;
        foreach (var row in models.OfType<JsonObject>())
        {
            foreach (var key in new[] { "version", "state", "reason" })
            {
                if (row[key]?.GetValue<string>() is "")
                {
                    row.Remove(key);
                }
            }
        }

        index.Remove("models");
        await WriteJsonAsync(context, models).ConfigureAwait(false);
    }

    /// <summary>Triton lets a load request carry a replacement config ("parameters": {"config": ...}); Detserve reads configs from the repository only.</summary>
    private async Task RejectConfigOverrideAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(context, cancellationToken).ConfigureAwait(false);
        if (body.Length == 0)
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonInferenceRequestReader.MaxDepth });
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("parameters", out var parameters)
                && parameters.ValueKind == JsonValueKind.Object
                && parameters.EnumerateObject().Any(p => p.Name == "config" || p.Name.StartsWith("file:", StringComparison.Ordinal)))
            {
                throw new ServeException(ServeErrorCode.Unsupported, "load with a config or file override is not supported; edit the repository instead");
            }
        }
        catch (JsonException e)
        {
            throw ServeException.InvalidArgument($"failed to parse the request JSON buffer: {e.Message}");
        }
    }

    /// <summary>
    /// Reads the whole body (Kestrel enforces <see cref="Hosting.ServerOptions.HttpMaxBodyBytes"/>). The buffer starts at
    /// most 1 MiB whatever Content-Length claims, so a request cannot reserve memory it does not send.
    /// gzip and deflate bodies (Content-Encoding, as Triton's HTTP endpoint accepts) are inflated within the same limit.
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var declared = context.Request.ContentLength;
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        Stream body = encoding switch
        {
            "" or "identity" => context.Request.Body,
            "gzip" => new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true),
            "deflate" => new ZLibStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new ServeException(ServeErrorCode.Unsupported, $"unsupported Content-Encoding '{encoding}'"),
        };
        await using (body.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream(declared is { } length ? (int)Math.Min(length, 1 << 20) : 0);
            var chunk = new byte[81920];
            try
            {
                int read;
                while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > _maxBodyBytes)
                    {
                        throw ServeException.InvalidArgument($"the request body is larger than the {_maxBodyBytes}-byte limit");
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException e)
            {
                throw ServeException.InvalidArgument($"the {encoding} request body is corrupt: {e.Message}");
            }

            return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        }
    }

    private static void RequireMethod(string actual, string expected)
    {
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw ServeException.InvalidArgument($"this route needs {expected}, not {actual}");
        }
    }

    private static async Task WriteJsonAsync(HttpContext context, JsonNode node)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(node);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["error"] = message });
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, CancellationToken.None).ConfigureAwait(false);
    }
}
