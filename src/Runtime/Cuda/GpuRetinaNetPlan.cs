using Detserve.Backends.Cpu;
using Detserve.Backends.Cuda;
using Detserve.Backends.Cuda.Dnn;
using Detserve.Backends.Cuda.Ops;
using Detserve.Graph;
using Detserve.Graph.Compile;
using Detserve.Graph.Spec;

namespace Detserve.Runtime.Cuda;

/// <summary>
/// RetinaNet (detectron2/modeling/meta_arch/retinanet.py inference) on the GPU for one (batch, padded height, padded width):
/// preprocess from uint8 images on the device, backbone + FPN (P3-P7) + RetinaNetHead cls/bbox subnets (the dense graph), the head
/// outputs gathered per image as float32 NCHW, then <see cref="RetinaNetPostprocessOp"/> (sigmoid, threshold and per-level top-k
/// by a multi-block radix select, decode, class-wise batched NMS, first DETECTIONS_PER_IMAGE). Counts stay on the device, so a run enqueues no host
/// synchronisation and is captured once per set of image sizes as a CUDA graph (bounded cache) and replayed.
/// Owns its runner, op, arenas and graphs; borrows the context and the weights.
/// </summary>
internal sealed class GpuRetinaNetPlan : IGpuPlan
{
    private const int GraphCacheCapacity = 8;

    private readonly GpuContext _gpu;
    private readonly RetinaNetSpec _spec;
    private readonly GpuNetworkRunner _dense;
    private readonly RetinaNetPostprocessOp _post;
    private readonly DeviceArena _arena = new();
    private readonly DeviceBuffer _denseArena;
    private readonly NormalizeParams _normalize;
    private readonly long[] _levelAnchorOffsets;
    private readonly (int C, int H, int W)[] _clsLevels, _boxLevels;
    private readonly BoundedCache<string, CudaGraphExec> _graphs = new(GraphCacheCapacity);
    private readonly int _images, _preFloat, _logits, _deltas, _anchors, _detBoxes, _detScores, _detClasses, _detCounts, _workspace;

    public GpuRetinaNetPlan(GpuContext gpu, ModelGraph model, NetworkGraph dense, GpuNetworkWeights weights, GpuPrecision precision, TensorLayout layout,
        int batch, int paddedHeight, int paddedWidth, bool measureAlgorithms = false)
    {
        _gpu = gpu;
        _spec = model.Architecture.RetinaNet!;
        Batch = batch;
        PaddedHeight = paddedHeight;
        PaddedWidth = paddedWidth;
        Precision = precision;
        DetectionsPerImage = _spec.DetectionsPerImage;
        bool half = precision == GpuPrecision.Fp16;
        InputSpec input = model.Architecture.Input;
        _normalize = new NormalizeParams(input.Format == "BGR" ? [2, 1, 0] : [0, 1, 2],
            input.PixelMean.Select(v => (float)v).ToArray(), input.PixelStd.Select(v => (float)v).ToArray());
        var owned = new Stack<IDisposable>();
        try
        {
            _dense = Own(owned, new GpuNetworkRunner(gpu, dense, weights, batch, paddedHeight, paddedWidth, precision, layout, measureAlgorithms));
            int k = _spec.NumClasses;
            _clsLevels = _spec.InFeatures.Select(f => _dense.Shape("head_cls_" + f)).ToArray();
            _boxLevels = _spec.InFeatures.Select(f => _dense.Shape("head_box_" + f)).ToArray();
            int anchorsPerCell = RetinaNetLevels.AnchorsPerCell(_clsLevels, _boxLevels, k);
            _levelAnchorOffsets = DeviceLevelAnchors.Offsets(_clsLevels.Select(c => (c.H, c.W)).ToArray(), anchorsPerCell, out long totalAnchors);
            TotalAnchors = totalAnchors;
            _post = Own(owned, new RetinaNetPostprocessOp(gpu.Kernels, batch, _clsLevels.Select(s => (long)s.H * s.W).ToArray(), anchorsPerCell, k,
                _spec.TopkCandidatesTest, _spec.ScoreThreshTest, _spec.NmsThreshTest, _spec.BboxRegWeights.Select(w => (float)w).ToArray(),
                DetectionsPerImage));

            long plane = (long)paddedHeight * paddedWidth, d = (long)batch * DetectionsPerImage;
            _images = _arena.Declare(batch * plane * 3);
            _preFloat = _arena.Declare(half ? batch * 3 * plane * 4 : 0);
            _logits = _arena.Declare(batch * totalAnchors * k * 4);
            _deltas = _arena.Declare(batch * totalAnchors * 16);
            _anchors = _arena.Declare(totalAnchors * 16);
            _detBoxes = _arena.Declare(d * 16);
            _detScores = _arena.Declare(d * 4);
            _detClasses = _arena.Declare(d * 4);
            _detCounts = _arena.Declare(batch * 4L);
            _workspace = _arena.Declare(_dense.WorkspaceBytes);
            _arena.Allocate(gpu.Device);
            owned.Push(_arena);
            _denseArena = Own(owned, gpu.Device.Allocate(_dense.ArenaBytes));
            _dense.Bind(_denseArena);

            // Anchors per level (DefaultAnchorGenerator from the cell anchors, as the CPU LevelAnchors), once per shape.
            DeviceLevelAnchors.Fill(gpu, model.Architecture.Anchors, _spec.InFeatures, _clsLevels.Select(c => (c.H, c.W)).ToArray(), anchorsPerCell,
                _levelAnchorOffsets, _arena[_anchors]);
        }
        catch
        {
            while (owned.Count > 0) owned.Pop().Dispose();
            throw;
        }
    }

