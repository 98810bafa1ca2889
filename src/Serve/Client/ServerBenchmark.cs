using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Detserve.Serve.Core;
using Detserve.Serve.Protocol;
using Detserve.Vision;
using Google.Protobuf;

namespace Detserve.Serve.Client;

/// <summary>
/// A perf_analyzer-style load generator for a running server (HTTP or gRPC): for each concurrency level, that many
/// workers send requests back to back; latencies are measured per request on the client, and the model's statistics
/// are read before and after to split the server's time. The CLI's `detserve bench --server` prints <see cref="Format"/>.
/// </summary>
public sealed class ServerBenchmark : IDisposable
{
    private readonly ServerBenchmarkOptions _options;
    private readonly HttpClient _http;
    private readonly GrpcInferenceClient? _grpc;

    public ServerBenchmark(ServerBenchmarkOptions options)
    {
        _options = options;
        var isGrpc = options.Server.Scheme == "grpc";
        var address = new UriBuilder(options.Server) { Scheme = "http" }.Uri;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        _grpc = isGrpc ? new GrpcInferenceClient(address) : null;
    }

    public async Task<IReadOnlyList<ConcurrencyResult>> RunAsync(CancellationToken cancellationToken)
    {
        var inputs = await BuildInputsAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<ConcurrencyResult>();
        foreach (var concurrency in _options.Concurrency)
        {
            for (var i = 0; i < _options.WarmupRequests; i++)
            {
                await SendAsync(inputs, cancellationToken).ConfigureAwait(false);
            }

            var before = await StatisticsAsync(cancellationToken).ConfigureAwait(false);
            var latencies = new ConcurrentBag<double>();
            long errors = 0;
            var window = Stopwatch.StartNew();
            var stopAt = TimeSpan.FromSeconds(_options.MeasurementSeconds);
            var workers = Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (window.Elapsed < stopAt)
                {
                    var start = Stopwatch.GetTimestamp();
                    try
                    {
                        await SendAsync(inputs, cancellationToken).ConfigureAwait(false);
                        latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    }
                    catch (Exception e) when (e is HttpRequestException or GrpcCallException or ServeException)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
            }).ToArray();
            await Task.WhenAll(workers).ConfigureAwait(false);
            var elapsed = window.Elapsed.TotalSeconds;
            var after = await StatisticsAsync(cancellationToken).ConfigureAwait(false);
            var sorted = latencies.Order().ToArray();
            var served = Math.Max(1, after.Success.Count - before.Success.Count);
            double PerRequest(Func<InferStatistics, StatisticDuration> pick) => (pick(after).Ns - pick(before).Ns) / 1000.0 / served;
            results.Add(new ConcurrencyResult(
                concurrency,
                sorted.Length,
                errors,
                sorted.Length * _options.BatchSize / elapsed,
                sorted.Length == 0 ? 0 : sorted.Average(),
                Percentile(sorted, 50),
                Percentile(sorted, 90),
                Percentile(sorted, 95),
                Percentile(sorted, 99),
                PerRequest(s => s.Queue),
                PerRequest(s => s.ComputeInput),
                PerRequest(s => s.ComputeInfer),
                PerRequest(s => s.ComputeOutput)));
        }

