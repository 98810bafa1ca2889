using System.Globalization;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;

// bench/cpu: Detserve's CPU engine on the bench spec (DESIGN.md): Mask R-CNN R50-FPN at zoo widths (80 classes), seeded weights with
// FrozenBN statistics from one forward pass, SCORE_THRESH_TEST 0.0 (100 detections), a fixed input size, matched threads.
// With --peer-json (the output of torchvision_peer.py run just before on the same machine) the JSON also carries the ratio.
//
// dotnet run -c Release --project bench/cpu -- [--config PATH] [--height 800 --width 1066] [--threads 2] [--runs 3] [--warmup 1]
//     [--peer-json peer.json] [--json out.json]
var options = new Dictionary<string, string>
{
    ["--config"] = FindZooConfig(),
    ["--height"] = "800",
    ["--width"] = "1066",
    ["--threads"] = "2",
    ["--runs"] = "3",
    ["--warmup"] = "1",
    ["--batch"] = "1",
    ["--seed"] = "0",
};
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
    options[args[i]] = args[i + 1];
}
int Int(string key) => int.Parse(options[key], CultureInfo.InvariantCulture);

CfgNode cfg = ConfigLoader.LoadFile(options["--config"], ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0"]);
ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
Console.WriteLine($"config {options["--config"]}: {arch.MetaArchitecture}, ResNet-{arch.Backbone.Depth}, {arch.RoiHeads?.NumClasses} classes");
var watch = System.Diagnostics.Stopwatch.StartNew();
IReadOnlyDictionary<string, HostTensor> weights = SeededModel.Generate(arch, Int("--seed"));
Console.WriteLine($"seeded weights + FrozenBN calibration: {watch.Elapsed.TotalSeconds:F1} s");

CpuBenchmarkResult result = CpuBenchmark.Run(arch, weights, Int("--height"), Int("--width"), Int("--batch"), Int("--warmup"), Int("--runs"), Int("--threads"), Console.WriteLine);
Console.WriteLine($"Detserve CPU ({result.Backend}): median {result.MedianSeconds:F3} s per batch of {result.Batch} at {result.Height}x{result.Width}, {result.Detections} detections");

var json = new Dictionary<string, object?>
{
    ["detserve"] = result,
};
if (options.TryGetValue("--peer-json", out string? peerPath))
{
    using JsonDocument peer = JsonDocument.Parse(File.ReadAllText(peerPath));
    double peerMedian = peer.RootElement.GetProperty("median_s").GetDouble();
    double peerCpu = peer.RootElement.GetProperty("median_cpu_s").GetDouble();
    double wallRatio = peerMedian / (result.MedianSeconds / result.Batch);
    double cpuRatio = peerCpu / (result.MedianCpuSeconds / result.Batch);
    json["peer"] = JsonSerializer.Deserialize<Dictionary<string, object>>(peer.RootElement.GetRawText());
    json["ratio_peer_over_detserve_wall"] = wallRatio;
    json["ratio_peer_over_detserve_cpu"] = cpuRatio;
    Console.WriteLine($"torchvision median {peerMedian:F3} s wall / {peerCpu:F3} s CPU per image -> Detserve is {wallRatio:F2}x faster (wall), {cpuRatio:F2}x (CPU time)");
}
string text = JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true });
if (options.TryGetValue("--json", out string? outPath)) File.WriteAllText(outPath, text);
Console.WriteLine(text);

static string FindZooConfig()
{
    string? golden = Environment.GetEnvironmentVariable("GOLDEN_DIR");
    for (string? dir = AppContext.BaseDirectory; golden is null && dir is not null; dir = Path.GetDirectoryName(dir))
        if (File.Exists(Path.Combine(dir, "Detserve.slnx"))) golden = Path.Combine(dir, "..", "shared", "golden");
    return Path.GetFullPath(Path.Combine(golden ?? ".", "zoo-configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_3x.yaml"));
}
