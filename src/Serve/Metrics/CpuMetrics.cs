
namespace Detserve.Serve.Metrics;

/// <summary>CPU utilization (over the interval since the previous sample) and RAM, read from /proc/stat and /proc/meminfo as Triton's CPU metrics do.</summary>
public sealed record CpuMetrics(double Utilization, long MemoryTotalBytes, long MemoryUsedBytes);
