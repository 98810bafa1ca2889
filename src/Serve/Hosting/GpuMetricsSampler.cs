using System.Text;
using Detserve.Serve.Hosting.Nvml;

namespace Detserve.Serve.Hosting;

/// <summary>
/// Reads every GPU's memory and utilization through NVML for /metrics. Fails soft: without the NVIDIA driver (no
/// libnvidia-ml.so.1, as on CI) or when NVML does not initialise, <see cref="Sample"/> returns nothing and the endpoint carries
/// no GPU families, as Triton's does on a CPU-only machine. Owns the NVML session (nvmlInit / nvmlShutdown).
/// </summary>
public sealed class GpuMetricsSampler : IDisposable
{
    private const int Success = 0;
    private readonly Lock _gate = new();
    private bool _initialized;

    public GpuMetricsSampler()
    {
        try
        {
            _initialized = NvmlNative.Init() == Success;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            _initialized = false;
        }
    }

    /// <summary>True when NVML answered at start.</summary>
    public bool Available => _initialized;

    /// <summary>One sample per GPU NVML sees; empty without NVML. A device that fails a query is left out.</summary>
    public IReadOnlyList<GpuSample> Sample()
    {
        lock (_gate)
        {
            if (!_initialized || NvmlNative.DeviceGetCount(out uint count) != Success)
            {
                return [];
            }

            var samples = new List<GpuSample>((int)count);
            for (uint i = 0; i < count; i++)
            {
                if (NvmlNative.DeviceGetHandleByIndex(i, out nint device) != Success)
                {
                    continue;
                }

                var uuid = new byte[NvmlNative.UuidBufferSize];
                var name = new byte[NvmlNative.NameBufferSize];
                if (NvmlNative.DeviceGetUuid(device, uuid, (uint)uuid.Length) != Success
                    || NvmlNative.DeviceGetName(device, name, (uint)name.Length) != Success
                    || NvmlNative.DeviceGetMemoryInfo(device, out NvmlMemory memory) != Success)
                {
                    continue;
                }

                double utilization = NvmlNative.DeviceGetUtilizationRates(device, out NvmlUtilization rates) == Success ? rates.Gpu / 100.0 : 0;
                samples.Add(new GpuSample(CString(uuid), CString(name), (long)memory.Total, (long)memory.Used, utilization));
            }

            return samples;
        }
    }

    /// <summary>Triton's GPU families (metrics.cc): nv_gpu_utilization, nv_gpu_memory_total_bytes, nv_gpu_memory_used_bytes, per gpu_uuid.</summary>
    public static string Format(IReadOnlyList<GpuSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        Family(text, "nv_gpu_utilization", "GPU utilization rate [0.0 - 1.0)", samples, s => s.Utilization.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        Family(text, "nv_gpu_memory_total_bytes", "GPU total memory, in bytes", samples, s => s.MemoryTotalBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Family(text, "nv_gpu_memory_used_bytes", "GPU used memory, in bytes", samples, s => s.MemoryUsedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return text.ToString();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_initialized)
            {
                _initialized = false;
                _ = NvmlNative.Shutdown();
            }
        }
    }

    private static void Family(StringBuilder text, string name, string help, IReadOnlyList<GpuSample> samples, Func<GpuSample, string> value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach (var s in samples)
        {
            text.Append(name).Append("{gpu_uuid=\"").Append(Escape(s.Uuid)).Append("\"} ").Append(value(s)).Append('\n');
        }
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static string CString(byte[] bytes)
    {
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }
}
