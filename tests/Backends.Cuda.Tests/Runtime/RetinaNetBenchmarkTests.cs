using System.Globalization;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Import.Model;
using Detserve.Runtime;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>
/// GpuBenchmark on a RetinaNet (the golden retinanet_R_50_FPN_narrow, seeded images): the same measurements as for Mask R-CNN, through
/// the RetinaNet detector, with the post-processing parts among the stage marks.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class RetinaNetBenchmarkTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("fp32", true)]
    [InlineData("fp16", false)]
    public void GpuBenchmark_TimesARetinaNet(string precision, bool graph)
    {
        ModelSpec spec = GoldenModel.Load(GoldenModel.RetinaNet);
        ModelGraph model = ModelGraphBuilder.Build(spec.Architecture, spec.Weights, out _);
        var options = new GpuBenchmarkOptions(2, 480, 640, precision, Warmup: 2, Iterations: 5, CudaGraph: graph);
        var lines = new List<string>();
        GpuBenchmarkResult r = GpuBenchmark.Run(model, options, lines.Add, TestContext.Current.CancellationToken);
        foreach (string line in lines) output.WriteLine(line);
        Assert.Equal(2, r.Batch);
        Assert.Equal(precision, r.Precision);
        Assert.Equal(5, r.ComputeMs.Count);
        Assert.Equal(5, r.HostLatencyMs.Count);
        Assert.All(r.ComputeMs, t => Assert.True(t > 0, string.Create(CultureInfo.InvariantCulture, $"compute {t} ms")));
        Assert.True(r.PeakDeviceMemoryBytes > 0, $"peak {r.PeakDeviceMemoryBytes} bytes");
        Assert.Equal(2, r.DetectionsPerImage.Count);
        Assert.All(r.DetectionsPerImage, d => Assert.InRange(d, 1, spec.Architecture.RetinaNet!.DetectionsPerImage));
        Assert.Equal(["preprocess", "backbone_fpn_head", "gather_levels", "inference"], r.StageMs.Keys);
        // The post-processing's parts (level_topk, decode, class_topk, nms) are timed as nodes of the "inference" stage.
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^node time sums .*inference [0-9.]+ \(4 nodes\)"));
    }
}
