using System.Globalization;
using System.Text.Json;

namespace Detserve.Cli.Commands.Bench;

/// <summary>
/// The JSON that bench/peers/torchvision_maskrcnn.py writes (--out): the peer's name, the device it ran on and one
/// entry per (batch, size, precision). <see cref="Ratios"/> turns a Detserve median into the ratios against
/// the peer's eager FP32 and autocast FP16 times of the same configuration.
/// </summary>
public sealed class PeerResults
{
    /// <summary>The peer modes every configuration must carry: eager FP32 and autocast FP16.</summary>
    public static readonly IReadOnlyList<string> Modes = ["fp32", "fp16"];

    private PeerResults(string source, string peer, string device, IReadOnlyList<PeerEntry> entries)
    {
        Source = source;
        Peer = peer;
        Device = device;
        Entries = entries;
    }

    /// <summary>The file it was read from (for messages).</summary>
    public string Source { get; }

    /// <summary>The peer's own description, e.g. "torchvision maskrcnn_resnet50_fpn (eager)".</summary>
    public string Peer { get; }

    /// <summary>torch.cuda.get_device_name(0) of the peer's run.</summary>
    public string Device { get; }

    public IReadOnlyList<PeerEntry> Entries { get; }

    /// <summary>Reads a peer JSON file; a missing field is a <see cref="CliException"/> naming the file and the JSON path.</summary>
    public static PeerResults Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--peer-json {path}: {e.Message}", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses peer JSON text; <paramref name="source"/> names it in errors.</summary>
    public static PeerResults Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CliException($"--peer-json {source}: not valid JSON ({e.Message})", e);
        }
        using (doc)
        {
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Missing(source, "$", "an object");
            string peer = root.TryGetProperty("peer", out JsonElement p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "peer";
            string device = root.TryGetProperty("device", out JsonElement d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "unknown device";
            if (!root.TryGetProperty("results", out JsonElement results) || results.ValueKind != JsonValueKind.Array)
                throw Missing(source, "$.results", "an array");
            var entries = new List<PeerEntry>();
            int i = 0;
            foreach (JsonElement r in results.EnumerateArray())
            {
                string at = $"$.results[{i++}]";
                if (r.ValueKind != JsonValueKind.Object) throw Missing(source, at, "an object");
                int batch = Int(r, "batch", source, at), height = Int(r, "height", source, at), width = Int(r, "width", source, at);
                string precision = r.TryGetProperty("precision", out JsonElement pr) && pr.ValueKind == JsonValueKind.String
                    ? pr.GetString()! : throw Missing(source, at + ".precision", "a string");
                if (!r.TryGetProperty("gpu_ms", out JsonElement gpu) || gpu.ValueKind != JsonValueKind.Object)
                    throw Missing(source, at + ".gpu_ms", "an object");
                double median = Number(gpu, "median", source, at + ".gpu_ms");
                double p99 = gpu.TryGetProperty("p99", out JsonElement q) && q.ValueKind == JsonValueKind.Number ? q.GetDouble() : double.NaN;
                var detections = new List<int>();
                if (r.TryGetProperty("detections_per_image", out JsonElement dets) && dets.ValueKind == JsonValueKind.Array)
                    foreach (JsonElement n in dets.EnumerateArray())
                        if (n.ValueKind == JsonValueKind.Number && n.TryGetInt32(out int v)) detections.Add(v);
                if (!(median > 0) || double.IsInfinity(median))
                    throw new CliException($"--peer-json {source}: {at}.gpu_ms.median must be a positive time, got {median.ToString(CultureInfo.InvariantCulture)}");
                entries.Add(new PeerEntry(batch, height, width, precision, median, p99, detections));
            }
            return new PeerResults(source, peer, device, entries);
        }
    }

    /// <summary>The entry for (batch, height x width, precision); a missing one is a <see cref="CliException"/> listing what the peer ran.</summary>
    public PeerEntry Find(int batch, int height, int width, string precision) =>
        Entries.FirstOrDefault(e => e.Batch == batch && e.Height == height && e.Width == width && e.Precision == precision)
        ?? throw new CliException(string.Create(CultureInfo.InvariantCulture,
            $"--peer-json {Source}: no {precision} result for batch {batch} {height}x{width}; the peer ran {Describe()} (run the peer with --configs b{batch}:{height}x{width} --precisions fp32,fp16)"));

    /// <summary>Checks, before any timing, that every (batch, size) of the bench has both peer modes.</summary>
    public void RequireAll(IEnumerable<(int Batch, int Height, int Width)> configurations)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        foreach (var (batch, height, width) in configurations)
            foreach (string mode in Modes)
                _ = Find(batch, height, width, mode);
    }

    /// <summary>
    /// Whether the peer's torch.cuda.get_device_name ("NVIDIA H100 80GB HBM3") names the device Detserve ran on; Detserve's
    /// description starts with the driver's same name and adds architecture, SMs and memory.
    /// </summary>
    public static bool SameDevice(string peerDevice, string detserveDevice)
    {
        ArgumentNullException.ThrowIfNull(peerDevice);
        ArgumentNullException.ThrowIfNull(detserveDevice);
        return detserveDevice == peerDevice || detserveDevice.StartsWith(peerDevice + " (", StringComparison.Ordinal);
    }

    /// <summary>ratio = peer median / <paramref name="detserveMedianMs"/> against eager FP32 and autocast FP16, in that order.</summary>
    public IReadOnlyList<PeerRatio> Ratios(int batch, int height, int width, double detserveMedianMs)
    {
        if (!(detserveMedianMs > 0)) throw new ArgumentOutOfRangeException(nameof(detserveMedianMs), detserveMedianMs, "Detserve's median must be positive");
        return Modes.Select(mode =>
        {
            PeerEntry e = Find(batch, height, width, mode);
            return new PeerRatio(batch, height, width, mode, e.MedianGpuMs, detserveMedianMs, e.MedianGpuMs / detserveMedianMs);
        }).ToArray();
    }

    private string Describe() =>
        Entries.Count == 0 ? "nothing" : string.Join(", ", Entries.Select(e => string.Create(CultureInfo.InvariantCulture, $"b{e.Batch}:{e.Height}x{e.Width} {e.Precision}")));

    private static int Int(JsonElement obj, string name, string source, string at) =>
        obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n > 0
            ? n : throw Missing(source, $"{at}.{name}", "a positive integer");

    private static double Number(JsonElement obj, string name, string source, string at) =>
        obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble() : throw Missing(source, $"{at}.{name}", "a number");

    private static CliException Missing(string source, string path, string what) =>
        new($"--peer-json {source}: {path} must be {what}");
}
