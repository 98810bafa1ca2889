using System.Text.Json;
using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda.Ops;

namespace Detserve.Backends.Cuda.Tests.Gpu;

/// <summary>The GPU's RPN and box-head post-processing against Detectron2's own stage tensors (../shared/golden).</summary>
[Collection("gpu")]
[Trait("gpu", "true")]
public sealed class GoldenStageTests(GpuFixture gpu, ITestOutputHelper output)
{
    private static readonly int[] Strides = [4, 8, 16, 32, 64];
    private static readonly double[] Sizes = [32, 64, 128, 256, 512];

    private static (int Height, int Width) ResizedSize(string dir) => Size(dir, "resized_hw");

    private static (int Height, int Width) Size(string dir, string key)
    {
        using var meta = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "meta.json")));
        var hw = meta.RootElement.GetProperty(key);
        return (hw[0].GetInt32(), hw[1].GetInt32());
    }

    [Theory]
    [InlineData("t10_256x256")]
    [InlineData("t04_96x64")]
    public void RpnProposals_MatchDetectron2(string image)
    {
        string dir = Golden.MaskRcnnStage(image);
        var (imageH, imageW) = ResizedSize(dir);
        const int a = 3;
        var levels = new List<(int Height, int Width)>();
        var objectness = new List<float>();
        var deltas = new List<float>();
        for (int l = 0; l < 5; l++)
        {
            var (shape, obj) = Npy.ReadFloat32(Path.Combine(dir, $"rpn_objectness_p{l + 2}.npy"));
            var (_, del) = Npy.ReadFloat32(Path.Combine(dir, $"rpn_deltas_p{l + 2}.npy"));
            levels.Add((shape[2], shape[3]));
            objectness.AddRange(obj);
            deltas.AddRange(del);
        }
        var (_, expectedBoxes) = Npy.ReadFloat32(Path.Combine(dir, "rpn_proposals_xyxy.npy"));
        var (_, expectedLogits) = Npy.ReadFloat32(Path.Combine(dir, "rpn_proposals_logits.npy"));

        using var op = new RpnProposalsOp(gpu.Kernels, levels, a, preNmsTopK: 1000, postNmsTopK: 1000, nmsThreshold: 0.7);
        using var dObj = gpu.Upload<float>(objectness.ToArray());
        using var dDel = gpu.Upload<float>(deltas.ToArray());
        using var dAnchors = gpu.Device.Allocate(op.TotalAnchors * 16);
        var anchorsOp = new GridAnchorsOp(gpu.Kernels);
        long offset = 0;
        var cells = new List<DeviceBuffer>();
        for (int l = 0; l < 5; l++)
        {
            float[] cell = AnchorGenerator.CellAnchors([Sizes[l]], [0.5, 1.0, 2.0]);
            var dCell = gpu.Upload<float>(cell);
            cells.Add(dCell);
            long n = (long)levels[l].Height * levels[l].Width * a;
            anchorsOp.Enqueue(dCell, a, levels[l].Height, levels[l].Width, Strides[l], 0.0, dAnchors.Slice(offset * 16, n * 16), gpu.Stream);
            offset += n;
        }
        using var dBoxes = gpu.Poisoned(4000);
        using var dLogits = gpu.Poisoned(1000);
        using var dCount = gpu.Device.Allocate(4);
        op.Enqueue(dObj, dDel, dAnchors, imageH, imageW, dBoxes, dLogits, dCount, gpu.Stream);
        var count = new int[1];
        dCount.Download<int>(count, gpu.Stream);
        foreach (var c in cells) c.Dispose();
        string p = $"{image}: resized {imageH}x{imageW}, levels {string.Join(" ", levels)}";
        output.WriteLine($"{p}: {count[0]} proposals (Detectron2 {expectedLogits.Length})");
        Assert.True(count[0] == expectedLogits.Length, $"RpnProposals ({p}): {count[0]} proposals, Detectron2 has {expectedLogits.Length}");
        Parity.AssertClose("RpnProposals logits", p, expectedLogits, gpu.Download(dLogits, count[0]), 0f, 0f);
        Parity.AssertClose("RpnProposals boxes", p, expectedBoxes, gpu.Download(dBoxes, count[0] * 4L), 1e-3f, 1e-5f);
    }

    [Theory]
    [InlineData("t10_256x256")]
    [InlineData("t04_96x64")]
    public void FastRcnnInference_MatchesDetectron2Detections(string image)
    {
        string dir = Golden.MaskRcnnStage(image);
        var (imageH, imageW) = ResizedSize(dir);
        var (logitShape, logits) = Npy.ReadFloat32(Path.Combine(dir, "box_cls_logits.npy"));
        var (_, deltas) = Npy.ReadFloat32(Path.Combine(dir, "box_deltas.npy"));
        var (_, proposals) = Npy.ReadFloat32(Path.Combine(dir, "rpn_proposals_xyxy.npy"));
        var (_, expectedBoxes) = Npy.ReadFloat32(Path.Combine(dir, "det_boxes_xyxy_input.npy"));
        var (_, expectedScores) = Npy.ReadFloat32(Path.Combine(dir, "det_scores.npy"));
        var (_, expectedClasses) = Npy.ReadInt64(Path.Combine(dir, "det_classes.npy"));
        int rows = logitShape[0], numClasses = logitShape[1] - 1;
        const int maxRows = 1000;
        // Fixed capacity: pad the inputs to maxRows with NaN rows that the row count must hide.
        float[] Pad(float[] data, int perRow)
        {
            var padded = new float[maxRows * perRow];
            Array.Fill(padded, float.NaN);
            data.CopyTo(padded, 0);
            return padded;
        }
        using var op = new FastRcnnInferenceOp(gpu.Kernels, maxRows, numClasses, [10f, 10f, 5f, 5f], 0.05f, 0.5, 100);
        using var dLogits = gpu.Upload<float>(Pad(logits, numClasses + 1));
        using var dDeltas = gpu.Upload<float>(Pad(deltas, numClasses * 4));
        using var dProposals = gpu.Upload<float>(Pad(proposals, 4));
        using var dRows = gpu.Upload<int>([rows]);
        using var dBoxes = gpu.Poisoned(400);
        using var dScores = gpu.Poisoned(100);
        using var dClasses = gpu.Device.Allocate(400);
        using var dCount = gpu.Device.Allocate(4);
        op.Enqueue(dLogits, dDeltas, dProposals, dRows, imageH, imageW, dBoxes, dScores, dClasses, dCount, gpu.Stream);
        var count = new int[1];
        dCount.Download<int>(count, gpu.Stream);
        var classes = new int[100];
        dClasses.Download<int>(classes, gpu.Stream);
        string p = $"{image}: {rows} proposals, {numClasses} classes, resized {imageH}x{imageW}";
        output.WriteLine($"{p}: {count[0]} detections (Detectron2 {expectedScores.Length})");
        Assert.True(count[0] == expectedScores.Length, $"FastRcnnInference ({p}): {count[0]} detections, Detectron2 has {expectedScores.Length}");
        Parity.AssertEqual("FastRcnnInference classes", p, expectedClasses.Select(c => (int)c).ToArray().AsSpan(), classes.AsSpan(0, count[0]));
        Parity.AssertClose("FastRcnnInference scores", p, expectedScores, gpu.Download(dScores, count[0]), 1e-6f, 1e-5f);
        // det_boxes_xyxy_input.npy holds the boxes after detector_postprocess: Boxes.scale works in place on the
        // tensor the reference kit saved, so compare after the same rescale (x * float(out_w / resized_w)) and clip.
        var (origH, origW) = Size(dir, "original_hw");
        float scaleX = (float)((double)origW / imageW), scaleY = (float)((double)origH / imageH);
        float[] boxes = gpu.Download(dBoxes, count[0] * 4L);
        for (int i = 0; i < count[0]; i++)
        {
            boxes[i * 4] *= scaleX; boxes[i * 4 + 2] *= scaleX;
            boxes[i * 4 + 1] *= scaleY; boxes[i * 4 + 3] *= scaleY;
        }
        Boxes.Clip(boxes, count[0], origH, origW);
        Parity.AssertClose("FastRcnnInference boxes (rescaled to the original image)", p, expectedBoxes, boxes, 1e-3f, 1e-5f);
        Assert.All(classes.Skip(count[0]), c => Assert.Equal(-1, c));
    }
}
