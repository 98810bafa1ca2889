namespace Detserve.Serve.Hosting;

/// <summary>One GPU the server may place KIND_GPU instances on.</summary>
/// <param name="Index">CUDA device ordinal (instance_group gpus: [N]).</param>
/// <param name="Name">The driver's name for it, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="TotalMemoryBytes">Device memory (cuDeviceTotalMem).</param>
public sealed record GpuDevice(int Index, string Name, long TotalMemoryBytes);
