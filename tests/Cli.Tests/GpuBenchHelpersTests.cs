using System.Text.Json;
using Detserve.Cli.Commands.Bench;

namespace Detserve.Cli.Tests;

/// <summary>The GPU bench's CPU-side pieces: device and size parsing, statistics, the trtexec-style summary, the peer JSON and its ratios.</summary>
public sealed class GpuBenchHelpersTests
{
    // The shape bench/peers/torchvision_maskrcnn.py writes (trimmed to the fields the bench reads, plus one it ignores).
    private const string PeerJson = """
        {
          "peer": "torchvision maskrcnn_resnet50_fpn (eager)",
          "device": "NVIDIA H100 80GB HBM3",
          "torch": "2.11.0+cu130",
          "results": [
            {"batch": 1, "height": 1344, "width": 1344, "precision": "fp32", "gpu_ms": {"min": 85.0, "median": 90.0, "p99": 120.0}, "detections_per_image": [100]},
            {"batch": 1, "height": 1344, "width": 1344, "precision": "fp16", "gpu_ms": {"min": 80.0, "median": 88.0, "p99": 110.0}, "detections_per_image": [100]},
            {"batch": 8, "height": 800, "width": 1333, "precision": "fp32", "gpu_ms": {"median": 640.0}, "detections_per_image": [100, 100]}
          ]
        }
        """;

    [Theory]
    [InlineData("cpu", "cpu", false, -1)]
    [InlineData("cuda", "cuda", true, 0)]
    [InlineData("cuda:0", "cuda:0", true, 0)]
    [InlineData("cuda:3", "cuda:3", true, 3)]
    public void BenchDevice_ParsesCpuAndCudaDevices(string text, string name, bool isCuda, int ordinal)
    {
        BenchDevice d = BenchDevice.Parse(text);
        Assert.Equal(new BenchDevice(name, isCuda, ordinal), d);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("CUDA")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void BenchDevice_RejectsUnknownDevicesNamingTheValue(string text)
    {
        var e = Assert.Throws<CliException>(() => BenchDevice.Parse(text));
        Assert.Equal($"--device {text}: unknown device; expected cpu, cuda or cuda:N", e.Message);
    }

    [Fact]
    public void CheckPrecision_Fp16NeedsCuda()
    {
        Assert.Equal("fp16", BenchDevice.Parse("cuda:1").CheckPrecision("fp16"));
        Assert.Equal("fp32", BenchDevice.Parse("cpu").CheckPrecision("fp32"));
        Assert.Contains("needs --device cuda", Assert.Throws<CliException>(() => BenchDevice.Parse("cpu").CheckPrecision("fp16")).Message);
        Assert.Contains("expected fp32 or fp16", Assert.Throws<CliException>(() => BenchDevice.Parse("cuda").CheckPrecision("bf16")).Message);
    }

    [Fact]
    public void LatencyStats_MinMaxMeanMedianNearestRankP99()
    {
        // 1..200 ms shuffled: median (100 + 101) / 2, nearest-rank p99 = the 198th value.
        var values = Enumerable.Range(1, 200).Select(v => (double)v).OrderBy(v => (v * 7919) % 211).ToArray();
        LatencyStats s = LatencyStats.From(values, "test");
        Assert.Equal(new LatencyStats(1, 200, 100.5, 100.5, 198), s);

        LatencyStats odd = LatencyStats.From([5.0, 1.0, 3.0], "test");
        Assert.Equal(new LatencyStats(1, 5, 3, 3, 5), odd);
        Assert.Throws<CliException>(() => LatencyStats.From([], "empty"));
    }

    [Fact]
    public void PeerResults_RatiosArePeerMedianOverDetserveMedian()
    {
        PeerResults peer = PeerResults.Parse(PeerJson, "peer.json");
        Assert.Equal("NVIDIA H100 80GB HBM3", peer.Device);
        Assert.Equal(3, peer.Entries.Count);

        IReadOnlyList<PeerRatio> ratios = peer.Ratios(1, 1344, 1344, 4.0);
        Assert.Equal(2, ratios.Count);
        Assert.Equal(new PeerRatio(1, 1344, 1344, "fp32", 90.0, 4.0, 22.5), ratios[0]);
        Assert.Equal(new PeerRatio(1, 1344, 1344, "fp16", 88.0, 4.0, 22.0), ratios[1]);
        Assert.Equal("eager FP32", ratios[0].PeerMode);
        Assert.Equal("autocast FP16", ratios[1].PeerMode);
    }

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81079 MiB, driver 13.0)", true)]
    [InlineData("NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3", true)]
    [InlineData("NVIDIA H200", "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81079 MiB, driver 13.0)", false)]
    [InlineData("NVIDIA H100", "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81079 MiB, driver 13.0)", false)]
    public void SameDevice_MatchesThePeersNameAgainstDetservesDescription(string peer, string detserve, bool same) =>
        Assert.Equal(same, PeerResults.SameDevice(peer, detserve));

