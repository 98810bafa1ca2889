namespace Detserve.Serve.Client;

/// <summary>
/// `detserve bench --server URL --model M --concurrency 1,8,32`: the server URL is http://host:port (KServe HTTP with
/// binary tensors) or grpc://host:port (gRPC); <see cref="InputFile"/> is an image (sent as encoded bytes to a BYTES
/// input, or decoded to pixels for a UINT8 [H, W, 3] input); without it inputs are seeded random data, with every
/// variable dimension set to <see cref="VariableDimension"/>. Each concurrency level runs <see cref="WarmupRequests"/>
/// unmeasured requests, then measures for <see cref="MeasurementSeconds"/> (perf_analyzer's measurement window).
/// </summary>
public sealed record ServerBenchmarkOptions
{
    public required Uri Server { get; init; }

    public required string Model { get; init; }

    public string ModelVersion { get; init; } = string.Empty;

    public IReadOnlyList<int> Concurrency { get; init; } = [1];

    public string? InputFile { get; init; }

    public int VariableDimension { get; init; } = 64;

    public int BatchSize { get; init; } = 1;

    public int WarmupRequests { get; init; } = 5;

    public double MeasurementSeconds { get; init; } = 5;
}