    private static T Own<T>(Stack<IDisposable> owned, T item) where T : IDisposable
    {
        owned.Push(item);
        return item;
    }

    public int Batch { get; }

    public int PaddedHeight { get; }

    public int PaddedWidth { get; }

    public GpuPrecision Precision { get; }

    public int DetectionsPerImage { get; }

    public long TotalAnchors { get; }

    /// <summary>Device bytes this plan holds (activation arena and plan buffers; not the post-processing op's scratch).</summary>
    public long SizeBytes => _arena.SizeBytes + _denseArena.SizeBytes;

    /// <summary>uint8 image slot <paramref name="n"/> ([paddedHeight * paddedWidth * 3]; an image of h x w uses its first h * w * 3 bytes, HWC).</summary>
    public DeviceBuffer ImageSlot(int n) => _arena[_images].Slice((long)n * PaddedHeight * PaddedWidth * 3, (long)PaddedHeight * PaddedWidth * 3);

    public DeviceBuffer DetectionBoxes => _arena[_detBoxes];

    public DeviceBuffer DetectionScores => _arena[_detScores];

    public DeviceBuffer DetectionClasses => _arena[_detClasses];

    public DeviceBuffer DetectionCounts => _arena[_detCounts];

    /// <summary>Graphs held now (for tests).</summary>
    public int CachedGraphs => _graphs.Count;

    /// <summary>Candidates batched NMS dropped at its group bound so far (synchronises; tests).</summary>
    public int ReadNmsOverflow() => _post.ReadNmsOverflow(_gpu.Stream);

