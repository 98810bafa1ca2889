using System.Text.Json;
using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Blas;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Native;
using Detserve.Backends.Cuda.Nvrtc;
using Detserve.Backends.Cuda.Ops;
using Detserve.Bench.Gpu;

// Per-op GPU timings of the CUDA backend at the bench spec's sizes (Mask R-CNN R50-FPN zoo widths, 1344x1344 input,
// 80 classes, SCORE_THRESH_TEST 0 so 1000 proposals x 80 classes reach the box-head NMS, 100 detections pasted at
// image size). Random inputs; the point is where the time goes, not accuracy (the GPU tests check that).
// usage: detserve-gpu-kernel-bench [--json out.json]
//        detserve-gpu-kernel-bench model [...]   (the whole model through GpuBenchmark; see ModelBench)
if (args is ["model", ..])
{
    ModelBench.Run(args[1..]);
    return;
}
string? jsonPath = args.Length >= 2 && args[0] == "--json" ? args[1] : null;
string? include = Environment.GetEnvironmentVariable("CUDA_INCLUDE_DIR");
using var device = CudaDevice.Open(0, CudaLibraryOptions.Default);
using var stream = device.CreateStream();
using var kernels = new KernelLibrary(device, NvrtcCacheOptions.Default, string.IsNullOrEmpty(include) ? [] : [include]);
using var cudnn = CudnnContext.Create(device);
using var cublas = CublasLtContext.Create(device);
Console.WriteLine($"device: {device.Describe()}; cuDNN {cudnn.Version}, cuBLASLt {cublas.Version}, NVRTC {kernels.Compiler.Version}");
var timer = new KernelTimer(device, stream);
var owned = new List<IDisposable>();
DeviceBuffer Buffer(long elements, int elementBytes = 4, int seed = 1, float low = -1f, float high = 1f)
{
    var buffer = device.Allocate(Math.Max(elements * elementBytes, 4));
    owned.Add(buffer);
    if (elementBytes == 4)
    {
        var rng = new Random(seed);
        var values = new float[elements];
        for (long i = 0; i < elements; i++) values[i] = low + ((float)rng.NextDouble() * (high - low));
        buffer.Upload<float>(values, stream);
    }
    else
    {
        buffer.Fill(0x3c, stream);
    }
    return buffer;
}

