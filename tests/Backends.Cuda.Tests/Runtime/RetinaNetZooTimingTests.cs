using System.Globalization;
using Detserve.Graph;
using Detserve.Graph.Build;
using Detserve.Graph.Spec;
using Detserve.Import.Config;
using Detserve.Import.Model;
using Detserve.Runtime;
using Detserve.Runtime.Cuda;
using Detserve.Vision;

namespace Detserve.Backends.Cuda.Tests.Runtime;

/// <summary>
/// The model zoo's RetinaNet R50-FPN (80 classes, full widths) with seeded weights on one 800x1333 image at SCORE_THRESH_TEST 0.0, so
/// every level's TOPK_CANDIDATES_TEST candidates reach NMS (worst-case post-processing): graph replays are deterministic and give
/// DETECTIONS_PER_IMAGE detections, and the log carries the per-stage device times (CUDA events, op-by-op run) and the replay time.
/// </summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class RetinaNetZooTimingTests(ITestOutputHelper output)
{
    // fp32 only: with these seeded full-width weights (the RetinaNet head has no norm to calibrate) FP16 gave no score above 0.0 on
    // the H100 run of a1667d2 (0 detections, NMS overflow 0), most likely head activations beyond the float16 range; the golden
    // model's FP16 run matches Detectron2's AP (GpuGoldenApTests), so this is the seeded model's, not yet checked further.
    [Theory]
    [InlineData("fp32")]
    public void ZooRetinaNet_800x1333_ReplaysDeterministically_AndLogsStageTimes(string precision)
    {
        string? root = Golden.Directory();
        if (root is null) Assert.Skip("../shared/golden is not available (set GOLDEN_DIR)");
        string config = Path.Combine(root, "zoo-configs", "COCO-Detection", "retinanet_R_50_FPN_3x.yaml");
        if (!File.Exists(config)) Assert.Skip($"{config} is not available");
        ArchitectureSpec arch = ArchitectureMapper.FromConfig(ConfigLoader.LoadFile(config, ["MODEL.RETINANET.SCORE_THRESH_TEST", "0.0"]));
        ModelGraph model = ModelGraphBuilder.Build(arch, SeededModel.Generate(arch, 0, calibrationSize: 64), out _);
        using CudaRetinaNetDetector gpu = CudaRetinaNetDetector.Create(model, 0, GpuPrecisionName.Parse(precision));
        RgbImage resized = ImagePreprocessor.Resize(SeededModel.SeededImage(1333, 800, 1), arch.Input);
        var sizes = new[] { (resized.Height, resized.Width) };
        GpuRetinaNetPlan plan = gpu.Plan(gpu.KeyFor(sizes));
        plan.ImageSlot(0).Upload<byte>(resized.Pixels, gpu.Gpu.Stream);

        // Per-stage device times from events recorded after each stage of an op-by-op run.
        var marks = new List<(string Stage, CudaEvent Event)>();
        using CudaEvent start = gpu.Gpu.Device.CreateEvent(timing: true);
        start.Record(gpu.Gpu.Stream);
        plan.Enqueue(sizes, gpu.Gpu.Stream, stage =>
        {
            if (stage.StartsWith("dense/", StringComparison.Ordinal)) return;
            CudaEvent e = gpu.Gpu.Device.CreateEvent(timing: true);
            e.Record(gpu.Gpu.Stream);
            marks.Add((stage, e));
        });
        gpu.Gpu.Stream.Synchronize();
        var stages = new List<string>();
        CudaEvent previous = start;
        foreach ((string stage, CudaEvent e) in marks)
        {
            stages.Add(string.Create(CultureInfo.InvariantCulture, $"{stage} {CudaEvent.ElapsedMilliseconds(previous, e):F3} ms"));
            previous = e;
        }
        IReadOnlyList<(Detections Detections, float[]? Masks)> eager = gpu.Download(plan);
        foreach ((_, CudaEvent e) in marks) e.Dispose();

        plan.Launch(sizes, gpu.Gpu.Stream);
        gpu.Gpu.Stream.Synchronize();
        var times = new List<double>();
        for (int i = 0; i < 20; i++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            plan.Launch(sizes, gpu.Gpu.Stream);
            gpu.Gpu.Stream.Synchronize();
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        IReadOnlyList<(Detections Detections, float[]? Masks)> replay = gpu.Download(plan);
        times.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{gpu.Description}: zoo RetinaNet R50-FPN seeded, {resized.Height}x{resized.Width} (plan {plan.PaddedHeight}x{plan.PaddedWidth}), {replay[0].Detections.Count} detections; graph replay median {times[times.Count / 2]:F3} ms (host-timed, 20 runs); op-by-op stages: {string.Join(", ", stages)}; NMS overflow {plan.ReadNmsOverflow()}"));
        Assert.Equal(arch.RetinaNet!.DetectionsPerImage, replay[0].Detections.Count);
        Assert.Equal(eager[0].Detections.Labels, replay[0].Detections.Labels);
        Assert.Equal(eager[0].Detections.Boxes, replay[0].Detections.Boxes);
        Assert.Equal(eager[0].Detections.Scores, replay[0].Detections.Scores);
    }
}
