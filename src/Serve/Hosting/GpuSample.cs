namespace Detserve.Serve.Hosting;

/// <summary>One GPU at one moment, as the metrics endpoint reports it (Triton labels GPU metrics by gpu_uuid).</summary>
/// <param name="Utilization">Fraction of the last sample period the GPU was busy, 0..1.</param>
public sealed record GpuSample(string Uuid, string Name, long MemoryTotalBytes, long MemoryUsedBytes, double Utilization);
