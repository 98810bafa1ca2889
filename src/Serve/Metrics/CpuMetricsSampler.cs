using System.Globalization;

namespace Detserve.Serve.Metrics;

/// <summary>
/// Samples /proc/stat's aggregate "cpu" line and /proc/meminfo; utilization is busy/total jiffies between two
/// samples. Returns null where /proc is missing (not Linux). One sampler per server; thread-safe.
/// </summary>
public sealed class CpuMetricsSampler
{
    private readonly object _gate = new();
    private long _lastBusy;
    private long _lastTotal;

    public CpuMetrics? Sample()
    {
        if (!File.Exists("/proc/stat") || !File.Exists("/proc/meminfo"))
        {
            return null;
        }

        var cpuLine = File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (cpuLine is null)
        {
            return null;
        }

        var fields = cpuLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal ...: idle time is idle + iowait.
        var total = fields.Take(8).Sum();
        var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        var busy = total - idle;
        double utilization;
        lock (_gate)
        {
            var deltaTotal = total - _lastTotal;
            utilization = deltaTotal > 0 ? Math.Clamp((double)(busy - _lastBusy) / deltaTotal, 0, 1) : 0;
            _lastBusy = busy;
            _lastTotal = total;
        }

        long memTotal = 0, memAvailable = 0;
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                memTotal = KiloBytes(line);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                memAvailable = KiloBytes(line);
            }
        }

        return new CpuMetrics(utilization, memTotal, memTotal - memAvailable);
    }

    private static long KiloBytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
}
