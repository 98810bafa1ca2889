using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Detserve.Serve.Grpc;
using Detserve.Serve.Protocol;
using Google.Protobuf;

namespace Detserve.Serve.Client;

/// <summary>
/// A small gRPC client for inference.GRPCInferenceService over HttpClient with HTTP/2 prior knowledge (h2c):
/// unary calls and ModelStreamInfer. Used by `detserve bench` and by the server's own acceptance tests.
/// Owns its HttpClient.
/// </summary>
public sealed class GrpcInferenceClient : IDisposable
{
    private const string Service = "/inference.GRPCInferenceService/";

    private readonly HttpClient _http;
    private readonly int _maxMessageBytes;
    private readonly TimeSpan? _deadline;

    /// <param name="address">http://host:port of the gRPC endpoint.</param>
    /// <param name="maxMessageBytes">Largest response message accepted.</param>
    /// <param name="deadline">Sent as grpc-timeout on every call (the server answers DEADLINE_EXCEEDED past it).</param>
    public GrpcInferenceClient(Uri address, int maxMessageBytes = 1 << 30, TimeSpan? deadline = null)
    {
        _deadline = deadline;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            InitialHttp2StreamWindowSize = 8 * 1024 * 1024,
        };
        _http = new HttpClient(handler) { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        _maxMessageBytes = maxMessageBytes;
    }

    public Task<ModelInferResponse> ModelInferAsync(ModelInferRequest request, CancellationToken cancellationToken = default) =>
        UnaryAsync("ModelInfer", request, ModelInferResponse.Parser, cancellationToken);

    /// <summary>Calls <paramref name="method"/> of GRPCInferenceService (or a full path starting with '/').</summary>
    public async Task<TResponse> UnaryAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, CancellationToken cancellationToken = default)
        where TResponse : IMessage<TResponse>
    {
        var responses = await CallAsync(method, [request], parser, cancellationToken).ConfigureAwait(false);
        return responses.Count == 1
            ? responses[0]
            : throw new GrpcCallException(method, 13, $"expected one response message, got {responses.Count}");
    }

    /// <summary>ModelStreamInfer: sends every request on one stream, half-closes, and returns every response in arrival order.</summary>
    public Task<IReadOnlyList<ModelStreamInferResponse>> StreamInferAsync(IReadOnlyList<ModelInferRequest> requests, CancellationToken cancellationToken = default) =>
        CallAsync("ModelStreamInfer", requests, ModelStreamInferResponse.Parser, cancellationToken);

    public void Dispose() => _http.Dispose();

    private async Task<IReadOnlyList<TResponse>> CallAsync<TResponse>(string method, IReadOnlyList<IMessage> requests, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        var path = method.StartsWith('/') ? method : Service + method;
        using var body = new MemoryStream();
        foreach (var request in requests)
        {
            var header = new byte[GrpcFrame.HeaderSize];
            GrpcFrame.WriteHeader(header, request.CalculateSize());
            body.Write(header);
            request.WriteTo(body);
        }

        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (_deadline is { } deadline)
        {
            message.Headers.TryAddWithoutValidation("grpc-timeout", ((long)Math.Ceiling(deadline.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) + "m");
        }

        using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new GrpcCallException(method, 13, $"HTTP status {(int)response.StatusCode}");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var status = Header(response, "grpc-status") ?? throw new GrpcCallException(method, 13, "the response has no grpc-status");
        if (status != "0")
        {
            throw new GrpcCallException(method, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), PercentDecode(Header(response, "grpc-message") ?? string.Empty));
        }

        var results = new List<TResponse>();
        var buffer = new ReadOnlySequence<byte>(bytes);
        while (GrpcFrame.TryRead(ref buffer, _maxMessageBytes, out var payload))
        {
            results.Add(parser.ParseFrom(payload));
        }

        if (buffer.Length > 0)
        {
            throw new GrpcCallException(method, 13, $"{buffer.Length} trailing bytes after the last response message");
        }

        return results;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values) ? values.FirstOrDefault() : null;

    private static string PercentDecode(string value)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length && byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)value[i]);
            }
        }

        return System.Text.Encoding.UTF8.GetString(bytes.ToArray());
    }

}