    /// <summary>
    /// Queues the whole run for images of the given resized sizes (already in their slots). <paramref name="mark"/> is called after
    /// each stage, with "dense/" + a node name after each node and "inference/" + a part of the post-processing after each part
    /// (event timing); null in graph capture.
    /// </summary>
    public void Enqueue(IReadOnlyList<(int Height, int Width)> sizes, CudaStream stream, Action<string>? mark)
    {
        CheckSizes(sizes);
        bool half = Precision == GpuPrecision.Fp16;
        DeviceBuffer ws = _arena[_workspace];
        DeviceBuffer? workspace = ws.SizeBytes > 0 ? ws : null;
        long plane = (long)PaddedHeight * PaddedWidth;

        // DenseDetector.preprocess_image + ImageList.from_tensors: normalise each image into its zero-padded slot.
        DeviceBuffer image = _dense.Input("image");
        DeviceBuffer pre = half ? _arena[_preFloat] : image;
        for (int n = 0; n < Batch; n++)
            _gpu.PreprocessFloat.Enqueue(ImageSlot(n), sizes[n].Height, sizes[n].Width, pre, n * 3 * plane * 4, PaddedHeight, PaddedWidth, _normalize, stream);
        if (half) _gpu.Convert.NchwFloatToNhwcHalf(pre, Batch, 3, plane, image, stream);
        mark?.Invoke("preprocess");

        _dense.Enqueue(workspace, stream, mark is null ? null : n => mark("dense/" + n));
        mark?.Invoke("backbone_fpn_head");

        // Head outputs -> per image, levels concatenated, float32 NCHW (what RetinaNetPostprocessOp reads).
        int k = _spec.NumClasses;
        for (int l = 0; l < _clsLevels.Length; l++)
        {
            string f = _spec.InFeatures[l];
            long levelPlane = (long)_clsLevels[l].H * _clsLevels[l].W;
            GatherLevel(_dense.Output("head_cls_" + f), _clsLevels[l].C, levelPlane, _arena[_logits], TotalAnchors * k, _levelAnchorOffsets[l] * k, stream);
            GatherLevel(_dense.Output("head_box_" + f), _boxLevels[l].C, levelPlane, _arena[_deltas], TotalAnchors * 4, _levelAnchorOffsets[l] * 4, stream);
        }
        mark?.Invoke("gather_levels");
        _post.Enqueue(_arena[_logits], _arena[_deltas], _arena[_anchors], DetectionBoxes, DetectionScores, DetectionClasses, DetectionCounts, stream,
            mark is null ? null : part => mark("inference/" + part));
        mark?.Invoke("inference");
    }

    /// <summary>Runs through a CUDA graph captured for these sizes (captured on first use, kept in a bounded cache).</summary>
    public void Launch(IReadOnlyList<(int Height, int Width)> sizes, CudaStream stream)
    {
        CheckSizes(sizes);
        string key = string.Join(";", sizes.Select(s => $"{s.Height}x{s.Width}"));
        CudaGraphExec graph = _graphs.GetOrAdd(key, _ => stream.Capture(s => Enqueue(sizes, s, null),
            $"RetinaNet batch {Batch} {PaddedHeight}x{PaddedWidth} [{key}]"));
        graph.Launch(stream);
    }

    private void GatherLevel(DeviceBuffer levelOutput, int channels, long plane, DeviceBuffer perImage, long perImageElements, long levelOffsetElements, CudaStream stream)
    {
        // Level output [batch, channels, plane] float32 (or [batch, plane, channels] float16) -> image n's row at the level's offset.
        long count = channels * plane;
        for (int n = 0; n < Batch; n++)
        {
            DeviceBuffer dst = perImage.Slice((n * perImageElements + levelOffsetElements) * 4, count * 4);
            if (Precision == GpuPrecision.Fp16)
                _gpu.Convert.NhwcHalfToNchwFloat(levelOutput.Slice(n * count * 2, count * 2), 1, channels, plane, dst, stream);
            else
                dst.CopyFrom(levelOutput.Slice(n * count * 4, count * 4), count * 4, stream);
        }
    }

    private void CheckSizes(IReadOnlyList<(int Height, int Width)> sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Count != Batch) throw new ArgumentException($"{sizes.Count} image sizes for a plan of batch {Batch}", nameof(sizes));
        for (int n = 0; n < Batch; n++)
            if (sizes[n].Height < 1 || sizes[n].Width < 1 || sizes[n].Height > PaddedHeight || sizes[n].Width > PaddedWidth)
                throw new ArgumentException($"image {n} of {sizes[n].Height}x{sizes[n].Width} does not fit the plan's {PaddedHeight}x{PaddedWidth}", nameof(sizes));
    }

    /// <summary>Waits for the stream, then frees graphs, buffers and ops in reverse order of creation.</summary>
    public void Dispose()
    {
        _gpu.Stream.Synchronize();
        _graphs.Dispose();
        _denseArena.Dispose();
        _arena.Dispose();
        _post.Dispose();
        _dense.Dispose();
    }
}
