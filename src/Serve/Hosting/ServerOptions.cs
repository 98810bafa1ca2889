using Detserve.Serve.Backends;

namespace Detserve.Serve.Hosting;

/// <summary>
/// Everything `detserve serve` accepts, with Triton's defaults: ports 8000 (HTTP), 8001 (gRPC), 8002 (metrics),
/// a port of 0 binds an ephemeral port (see <see cref="InferenceServer.HttpPort"/>); model control mode "none";
/// --load-model names (or "*") for explicit mode; repository poll every 15 s; 30 s to finish accepted requests
/// on shutdown. Message-size limits default to 1 GiB so large encoded images and raw tensors fit.
/// <see cref="Backends"/> adds backends beside the built-in ones (tests register deterministic ones here).
/// </summary>
public sealed record ServerOptions
{
    public required string ModelRepository { get; init; }

    public string BindAddress { get; init; } = "0.0.0.0";

    public int HttpPort { get; init; } = 8000;

    public int GrpcPort { get; init; } = 8001;

    public int MetricsPort { get; init; } = 8002;

    public bool AllowHttp { get; init; } = true;

    public bool AllowGrpc { get; init; } = true;

    public bool AllowMetrics { get; init; } = true;

    public ModelControlMode ModelControlMode { get; init; } = ModelControlMode.None;

    public IReadOnlyList<string> LoadModels { get; init; } = [];

    public int RepositoryPollSeconds { get; init; } = 15;

    /// <summary>Triton's --strict-model-config: when true, a model without config.pbtxt is not auto-completed.</summary>
    public bool StrictModelConfig { get; init; }

    public TimeSpan ExitTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public int GrpcMaxMessageBytes { get; init; } = 1 << 30;

    public long HttpMaxBodyBytes { get; init; } = 1L << 30;

    /// <summary>
    /// CUDA device ordinals instance groups of kind GPU may use. Null (the default) asks <see cref="GpuProbe"/>; an empty list
    /// means a CPU-only server whatever the machine has.
    /// </summary>
    public IReadOnlyList<int>? GpuDeviceIds { get; init; }

    /// <summary>How the GPUs are found when <see cref="GpuDeviceIds"/> is null; null = the CUDA backend's device count (<see cref="CudaGpuProbe"/>).</summary>
    public IGpuProbe? GpuProbe { get; init; }

    public IReadOnlyList<IModelBackend> Backends { get; init; } = [];

    public string ServerName { get; init; } = "detserve";

    public string ServerVersion { get; init; } = "0.1.0";
}
