using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// The GPU bench's output: a trtexec-style summary per configuration (trtexec's "Throughput", "Latency" and "GPU Compute
/// Time" lines, min/max/mean/median/percentile(99%)) and the JSON document of --json.
/// </summary>
public static class GpuBenchFormat
{
    /// <summary>The summary block of one configuration, lines ending in '\n'.</summary>
    public static string Summary(GpuBenchReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(c, $"=== {r.Height}x{r.Width} batch {r.Batch} on {r.DeviceName} ({r.Precision}, CUDA graph {(r.CudaGraph ? "on" : "off")}) ===\n");
        s.Append(c, $"Throughput: {r.ComputeThroughput:F1} images/s (median GPU compute); {r.HostThroughput:F1} images/s (median host latency)\n");
        s.Append(c, $"Latency (host): {Stats(r.Host)}\n");
        s.Append(c, $"GPU Compute Time: {Stats(r.Compute)}\n");
        s.Append(c, $"Peak GPU memory: {r.PeakDeviceMemoryBytes / (1024.0 * 1024.0):F1} MiB\n");
        s.Append(c, $"Detections per image: {DetectionText(r.DetectionsPerImage)}\n");
        if (!r.MeetsDetectionSpec) s.Append(DetectionWarning(r)).Append('\n');
        if (r.StageMs.Count > 0)
            s.Append("Stages (ms): ").Append(string.Join(", ", r.StageMs.Select(p => string.Create(c, $"{p.Key} {p.Value:F3}")))).Append('\n');
        foreach (PeerRatio ratio in r.Ratios)
            s.Append(c, $"Ratio vs peer {ratio.PeerMode}: {ratio.Ratio:F2}x (peer median {ratio.PeerMedianMs:F2} ms / Detserve median {ratio.DetserveMedianMs:F3} ms)\n");
        return s.ToString();
    }

    /// <summary>The loud warning printed when an image did not yield the spec's 100 detections.</summary>
    public static string DetectionWarning(GpuBenchReport r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return $"WARNING: the bench spec needs {GpuBenchReport.SpecDetections} detections per image but this run gave [{string.Join(", ", r.DetectionsPerImage)}]: "
            + "the post-processing timed is lighter than the spec's (use seeded weights and MODEL.ROI_HEADS.SCORE_THRESH_TEST 0.0, or MODEL.RETINANET.SCORE_THRESH_TEST 0.0 for RetinaNet)";
    }

    /// <summary>The --json document: the run's inputs, one object per configuration, and the peer when one was compared.</summary>
    public static string Json(string config, string weights, string device, string precision, int warmup, int iterations,
        IReadOnlyList<GpuBenchReport> reports, PeerResults? peer)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var doc = new Dictionary<string, object?>
        {
            ["config"] = config,
            ["weights"] = weights,
            ["device"] = device,
            ["device_name"] = reports.Count > 0 ? reports[0].DeviceName : null,
            ["precision"] = precision,
            ["warmup"] = warmup,
            ["iterations"] = iterations,
            ["results"] = reports.Select(r => new Dictionary<string, object?>
            {
                ["batch"] = r.Batch,
                ["height"] = r.Height,
                ["width"] = r.Width,
                ["precision"] = r.Precision,
                ["cuda_graph"] = r.CudaGraph,
                ["gpu_compute_ms"] = StatsObject(r.Compute),
                ["host_latency_ms"] = StatsObject(r.Host),
                ["throughput_images_per_s"] = r.ComputeThroughput,
                ["host_throughput_images_per_s"] = r.HostThroughput,
                ["peak_device_memory_bytes"] = r.PeakDeviceMemoryBytes,
                ["detections_per_image"] = r.DetectionsPerImage,
                ["meets_detection_spec"] = r.MeetsDetectionSpec,
                ["stage_ms"] = r.StageMs,
                ["ratios"] = r.Ratios.Select(x => new Dictionary<string, object?>
                {
                    ["peer_precision"] = x.PeerPrecision,
                    ["peer_mode"] = x.PeerMode,
                    ["peer_median_ms"] = x.PeerMedianMs,
                    ["detserve_median_ms"] = x.DetserveMedianMs,
                    ["ratio"] = x.Ratio,
                }).ToArray(),
                ["gpu_compute_times_ms"] = r.ComputeMs,
                ["host_latency_times_ms"] = r.HostLatencyMs,
            }).ToArray(),
            ["peer"] = peer is null ? null : new Dictionary<string, object?> { ["file"] = peer.Source, ["peer"] = peer.Peer, ["device"] = peer.Device },
        };
        return JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static string Stats(LatencyStats s) => string.Create(CultureInfo.InvariantCulture,
        $"min = {s.Min:F3} ms, max = {s.Max:F3} ms, mean = {s.Mean:F3} ms, median = {s.Median:F3} ms, percentile(99%) = {s.P99:F3} ms");

    private static Dictionary<string, double> StatsObject(LatencyStats s) => new()
    {
        ["min"] = s.Min, ["max"] = s.Max, ["mean"] = s.Mean, ["median"] = s.Median, ["p99"] = s.P99,
    };

    private static string DetectionText(IReadOnlyList<int> detections)
    {
        if (detections.Count == 0) return "none reported";
        return detections.Distinct().Count() == 1
            ? $"{detections[0]} (each of {detections.Count} image{(detections.Count == 1 ? "" : "s")})"
            : string.Join(", ", detections);
    }
}
