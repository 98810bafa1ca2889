using System.Globalization;
using System.Text.Json;
using Detserve.Graph;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;

namespace Detserve.Bench.Gpu;

/// <summary>
/// `detserve-gpu-kernel-bench model`: the whole Mask R-CNN (or, with --config, any model GpuBenchmark runs: a RetinaNet such as
/// COCO-Detection/retinanet_R_50_FPN_3x.yaml) on the GPU at the bench spec (DESIGN.md "Performance": zoo widths, 80 classes, seeded
/// weights, SCORE_THRESH_TEST 0.0 for the ROI heads and RetinaNet alike, so each image yields 100 detections) through
/// <see cref="GpuBenchmark"/>, for each (size, batch, precision, graph) asked for. INPUT.MIN_SIZE_TEST / MAX_SIZE_TEST are set to
/// each size's short / long side, so the seeded images of that size are not resized.
/// usage: model [--config PATH] [--size 1344x1344,800x1333] [--batch 1,8] [--precision fp16,fp32] [--graph on|off|both]
///              [--iterations 100] [--warmup 10] [--seed 0] [--json out.json]
/// </summary>
internal static class ModelBench
{
    public static void Run(string[] args)
    {
        var options = new Dictionary<string, string>
        {
            ["--size"] = "1344x1344",
            ["--batch"] = "1",
            ["--precision"] = "fp16",
            ["--graph"] = "on",
            ["--iterations"] = "100",
            ["--warmup"] = "10",
            ["--seed"] = "0",
        };
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{args[i]}'");
            options[args[i]] = args[i + 1];
        }
        string config = options.GetValueOrDefault("--config") ?? FindZooConfig();
        int Int(string key) => int.Parse(options[key], CultureInfo.InvariantCulture);
        bool[] graphs = options["--graph"] switch { "on" => [true], "off" => [false], "both" => [true, false], var g => throw new ArgumentException($"--graph {g}: use on, off or both") };

        var results = new List<GpuBenchmarkResult>();
        IReadOnlyDictionary<string, HostTensor>? weights = null;
        foreach (string size in options["--size"].Split(','))
        {
            string[] hw = size.Split('x');
            int height = int.Parse(hw[0], CultureInfo.InvariantCulture), width = int.Parse(hw[1], CultureInfo.InvariantCulture);
            CfgNode cfg = ConfigLoader.LoadFile(config, ["MODEL.ROI_HEADS.SCORE_THRESH_TEST", "0.0", "MODEL.RETINANET.SCORE_THRESH_TEST", "0.0",
                "INPUT.MIN_SIZE_TEST", Math.Min(height, width).ToString(CultureInfo.InvariantCulture),
                "INPUT.MAX_SIZE_TEST", Math.Max(height, width).ToString(CultureInfo.InvariantCulture)]);
            ArchitectureSpec arch = ArchitectureMapper.FromConfig(cfg);
            if (weights is null)
            {
                var watch = System.Diagnostics.Stopwatch.StartNew();
                weights = SeededModel.Generate(arch, Int("--seed"));
                Console.WriteLine($"config {config}: seeded weights + FrozenBN calibration in {watch.Elapsed.TotalSeconds:F1} s");
            }
            foreach (string batch in options["--batch"].Split(','))
                foreach (string precision in options["--precision"].Split(','))
                    foreach (bool graph in graphs)
                    {
                        var o = new GpuBenchmarkOptions(int.Parse(batch, CultureInfo.InvariantCulture), height, width, precision, Int("--warmup"), Int("--iterations"), "cuda", graph);
                        GpuBenchmarkResult r = GpuBenchmark.Run(arch, weights, o, Console.WriteLine);
                        results.Add(r);
                        double median = Median(r.ComputeMs);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"RESULT {r.Precision} batch {r.Batch} {r.Height}x{r.Width} graph {(r.CudaGraph ? "on" : "off")}: GPU compute median {median:F3} ms " +
                            $"(min {r.ComputeMs.Min():F3}, p99 {P99(r.ComputeMs):F3}) = {r.Batch * 1000 / median:F1} images/s; host latency median {Median(r.HostLatencyMs):F3} ms; " +
                            $"peak {r.PeakDeviceMemoryBytes / (1 << 20)} MiB; detections [{string.Join(", ", r.DetectionsPerImage)}]"));
                    }
        }
        string text = JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true });
        if (options.TryGetValue("--json", out string? path)) File.WriteAllText(path, text);
    }

    private static double Median(IReadOnlyList<double> values)
    {
        double[] s = values.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }

    private static double P99(IReadOnlyList<double> values)
    {
        double[] s = values.Order().ToArray();
        return s[Math.Min(s.Length - 1, (int)Math.Ceiling(0.99 * s.Length) - 1)];
    }

    private static string FindZooConfig()
    {
        string? golden = Environment.GetEnvironmentVariable("GOLDEN_DIR");
        for (string? dir = AppContext.BaseDirectory; golden is null && dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, "Detserve.slnx"))) golden = Path.Combine(dir, "..", "shared", "golden");
        return Path.GetFullPath(Path.Combine(golden ?? ".", "zoo-configs", "COCO-InstanceSegmentation", "mask_rcnn_R_50_FPN_3x.yaml"));
    }
}