        return results;
    }

    /// <summary>perf_analyzer-like lines, one per concurrency level.</summary>
    public static string Format(string model, IReadOnlyList<ConcurrencyResult> results)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Inferences/Second vs. Client p50/p90/p99 latency ({model})\n");
        foreach (var r in results)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"Concurrency: {r.Concurrency}, throughput: {r.ThroughputPerSecond:F2} infer/sec, latency p50 {r.P50Us:F0} usec, p90 {r.P90Us:F0} usec, p99 {r.P99Us:F0} usec ({r.Requests} requests, {r.Errors} errors)\n");
            text.Append(CultureInfo.InvariantCulture,
                $"  server: queue {r.ServerQueueUs:F0} usec, compute input {r.ServerComputeInputUs:F0} usec, compute infer {r.ServerComputeInferUs:F0} usec, compute output {r.ServerComputeOutputUs:F0} usec; overhead at p50 {r.ServerOverheadP50Us:F0} usec\n");
        }

        return text.ToString();
    }

    public void Dispose()
    {
        _http.Dispose();
        _grpc?.Dispose();
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        if (sorted.Count == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private async Task SendAsync(IReadOnlyList<InferTensor> inputs, CancellationToken cancellationToken)
    {
        if (_grpc is not null)
        {
            var request = new ModelInferRequest { ModelName = _options.Model, ModelVersion = _options.ModelVersion };
            foreach (var input in inputs)
            {
                request.Inputs.Add(new ModelInferRequest.Types.InferInputTensor { Name = input.Name, Datatype = TensorDataTypes.ToWire(input.DataType), Shape = { input.Shape } });
                request.RawInputContents.Add(UnsafeByteOperations.UnsafeWrap(input.Data));
            }

            await _grpc.ModelInferAsync(request, cancellationToken).ConfigureAwait(false);
            return;
        }

        var header = new JsonObject
        {
            ["inputs"] = new JsonArray(inputs.Select(i => (JsonNode)new JsonObject
            {
                ["name"] = i.Name,
                ["datatype"] = TensorDataTypes.ToWire(i.DataType),
                ["shape"] = new JsonArray(i.Shape.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["parameters"] = new JsonObject { ["binary_data_size"] = i.Data.Length },
            }).ToArray()),
            ["parameters"] = new JsonObject { ["binary_data_output"] = true },
        };
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var body = new byte[json.Length + inputs.Sum(i => i.Data.Length)];
        json.CopyTo(body, 0);
        var offset = json.Length;
        foreach (var input in inputs)
        {
            input.Data.Span.CopyTo(body.AsSpan(offset));
            offset += input.Data.Length;
        }

        using var content = new ByteArrayContent(body);
        content.Headers.Add("Inference-Header-Content-Length", json.Length.ToString(CultureInfo.InvariantCulture));
        var path = _options.ModelVersion.Length > 0 ? $"/v2/models/{_options.Model}/versions/{_options.ModelVersion}/infer" : $"/v2/models/{_options.Model}/infer";
        using var response = await _http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {Encoding.UTF8.GetString(bytes)}");
        }
    }

    private async Task<IReadOnlyList<InferTensor>> BuildInputsAsync(CancellationToken cancellationToken)
    {
        ModelMetadataResponse metadata;
        ModelConfig config;
        if (_grpc is not null)
        {
            metadata = await _grpc.UnaryAsync("ModelMetadata", new ModelMetadataRequest { Name = _options.Model, Version = _options.ModelVersion }, ModelMetadataResponse.Parser, cancellationToken).ConfigureAwait(false);
            config = (await _grpc.UnaryAsync("ModelConfig", new ModelConfigRequest { Name = _options.Model, Version = _options.ModelVersion }, ModelConfigResponse.Parser, cancellationToken).ConfigureAwait(false)).Config;
        }
        else
        {
            var prefix = _options.ModelVersion.Length > 0 ? $"/v2/models/{_options.Model}/versions/{_options.ModelVersion}" : $"/v2/models/{_options.Model}";
            var parser = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
            metadata = parser.Parse<ModelMetadataResponse>(await _http.GetStringAsync(prefix, cancellationToken).ConfigureAwait(false));
            config = parser.Parse<ModelConfig>(await _http.GetStringAsync(prefix + "/config", cancellationToken).ConfigureAwait(false));
        }

        var random = new Random(1234);
        var inputs = new List<InferTensor>();
        foreach (var input in metadata.Inputs)
        {
            var type = TensorDataTypes.Parse(input.Datatype, input.Name);
            var dims = input.Shape.ToArray();
            var batched = config.MaxBatchSize > 0;
            if (batched)
            {
                dims[0] = _options.BatchSize;
            }

            if (_options.InputFile is { } file && type == TensorDataType.Bytes)
            {
                var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
                var shape = dims.Select(d => d < 0 ? 1L : d).ToArray();
                inputs.Add(InferTensor.FromByteStrings(input.Name, shape, Enumerable.Repeat<ReadOnlyMemory<byte>>(bytes, (int)Shapes.ElementCount(shape, input.Name)).ToArray()));
                continue;
            }

            if (_options.InputFile is { } imageFile && type == TensorDataType.UInt8 && dims.Length >= 3 && dims[^1] == 3)
            {
                var image = ImageDecoder.DecodeFile(imageFile);
                long[] shape = batched ? [_options.BatchSize, image.Height, image.Width, 3] : [image.Height, image.Width, 3];
                var data = new byte[image.Pixels.Length * (batched ? _options.BatchSize : 1)];
                for (var b = 0; b < data.Length / image.Pixels.Length; b++)
                {
                    image.Pixels.CopyTo(data, b * image.Pixels.Length);
                }

                inputs.Add(new InferTensor(input.Name, type, shape, data));
                continue;
            }

            var concrete = dims.Select(d => d < 0 ? _options.VariableDimension : d).ToArray();
            if (type == TensorDataType.Bytes)
            {
                var count = (int)Shapes.ElementCount(concrete, input.Name);
                inputs.Add(InferTensor.FromByteStrings(input.Name, concrete, Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)new byte[16]).ToArray()));
                continue;
            }

            var buffer = new byte[Shapes.ByteSize(concrete, type, input.Name, 1L << 31)];
            random.NextBytes(buffer);
            if (type is TensorDataType.Fp32)
            {
                var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buffer.AsSpan());
                for (var i = 0; i < floats.Length; i++)
                {
                    floats[i] = (float)random.NextDouble();
                }
            }

            inputs.Add(new InferTensor(input.Name, type, concrete, buffer));
        }

        return inputs;
    }

    private async Task<InferStatistics> StatisticsAsync(CancellationToken cancellationToken)
    {
        ModelStatisticsResponse response;
        if (_grpc is not null)
        {
            response = await _grpc.UnaryAsync("ModelStatistics", new ModelStatisticsRequest { Name = _options.Model, Version = _options.ModelVersion }, ModelStatisticsResponse.Parser, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var path = _options.ModelVersion.Length > 0 ? $"/v2/models/{_options.Model}/versions/{_options.ModelVersion}/stats" : $"/v2/models/{_options.Model}/stats";
            response = new JsonParser(JsonParser.Settings.Default.WithIgnoreUnknownFields(true)).Parse<ModelStatisticsResponse>(await _http.GetStringAsync(path, cancellationToken).ConfigureAwait(false));
        }

        return response.ModelStats.LastOrDefault()?.InferenceStats ?? new InferStatistics { Success = new(), Queue = new(), ComputeInput = new(), ComputeInfer = new(), ComputeOutput = new() };
    }
}