const int H = 1344, W = 1344;
// Preprocess: uint8 HWC -> normalised NCHW.
{
    var image = device.Allocate((long)H * W * 3);
    owned.Add(image);
    image.Fill(100, stream);
    var output = Buffer(3L * H * W);
    var pre32 = new PreprocessOp(kernels, false);
    var pre16 = new PreprocessOp(kernels, true);
    timer.Time("preprocess fp32", "1344x1344x3 u8 -> 3x1344x1344", s => pre32.Enqueue(image, H, W, output, 0, H, W, NormalizeParams.Detectron2BgrFromRgb, s));
    timer.Time("preprocess fp16", "1344x1344x3 u8 -> 3x1344x1344", s => pre16.Enqueue(image, H, W, output, 0, H, W, NormalizeParams.Detectron2BgrFromRgb, s));
}
// Stem max-pool and an FPN top-down step.
{
    var x = Buffer(64L * 672 * 672);
    var y = Buffer(64L * 336 * 336);
    var pool = new MaxPool2dOp(kernels);
    timer.Time("max_pool2d 3x3 s2 p1", "[1, 64, 672, 672]", s => pool.Enqueue(x, 1, 64, 672, 672, 3, 2, 1, y, s));
    var top = Buffer(256L * 168 * 168);
    var lateral = Buffer(256L * 336 * 336);
    var up = new UpsampleNearestAddOp(kernels);
    timer.Time("upsample_nearest2x_add", "top [1, 256, 168, 168]", s => up.Enqueue(top, lateral, 1, 256, 168, 168, lateral, s));
}
// Convolutions through cuDNN at representative layers.
foreach (var (name, spec, h, w) in new[]
{
    ("conv stem 7x7 s2 3->64 +relu", new Conv2dSpec(3, 64, 7, 7, 2, 2, 3, 3, Relu: true), 1344, 1344),
    ("conv res2 3x3 64->64 +relu", new Conv2dSpec(64, 64, 3, 3, 1, 1, 1, 1, Relu: true), 336, 336),
    ("conv res5 3x3 512->512 +relu", new Conv2dSpec(512, 512, 3, 3, 1, 1, 1, 1, Relu: true), 42, 42),
    ("conv fpn_output2 3x3 256->256", new Conv2dSpec(256, 256, 3, 3, 1, 1, 1, 1), 336, 336),
})
{
    foreach (var (precision, layout) in new[] { (ConvPrecision.Fp32, TensorLayout.Nchw), (ConvPrecision.Tf32, TensorLayout.Nchw), (ConvPrecision.Fp16, TensorLayout.Nhwc) })
    {
        int eb = precision == ConvPrecision.Fp16 ? 2 : 4;
        var conv = new CudnnConv2d(cudnn, spec, 1, h, w, precision, layout, hasBias: true, hasResidual: false);
        owned.Add(conv);
        var x = Buffer((long)spec.InChannels * h * w, eb);
        var wt = Buffer(spec.WeightLength, eb);
        var b = Buffer(spec.OutChannels, eb);
        var y = Buffer((long)spec.OutChannels * conv.OutHeight * conv.OutWidth, eb);
        var ws = conv.WorkspaceBytes > 0 ? Buffer(conv.WorkspaceBytes, 1) : null;
        timer.Time($"{name} {precision} {layout}", $"[1, {spec.InChannels}, {h}, {w}] algo {conv.Algorithm}", s => conv.Enqueue(x, wt, b, null, y, ws, s));
    }
}
// Box head GEMMs through cuBLASLt.
foreach (var (name, rows, inF, outF) in new[] { ("fc1 +relu", 1000, 12544, 1024), ("fc2 +relu", 1000, 1024, 1024), ("cls_score", 1000, 1024, 81) })
{
    foreach (var precision in new[] { GemmPrecision.Fp32, GemmPrecision.Tf32, GemmPrecision.Fp16 })
    {
        int eb = precision == GemmPrecision.Fp16 ? 2 : 4;
        var linear = new CublasLtLinear(cublas, rows, inF, outF, precision, hasBias: true, relu: name.Contains("relu", StringComparison.Ordinal));
        owned.Add(linear);
        var x = Buffer((long)rows * inF, eb);
        var wt = Buffer((long)inF * outF, eb);
        var b = Buffer(outF, eb);
        var y = Buffer((long)rows * outF, eb);
        var ws = linear.WorkspaceBytes > 0 ? Buffer(linear.WorkspaceBytes, 1) : null;
        timer.Time($"linear {name} {precision}", $"[{rows}, {inF}] -> {outF}", s => linear.Enqueue(x, wt, b, y, ws, s));
    }
}
// RPN post-processing at 1344x1344: levels p2..p6, 3 anchors, top 1000 per level, NMS 0.7, 1000 proposals.
(int, int)[] levels = [(336, 336), (168, 168), (84, 84), (42, 42), (21, 21)];
var rpn = new RpnProposalsOp(kernels, levels, 3, 1000, 1000, 0.7);
owned.Add(rpn);
{
    var objectness = Buffer(rpn.TotalAnchors, seed: 3, low: -8f, high: 8f);
    var deltas = Buffer(rpn.TotalAnchors * 4, seed: 4, low: -0.5f, high: 0.5f);
    var anchors = device.Allocate(rpn.TotalAnchors * 16);
    owned.Add(anchors);
    var anchorOp = new GridAnchorsOp(kernels);
    long offset = 0;
    double[] sizes = [32, 64, 128, 256, 512];
    int[] strides = [4, 8, 16, 32, 64];
    for (int l = 0; l < levels.Length; l++)
    {
        var cell = device.Allocate(48);
        owned.Add(cell);
        cell.Upload<float>(AnchorGenerator.CellAnchors([sizes[l]], [0.5, 1.0, 2.0]), stream);
        long n = (long)levels[l].Item1 * levels[l].Item2 * 3;
        anchorOp.Enqueue(cell, 3, levels[l].Item1, levels[l].Item2, strides[l], 0.0, anchors.Slice(offset * 16, n * 16), stream);
        offset += n;
    }
    var boxes = Buffer(4000);
    var logits = Buffer(1000);
    var count = Buffer(1);
    timer.Time("rpn proposals (top-k, decode, NMS 0.7)", $"{rpn.TotalAnchors} anchors -> 1000", s => rpn.Enqueue(objectness, deltas, anchors, H, W, boxes, logits, count, s));
    var counts = new int[1];
    count.Download<int>(counts, stream);
    Console.WriteLine($"    rpn kept {counts[0]} proposals");
    using var graph = stream.Capture(s => rpn.Enqueue(objectness, deltas, anchors, H, W, boxes, logits, count, s), "rpn");
    timer.Time("rpn proposals, CUDA graph replay", $"{rpn.TotalAnchors} anchors -> 1000", s => graph.Launch(s));
}
// Breakdown of the two post-processing stages: top-k alone on the RPN's rows, NMS alone at both sizes.
{
    long[] offsets = new long[levels.Length];
    int[] counts = new int[levels.Length];
    long total = 0;
    for (int l = 0; l < levels.Length; l++) { offsets[l] = total; counts[l] = levels[l].Item1 * levels[l].Item2 * 3; total += counts[l]; }
    var values = Buffer(total, seed: 11, low: -8f, high: 8f);
    var dOffsets = device.Allocate(offsets.Length * 8L);
    var dCounts = device.Allocate(counts.Length * 4L);
    owned.Add(dOffsets);
    owned.Add(dCounts);
    dOffsets.Upload<long>(offsets, stream);
    dCounts.Upload<int>(counts, stream);
    var topIdx = Buffer(5000);
    var topVal = Buffer(5000);
    var topCount = Buffer(5);
    var topk = new TopKOp(kernels, 1000);
    timer.Time("  top-k alone, RPN rows", "5 rows (338688 .. 1323) -> 1000", s => topk.Enqueue(values, dOffsets, dCounts, 5, 1000, null, topIdx, topVal, topCount, s));
    foreach (var (label, n, groupsCount, maxOut, iou) in new[] { ("  NMS alone, RPN-like", 5000, 5, 1000, 0.7), ("  NMS alone, box-head-like", 80000, 80, 100, 0.5) })
    {
        var rng = new Random(n);
        var boxes = new float[n * 4];
        var groups = new int[n];
        for (int i = 0; i < n; i++)
        {
            float x = (float)rng.NextDouble() * 1200, y = (float)rng.NextDouble() * 1200;
            boxes[i * 4] = x; boxes[i * 4 + 1] = y; boxes[i * 4 + 2] = x + 20 + (float)rng.NextDouble() * 300; boxes[i * 4 + 3] = y + 20 + (float)rng.NextDouble() * 300;
            groups[i] = i % groupsCount;
        }
        var dBoxes = device.Allocate(n * 16L);
        var dGroups = device.Allocate(n * 4L);
        var dCount = device.Allocate(4);
        owned.Add(dBoxes);
        owned.Add(dGroups);
        owned.Add(dCount);
        dBoxes.Upload<float>(boxes, stream);
        dGroups.Upload<int>(groups, stream);
        dCount.Upload<int>([n], stream);
        var scores = Buffer(n, seed: n + 1, low: 0f, high: 1f);
        var nmsOp = new BatchedNmsOp(kernels, n, groupsCount, n / groupsCount, maxOut);
        owned.Add(nmsOp);
        var keep = Buffer(maxOut);
        var keepCount = Buffer(1);
        timer.Time(label, $"{n} boxes, {groupsCount} groups, iou {iou}", s => nmsOp.Enqueue(dBoxes, scores, dGroups, dCount, iou, keep, keepCount, null, s));
    }
}
// Box-head inference at SCORE_THRESH_TEST 0: 1000 proposals x 80 classes.
{
    var fast = new FastRcnnInferenceOp(kernels, 1000, 80, [10f, 10f, 5f, 5f], 0.0f, 0.5, 100);
    owned.Add(fast);
    var rng = new Random(5);
    var proposals = new float[4000];
    for (int i = 0; i < 1000; i++)
    {
        float x = (float)rng.NextDouble() * 1200, y = (float)rng.NextDouble() * 1200;
        proposals[i * 4] = x; proposals[i * 4 + 1] = y; proposals[i * 4 + 2] = x + 20 + (float)rng.NextDouble() * 300; proposals[i * 4 + 3] = y + 20 + (float)rng.NextDouble() * 300;
    }
    var dProposals = device.Allocate(16000);
    owned.Add(dProposals);
    dProposals.Upload<float>(proposals, stream);
    var cls = Buffer(1000L * 81, seed: 6, low: -3f, high: 3f);
    var deltas = Buffer(1000L * 320, seed: 7, low: -1f, high: 1f);
    var rows = device.Allocate(4);
    owned.Add(rows);
    rows.Upload<int>([1000], stream);
    var detBoxes = Buffer(400);
    var detScores = Buffer(100);
    var detClasses = Buffer(100);
    var detCount = Buffer(1);
    timer.Time("box head inference (softmax, decode, NMS 0.5, top 100)", "1000 x 80 classes, thresh 0", s => fast.Enqueue(cls, deltas, dProposals, rows, H, W, detBoxes, detScores, detClasses, detCount, s));
    var counts = new int[1];
    detCount.Download<int>(counts, stream);
    Console.WriteLine($"    box head kept {counts[0]} detections");
    // Mask head gather + paste for those 100 detections.
    var maskLogits = Buffer(100L * 80 * 28 * 28, seed: 8, low: -4f, high: 4f);
    var probs = Buffer(100L * 28 * 28);
    var select = new MaskHeadSelectOp(kernels);
    timer.Time("mask head class gather + sigmoid", "100 x 80 x 28 x 28", s => select.Enqueue(maskLogits, detClasses, 100, 80, 28, probs, s));
    var pasted = device.Allocate(100L * H * W);
    owned.Add(pasted);
    var paste = new PasteMasksOp(kernels);
    timer.Time("paste masks at image size", "100 masks -> 100 x 1344 x 1344 u8", s => paste.Enqueue(probs, 100, 28, detBoxes, H, W, 0.5f, pasted, s));
    timer.Time("paste masks at image size, box regions (v2)", "100 masks -> 100 x 1344 x 1344 u8", s => paste.EnqueueRegions(probs, 100, 28, detBoxes, H, W, 0.5f, pasted, s));
}
// ROIAlign for the box head (1000 rois, 7x7) and the mask head (100 rois, 14x14) over p2..p5 with 256 channels.
{
    var feats = new List<DeviceFeatureLevel>();
    int[] strides = [4, 8, 16, 32];
    foreach (int s in strides) feats.Add(new DeviceFeatureLevel(Buffer(256L * (H / s) * (W / s), seed: s), H / s, W / s, 1f / s));
    var rng = new Random(9);
    var rois = new float[5000];
    for (int i = 0; i < 1000; i++)
    {
        float size = (float)Math.Exp(rng.NextDouble() * Math.Log(800)), x = (float)rng.NextDouble() * 1200, y = (float)rng.NextDouble() * 1200;
        rois[i * 5 + 1] = x; rois[i * 5 + 2] = y; rois[i * 5 + 3] = x + size; rois[i * 5 + 4] = y + size;
    }
    var dRois = device.Allocate(20000);
    owned.Add(dRois);
    dRois.Upload<float>(rois, stream);
    var roiOut = Buffer(1000L * 256 * 49);
    var maskOut = Buffer(100L * 256 * 196);
    var roi = new RoiAlignOp(kernels);
    timer.Time("roi_align box head", "1000 rois x 256 x 7 x 7, p2-p5", s => roi.Enqueue(feats, 1, 256, 2, dRois, 1000, 7, 0, true, roiOut, s));
    timer.Time("roi_align mask head", "100 rois x 256 x 14 x 14, p2-p5", s => roi.Enqueue(feats, 1, 256, 2, dRois, 100, 14, 0, true, maskOut, s));
}
stream.Synchronize();
Console.WriteLine($"NVRTC: {kernels.Compiler.Compilations} compiled, {kernels.Compiler.CacheHits} from the disk cache");
if (jsonPath is not null)
{
    var report = new { device = device.Describe(), cudnn = cudnn.Version, cublasLt = cublas.Version, nvrtc = kernels.Compiler.Version, results = timer.Results };
    File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
}
for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