    [Fact]
    public void PeerResults_MissingConfigurationIsAnErrorNamingIt()
    {
        PeerResults peer = PeerResults.Parse(PeerJson, "peer.json");
        peer.RequireAll([(1, 1344, 1344)]);
        // batch 8 has no fp16 entry; 800x800 none at all.
        var e = Assert.Throws<CliException>(() => peer.RequireAll([(1, 1344, 1344), (8, 800, 1333)]));
        Assert.StartsWith("--peer-json peer.json: no fp16 result for batch 8 800x1333; the peer ran b1:1344x1344 fp32, b1:1344x1344 fp16, b8:800x1333 fp32", e.Message);
        Assert.Contains("no fp32 result for batch 1 800x800", Assert.Throws<CliException>(() => peer.Ratios(1, 800, 800, 1.0)).Message);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "$ must be an object")]
    [InlineData("{}", "$.results must be an array")]
    [InlineData("""{"results": [{"batch": 1, "height": 10, "width": 10, "precision": "fp32"}]}""", "$.results[0].gpu_ms must be an object")]
    [InlineData("""{"results": [{"batch": 0, "height": 10, "width": 10}]}""", "$.results[0].batch must be a positive integer")]
    [InlineData("""{"results": [{"batch": 1, "height": 10, "width": 10, "precision": "fp32", "gpu_ms": {"median": 0}}]}""", "$.results[0].gpu_ms.median must be a positive time")]
    public void PeerResults_MalformedFileIsAnErrorNamingThePath(string json, string expected)
    {
        var e = Assert.Throws<CliException>(() => PeerResults.Parse(json, "p.json"));
        Assert.StartsWith("--peer-json p.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Summary_IsTrtexecStyleWithDeviceThroughputAndRatios()
    {
        GpuBenchReport r = Report(detections: [100, 100], ratios: PeerResults.Parse(PeerJson, "peer.json").Ratios(1, 1344, 1344, 4.0));
        string text = GpuBenchFormat.Summary(r);
        string[] lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("=== 1344x1344 batch 2 on NVIDIA H100 80GB HBM3 (fp16, CUDA graph on) ===", lines[0]);
        // batch 2, median compute 4 ms -> 500 images/s; median host 5 ms -> 400 images/s.
        Assert.Equal("Throughput: 500.0 images/s (median GPU compute); 400.0 images/s (median host latency)", lines[1]);
        Assert.Equal("Latency (host): min = 4.500 ms, max = 6.000 ms, mean = 5.125 ms, median = 5.000 ms, percentile(99%) = 6.000 ms", lines[2]);
        Assert.Equal("GPU Compute Time: min = 3.000 ms, max = 5.000 ms, mean = 4.000 ms, median = 4.000 ms, percentile(99%) = 5.000 ms", lines[3]);
        Assert.Equal("Peak GPU memory: 1536.0 MiB", lines[4]);
        Assert.Equal("Detections per image: 100 (each of 2 images)", lines[5]);
        Assert.Equal("Stages (ms): backbone 2.500, roi_heads 1.250", lines[6]);
        Assert.Equal("Ratio vs peer eager FP32: 22.50x (peer median 90.00 ms / Detserve median 4.000 ms)", lines[7]);
        Assert.Equal("Ratio vs peer autocast FP16: 22.00x (peer median 88.00 ms / Detserve median 4.000 ms)", lines[8]);
        Assert.Equal(9, lines.Length);
        Assert.True(r.MeetsDetectionSpec);
    }

    [Fact]
    public void Summary_WarnsLoudlyWhenAnImageHasFewerThan100Detections()
    {
        GpuBenchReport r = Report(detections: [100, 3], ratios: []);
        Assert.False(r.MeetsDetectionSpec);
        string text = GpuBenchFormat.Summary(r);
        Assert.Contains("Detections per image: 100, 3\n", text);
        Assert.Contains("WARNING: the bench spec needs 100 detections per image but this run gave [100, 3]", text);
        Assert.DoesNotContain("Ratio", text);
    }

    [Fact]
    public void Json_CarriesStatsRatiosAndThePeer()
    {
        PeerResults peer = PeerResults.Parse(PeerJson, "peer.json");
        GpuBenchReport r = Report(detections: [100, 100], ratios: peer.Ratios(1, 1344, 1344, 4.0));
        using JsonDocument doc = JsonDocument.Parse(GpuBenchFormat.Json("cfg.yaml", "seeded:0", "cuda", "fp16", 10, 4, [r], peer));
        JsonElement root = doc.RootElement;
        Assert.Equal("NVIDIA H100 80GB HBM3", root.GetProperty("device_name").GetString());
        JsonElement result = root.GetProperty("results")[0];
        Assert.Equal(4.0, result.GetProperty("gpu_compute_ms").GetProperty("median").GetDouble());
        Assert.Equal(6.0, result.GetProperty("host_latency_ms").GetProperty("p99").GetDouble());
        Assert.Equal(500.0, result.GetProperty("throughput_images_per_s").GetDouble());
        Assert.Equal(1536L * 1024 * 1024, result.GetProperty("peak_device_memory_bytes").GetInt64());
        Assert.True(result.GetProperty("meets_detection_spec").GetBoolean());
        JsonElement ratios = result.GetProperty("ratios");
        Assert.Equal(22.5, ratios[0].GetProperty("ratio").GetDouble());
        Assert.Equal("autocast FP16", ratios[1].GetProperty("peer_mode").GetString());
        Assert.Equal(4, result.GetProperty("gpu_compute_times_ms").GetArrayLength());
        Assert.Equal("peer.json", root.GetProperty("peer").GetProperty("file").GetString());
    }

    [Fact]
    public void WithoutResize_MakesTheTestResizeTheIdentity()
    {
        var arch = Detserve.Import.Model.ArchitectureMapper.FromConfig(Detserve.Import.Config.ConfigLoader.LoadFile(Paths.SampleConfig, []));
        var a = BenchSpec.WithoutResize(arch, 1344, 1344);
        Assert.Equal((1344, 1344), (a.Input.MinSizeTest, a.Input.MaxSizeTest));
        var b = BenchSpec.WithoutResize(arch, 800, 1333);
        Assert.Equal((800, 1333), (b.Input.MinSizeTest, b.Input.MaxSizeTest));
        Assert.Equal((800, 1333), Detserve.Vision.ResizeShortestEdge.GetOutputShape(800, 1333, b.Input.MinSizeTest, b.Input.MaxSizeTest));
        Assert.Equal((1344, 1344), Detserve.Vision.ResizeShortestEdge.GetOutputShape(1344, 1344, a.Input.MinSizeTest, a.Input.MaxSizeTest));
        Assert.Equal(arch.Input.PixelMean, b.Input.PixelMean);
    }

    [Fact]
    public void ToReport_SummarizesTheRuntimesResultWithRatios()
    {
        var result = new Detserve.Runtime.GpuBenchmarkResult("NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 81079 MiB, driver 13.0)", 1, 1344, 1344, "fp16", true,
            ComputeMs: [6.0, 5.0, 4.0, 4.5, 5.5], HostLatencyMs: [7.0, 8.0, 9.0, 7.5, 8.5], PeakDeviceMemoryBytes: 900L << 20,
            DetectionsPerImage: [100], StageMs: new Dictionary<string, double> { ["paste_masks"] = 0.07 });
        GpuBenchReport r = GpuBenchRunner.ToReport(result, PeerResults.Parse(PeerJson, "peer.json"));
        Assert.Equal(new LatencyStats(4.0, 6.0, 5.0, 5.0, 6.0), r.Compute);
        Assert.Equal(new LatencyStats(7.0, 9.0, 8.0, 8.0, 9.0), r.Host);
        Assert.Equal([18.0, 17.6], r.Ratios.Select(x => Math.Round(x.Ratio, 6)));
        Assert.Equal(200.0, r.ComputeThroughput);
        Assert.True(r.MeetsDetectionSpec);
        Assert.Empty(GpuBenchRunner.ToReport(result, null).Ratios);
    }

    [Theory]
    [InlineData(null, "", true)]
    [InlineData(null, "detectron2://ImageNetPretrained/MSRA/R-50.pkl", true)]
    [InlineData(null, "https://dl.fbaipublicfiles.com/detectron2/model_final.pkl", true)]
    [InlineData(null, "/models/model_final.pkl", false)]
    [InlineData("/models/w.pkl", "", false)]
    [InlineData("/models/w.pkl", "detectron2://ImageNetPretrained/MSRA/R-50.pkl", false)]
    public void UsesSeededWeights_WithoutWeightsOrWithAUrl(string? weightsOption, string modelWeights, bool seeded) =>
        Assert.Equal(seeded, BenchSpec.UsesSeededWeights(weightsOption, modelWeights));

    private static GpuBenchReport Report(IReadOnlyList<int> detections, IReadOnlyList<PeerRatio> ratios)
    {
        double[] compute = [3.0, 4.0, 4.0, 5.0];
        double[] host = [4.5, 5.0, 5.0, 6.0];
        return new GpuBenchReport("NVIDIA H100 80GB HBM3", 2, 1344, 1344, "fp16", true,
            LatencyStats.From(compute, "c"), LatencyStats.From(host, "h"), 1536L * 1024 * 1024, detections,
            new Dictionary<string, double> { ["backbone"] = 2.5, ["roi_heads"] = 1.25 }, compute, host, ratios);
    }
}
